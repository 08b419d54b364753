"""Request input as data: field tables drive validation (422 details) and the OpenAPI schemas.

A `Field` says what one body member or query parameter accepts. `parse_object` checks a
decoded JSON body against a table, `parse_query` does the same for query parameters (strings
converted first); both collect every problem and raise one 422 listing them all.
"""

from __future__ import annotations

import enum
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

import attrs
from starlette.requests import Request

from ._errors import ApiError, invalid

MAX_BODY_BYTES = 1024 * 1024

Violation = dict[str, str]


class Kind(enum.Enum):
    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    DATETIME = "datetime"  # RFC 3339 with an offset, parsed to an aware datetime
    ENUM = "enum"


@attrs.frozen
class Field:
    name: str
    kind: Kind
    description: str = ""
    required: bool = False
    nullable: bool = False
    minimum: float | None = None  # a value for numbers, a length for strings
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    pattern_hint: str = "has characters that are not allowed"
    write_only: bool = False


_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
_INT_TEXT = re.compile(r"[+-]?\d{1,18}", re.ASCII)


class _Problem(Exception):
    """One field's problem, caught by the table walkers."""


def _check_range(value: float, field: Field, what: str) -> None:
    if field.minimum is not None and value < field.minimum:
        raise _Problem(f"{what} must be at least {field.minimum:g}")
    if field.maximum is not None and value > field.maximum:
        raise _Problem(f"{what} must be at most {field.maximum:g}")


def _string(field: Field, value: object) -> str:
    if not isinstance(value, str):
        raise _Problem("must be a string")
    if not value.isprintable():
        raise _Problem("must not contain control characters")
    _check_range(len(value), field, "length")
    if field.pattern is not None and not re.fullmatch(field.pattern, value):
        raise _Problem(field.pattern_hint)
    return value


def _integer(field: Field, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Problem("must be an integer")
    _check_range(value, field, "value")
    return value


def _number(field: Field, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Problem("must be a number")
    _check_range(value, field, "value")
    return float(value)


def _datetime(field: Field, value: object) -> datetime:
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise _Problem("must be an RFC 3339 date-time with an offset, e.g. 2030-01-31T12:00:00Z")
    try:
        return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        raise _Problem("is not a valid date-time") from None


def _choice(field: Field, value: object) -> str:
    if value not in field.choices:
        raise _Problem("must be one of: " + ", ".join(field.choices))
    assert isinstance(value, str)
    return value


_CHECKS: dict[Kind, Callable[[Field, object], Any]] = {
    Kind.STRING: _string,
    Kind.INTEGER: _integer,
    Kind.NUMBER: _number,
    Kind.DATETIME: _datetime,
    Kind.ENUM: _choice,
}


def check_value(field: Field, value: object) -> Any:
    """The validated value; raises a 422 naming the field."""
    try:
        return _check(field, value)
    except _Problem as problem:
        raise invalid([{"field": field.name, "message": str(problem)}]) from None


def _check(field: Field, value: object) -> Any:
    if value is None:
        if field.nullable:
            return None
        raise _Problem("must not be null")
    return _CHECKS[field.kind](field, value)


def _walk(
    fields: Sequence[Field], items: Iterable[tuple[str, object]], *, partial: bool
) -> dict[str, Any]:
    known = {f.name: f for f in fields}
    given = dict(items)
    problems: list[Violation] = [
        {"field": name, "message": "unknown field"} for name in given if name not in known
    ]
    values: dict[str, Any] = {}
    for field in fields:
        if field.name not in given:
            if field.required and not partial:
                problems.append({"field": field.name, "message": "is required"})
            continue
        try:
            values[field.name] = _check(field, given[field.name])
        except _Problem as problem:
            problems.append({"field": field.name, "message": str(problem)})
    if problems:
        raise invalid(problems)
    return values


def parse_object(fields: Sequence[Field], data: object, *, partial: bool = False) -> dict[str, Any]:
    """Check a decoded JSON body; `partial` (PATCH) makes every field optional."""
    if not isinstance(data, dict):
        raise invalid([{"field": "body", "message": "must be a JSON object"}])
    return _walk(fields, data.items(), partial=partial)


def _query_value(field: Field, text: str) -> object:
    if field.kind is Kind.INTEGER and _INT_TEXT.fullmatch(text):
        return int(text)
    if field.kind is Kind.NUMBER:
        try:
            return float(text)
        except ValueError:
            return text
    return text


def parse_query(fields: Sequence[Field], request: Request) -> dict[str, Any]:
    """Check query parameters: unknown or repeated ones are errors too."""
    pairs = request.query_params.multi_items()
    names = [name for name, _ in pairs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise invalid([{"field": n, "message": "is given more than once"} for n in repeated])
    known = {f.name: f for f in fields}
    converted = [(n, _query_value(known[n], v) if n in known else v) for n, v in pairs]
    return _walk(fields, converted, partial=False)


# JSON bodies -------------------------------------------------------------------------------


class _StrictJsonError(ValueError):
    """Valid for Python's json module, not for RFC 8259 (or ambiguous): rejected."""


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _StrictJsonError("duplicate member name in an object")
    return result


def _no_constant(name: str) -> None:
    raise _StrictJsonError(f"{name} is not JSON")


async def read_json(request: Request) -> object:
    """The decoded body; 413 above MAX_BODY_BYTES, 422 when it is not strict JSON."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(413, "payload_too_large", f"the body exceeds {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise invalid([{"field": "body", "message": "a JSON body is required"}])
    try:
        return json.loads(raw, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        message = f"malformed JSON: {error.msg} (line {error.lineno}, column {error.colno})"
    except (_StrictJsonError, UnicodeDecodeError) as error:
        message = f"malformed JSON: {error}"
    raise invalid([{"field": "body", "message": message}])


# OpenAPI -----------------------------------------------------------------------------------


def field_schema(field: Field) -> dict[str, Any]:
    """The JSON Schema (2020-12, as used by OpenAPI 3.1) of one field."""
    schema: dict[str, Any] = {"type": field.kind.value}
    if field.kind is Kind.DATETIME:
        schema = {"type": "string", "format": "date-time"}
    elif field.kind is Kind.ENUM:
        schema = {"type": "string", "enum": list(field.choices)}
    bounds = ("minLength", "maxLength") if field.kind is Kind.STRING else ("minimum", "maximum")
    for key, bound in zip(bounds, (field.minimum, field.maximum), strict=True):
        if bound is not None:
            schema[key] = int(bound) if float(bound).is_integer() else bound
    if field.pattern is not None:
        schema["pattern"] = f"^{field.pattern}$"
    if field.nullable:
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"].append(None)
    if field.write_only:
        schema["writeOnly"] = True
    if field.description:
        schema["description"] = field.description
    return schema


def object_schema(fields: Sequence[Field], *, partial: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {f.name: field_schema(f) for f in fields},
    }
    required = [f.name for f in fields if f.required and not partial]
    if required:
        schema["required"] = required
    return schema


def query_parameters(fields: Sequence[Field]) -> list[dict[str, Any]]:
    return [
        {"name": f.name, "in": "query", "required": f.required, "schema": field_schema(f)}
        for f in fields
    ]
