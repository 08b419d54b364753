"""The field tables behind API validation and the OpenAPI request schemas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from evgw.api._errors import ApiError
from evgw.api._fields import Field, Kind, check_value, field_schema, parse_object
from evgw.api._views import rfc3339

WHEN = Field("when", Kind.DATETIME, nullable=True)
COUNT = Field("count", Kind.INTEGER, required=True, minimum=1, maximum=5)
NAME = Field("name", Kind.STRING, minimum=2, maximum=4, pattern="[a-z]+", pattern_hint="a-z only")
RATIO = Field("ratio", Kind.NUMBER, minimum=0.5)
MODE = Field("mode", Kind.ENUM, choices=("On", "Off"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2030-01-02T03:04:05Z", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2030-01-02t03:04:05z", datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2030-01-02 03:04:05.5+00:00", datetime(2030, 1, 2, 3, 4, 5, 500000, tzinfo=UTC)),
        (
            "2030-01-02T03:04:05-05:30",
            datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone(-timedelta(hours=5, minutes=30))),
        ),
        (None, None),
    ],
)
def test_datetime_accepts(text: str | None, expected: datetime | None) -> None:
    assert check_value(WHEN, text) == expected


@pytest.mark.parametrize(
    "text",
    ["2030-01-02T03:04:05", "2030-01-02", "2030-13-02T03:04:05Z", "20300102T030405Z", "", 5],
)
def test_datetime_rejects(text: object) -> None:
    with pytest.raises(ApiError) as raised:
        check_value(WHEN, text)
    assert raised.value.status == 422
    assert raised.value.details[0]["field"] == "when"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (COUNT, 0, "value must be at least 1"),
        (COUNT, 6, "value must be at most 5"),
        (COUNT, True, "must be an integer"),
        (COUNT, None, "must not be null"),
        (NAME, "a", "length must be at least 2"),
        (NAME, "abcde", "length must be at most 4"),
        (NAME, "AB", "a-z only"),
        (NAME, "a\nb", "must not contain control characters"),
        (RATIO, 0.1, "value must be at least 0.5"),
        (RATIO, "1", "must be a number"),
        (MODE, "on", "must be one of: On, Off"),
    ],
)
def test_messages(field: Field, value: object, message: str) -> None:
    with pytest.raises(ApiError) as raised:
        check_value(field, value)
    assert raised.value.details == [{"field": field.name, "message": message}]


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ApiError) as raised:
        parse_object((COUNT, NAME), {"name": "A", "other": 1})
    assert raised.value.details == [
        {"field": "other", "message": "unknown field"},
        {"field": "count", "message": "is required"},
        {"field": "name", "message": "length must be at least 2"},
    ]


def test_partial_makes_fields_optional() -> None:
    assert parse_object((COUNT, NAME), {"name": "ab"}, partial=True) == {"name": "ab"}


@pytest.mark.parametrize(
    ("field", "schema"),
    [
        (COUNT, {"type": "integer", "minimum": 1, "maximum": 5}),
        (NAME, {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[a-z]+$"}),
        (RATIO, {"type": "number", "minimum": 0.5}),
        (WHEN, {"type": ["string", "null"], "format": "date-time"}),
        (
            Field("m", Kind.ENUM, choices=("A",), nullable=True),
            {"type": ["string", "null"], "enum": ["A", None]},
        ),
    ],
)
def test_schema(field: Field, schema: dict[str, object]) -> None:
    assert field_schema(field) == schema


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2030, 1, 1, 12, tzinfo=timezone(timedelta(hours=2))), "2030-01-01T10:00:00Z"),
        (datetime(2030, 1, 1, 12), "2030-01-01T12:00:00Z"),  # naive from a store: taken as UTC
    ],
)
def test_rfc3339(moment: datetime, text: str) -> None:
    assert rfc3339(moment) == text
