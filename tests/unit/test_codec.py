"""evgw._core: frame decoding, schema validation and encoding, table-driven.

Every official schema of every version gets a valid instance built from the schema itself
(required properties only, and every property) and invalid mutants of it (a required property
removed, an extra property, a wrongly typed property), each with the code it must raise.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from evgw._core import (
    OCPP16,
    OCPP21,
    OCPP201,
    SUPPORTED_VERSIONS,
    Call,
    CallError,
    CallResult,
    Codec,
    OcppError,
    Violation,
)
from hypothesis import given, settings
from hypothesis import strategies as st

SCHEMAS = Path(__file__).parents[2] / "schemas"
DIRS = {OCPP16: "v16", OCPP201: "v201", OCPP21: "v21"}
CODECS = {v: Codec(v) for v in SUPPORTED_VERSIONS}
FORMAT = {OCPP16: "FormationViolation", OCPP201: "FormatViolation", OCPP21: "FormatViolation"}


def schema_files() -> list[tuple[str, str, str, Path]]:
    """(version, action, "request" | "response", path) for every vendored schema."""
    out = []
    for version, d in DIRS.items():
        for path in sorted((SCHEMAS / d).glob("*.json")):
            stem = path.stem
            if stem.endswith("Response"):
                out.append((version, stem.removesuffix("Response"), "response", path))
            elif version != OCPP16 and stem.endswith("Request"):
                out.append((version, stem.removesuffix("Request"), "request", path))
            else:
                out.append((version, stem, "request", path))
    return out


FILES = schema_files()
IDS = [f"{v}-{p.name}" for v, _, _, p in FILES]


class Instances:
    """Builds instances of one schema document: `minimal` (required properties only) or
    `full` (every property, every array with one element)."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def resolve(self, s: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in s:
            s = self.doc["definitions"][s["$ref"].removeprefix("#/definitions/")]
        return s

    def build(self, s: dict[str, Any], full: bool) -> Any:
        s = self.resolve(s)
        t = s.get("type")
        if t == "object":
            props = s.get("properties", {})
            names = props if full else s.get("required", [])
            return {k: self.build(props[k], full) for k in names}
        if t == "array":
            n = max(s.get("minItems", 0), 1 if full else 0)
            return [self.build(s["items"], full) for _ in range(n)]
        return scalar(s)


def scalar(s: dict[str, Any]) -> Any:
    """A valid string, number or boolean for `s` (anything at all when it has no type)."""
    t = s.get("type")
    if t in ("integer", "number"):
        lo, hi = s.get("minimum", 0), s.get("maximum", math.inf)
        x = lo if lo <= hi else hi
        return int(x) if t == "integer" else float(x)
    if t == "boolean":
        return True
    if t != "string":
        return {"anything": [1, "goes"]}
    if "enum" in s:
        return s["enum"][-1]
    formats = {"date-time": "2024-02-29T12:30:00.5+01:00", "uri": "https://example.com/fw.bin"}
    return formats.get(s.get("format", ""), "é" * min(3, s.get("maxLength", 3)))


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8-sig"))


def frame(direction: str, action: str, payload: Any) -> str:
    if direction == "request":
        return json.dumps([2, "m-1", action, payload])
    return json.dumps([3, "m-1", payload])


def decode(version: str, action: str, direction: str, payload: Any) -> Call | CallResult:
    codec = CODECS[version]
    text = frame(direction, action, payload)
    return codec.decode(text, action if direction == "response" else None)


def wrong_type(s: dict[str, Any]) -> Any:
    return 12345 if s.get("type") == "string" else "not-the-type"


def mutants(doc: dict[str, Any], version: str) -> list[tuple[str, Any, str]]:
    """(label, invalid payload, expected code)."""
    inst = Instances(doc)
    base = inst.build(doc, full=False)
    out = []
    if doc.get("additionalProperties") is False:
        out.append(("extra property", {**base, "zzUnknown": 1}, FORMAT[version]))
    for name in doc.get("required", []):
        out.append(
            (f"without {name}", {k: v for k, v in base.items() if k != name}, "ProtocolError")
        )
    for name, prop in doc.get("properties", {}).items():
        s = inst.resolve(prop)
        if "type" in s:
            out.append(
                (f"{name} wrongly typed", {**base, name: wrong_type(s)}, "TypeConstraintViolation")
            )
    return out


@pytest.mark.parametrize(("version", "action", "direction", "path"), FILES, ids=IDS)
def test_every_schema_accepts_its_valid_instances(
    version: str, action: str, direction: str, path: Path
) -> None:
    doc = load(path)
    for full in (False, True):
        payload = Instances(doc).build(doc, full)
        decoded = decode(version, action, direction, payload)
        assert decoded.payload == payload
        assert CODECS[version].validate(action, direction, payload) == []


@pytest.mark.parametrize(("version", "action", "direction", "path"), FILES, ids=IDS)
def test_every_schema_refuses_its_mutants(
    version: str, action: str, direction: str, path: Path
) -> None:
    cases = mutants(load(path), version)
    assert cases, "every schema must have at least one invalid sample"
    for label, payload, code in cases:
        with pytest.raises(OcppError) as err:
            decode(version, action, direction, payload)
        assert err.value.code == code, label
        assert err.value.message_id == "m-1"
        assert err.value.frame_type == (2 if direction == "request" else 3)
        violations = CODECS[version].validate(action, direction, payload)
        assert code in {v.code for v in violations}, label


def test_schema_table_is_complete() -> None:
    assert len(FILES) == 387
    for version in SUPPORTED_VERSIONS:
        requests = sorted({a for v, a, d, _ in FILES if v == version and d == "request"})
        assert CODECS[version].actions() == requests


SN16 = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
SN201 = {
    "timestamp": "2024-01-01T00:00:00Z",
    "connectorStatus": "Available",
    "evseId": 1,
    "connectorId": 1,
}


def call(action: str, payload: dict[str, Any]) -> str:
    return json.dumps([2, "m1", action, payload])


# S-19: (frame, 1.6 (kind, code, message_id), 2.0.1 (kind, code, message_id))
S19 = [
    (
        '[2, "m1", "Heartbeat", {',
        ("format", "FormationViolation", "m1"),
        ("format", "FormatViolation", "m1"),
    ),
    (
        "this is not json",
        ("format", "FormationViolation", None),
        ("format", "FormatViolation", "-1"),
    ),
    (
        '[2, 123, "Heartbeat", {}]',
        ("rpc_framework", "FormationViolation", None),
        ("rpc_framework", "RpcFrameworkError", "-1"),
    ),
    (
        '[5, "x"]',
        ("message_type_not_supported", "GenericError", None),
        ("message_type_not_supported", "MessageTypeNotSupported", "x"),
    ),
    (
        call("FooBar", {}),
        ("not_implemented", "NotImplemented", "m1"),
        ("not_implemented", "NotImplemented", "m1"),
    ),
]
S19_PAYLOAD = [
    (
        "missing status",
        {k: v for k, v in SN16.items() if k != "status"},
        {k: v for k, v in SN201.items() if k != "connectorStatus"},
        ("protocol", "ProtocolError"),
    ),
    (
        "connectorId string",
        {**SN16, "connectorId": "1"},
        {**SN201, "connectorId": "1"},
        ("type", "TypeConstraintViolation"),
    ),
    (
        "status Broken",
        {**SN16, "status": "Broken"},
        {**SN201, "connectorStatus": "Broken"},
        ("property", "PropertyConstraintViolation"),
    ),
]


@pytest.mark.parametrize(("text", "v16", "v201"), S19)
def test_s19_bad_frames(
    text: str, v16: tuple[str, str, str | None], v201: tuple[str, str, str | None]
) -> None:
    for version, expected in ((OCPP16, v16), (OCPP201, v201)):
        with pytest.raises(OcppError) as err:
            CODECS[version].decode(text)
        e = err.value
        assert (e.kind, e.code, e.message_id) == expected, version
        assert len(e.description) <= 255
        assert text not in e.description


@pytest.mark.parametrize(
    ("label", "p16", "p201", "expected"), S19_PAYLOAD, ids=[c[0] for c in S19_PAYLOAD]
)
def test_s19_bad_payloads(
    label: str, p16: dict[str, Any], p201: dict[str, Any], expected: tuple[str, str]
) -> None:
    for version, payload in ((OCPP16, p16), (OCPP201, p201)):
        with pytest.raises(OcppError) as err:
            CODECS[version].decode(call("StatusNotification", payload))
        e = err.value
        assert (e.kind, e.code, e.message_id, e.action, e.frame_type) == (
            *expected,
            "m1",
            "StatusNotification",
            2,
        )
        assert e.details["path"].startswith("/")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("[]", "format"),
        ("{}", "format"),
        ('[2, "a"]', "format"),
        ('[2, "a", "Heartbeat", {}, 1]', "format"),
        ('[2, "a", "Heartbeat", []]', "format"),
        ('[2, "a", "Heartbeat", {}] trailing', "format"),
        ('[3, "a", {}, 1]', "format"),
        ('[4, "a", "GenericError", ""]', "format"),
        ('["2", "a", "Heartbeat", {}]', "rpc_framework"),
        ('[2, "", "Heartbeat", {}]', "rpc_framework"),
        ('[2, "' + "x" * 37 + '", "Heartbeat", {}]', "rpc_framework"),
        ('[2, "a", "Heartbeat", {"x": 1}]', "format"),
        ("[" * 200, "format"),
    ],
)
def test_structure_errors(text: str, kind: str) -> None:
    with pytest.raises(OcppError) as err:
        CODECS[OCPP201].decode(text)
    assert err.value.kind == kind


def test_oversized_frame_recovers_message_id() -> None:
    codec = Codec(OCPP201, max_frame_bytes=200)
    big = call("DataTransfer", {"vendorId": "v", "data": "x" * 500})
    for text in (big, big.encode()):
        with pytest.raises(OcppError) as err:
            codec.decode(text)
        e = err.value
        assert (e.kind, e.code, e.message_id, e.action, e.frame_type) == (
            "too_large",
            "FormatViolation",
            "m1",
            "DataTransfer",
            2,
        )
    assert Codec(OCPP16, max_frame_bytes=200).error_code("too_large") == "FormationViolation"
    assert codec.max_frame_bytes == 200


def test_bytes_input() -> None:
    codec = CODECS[OCPP16]
    decoded = codec.decode(call("StatusNotification", SN16).encode())
    assert isinstance(decoded, Call)
    assert decoded.payload == SN16
    with pytest.raises(OcppError) as err:
        codec.decode(b'[2, "m1", "Heartbeat", {"\xff": 1}]')
    assert err.value.code == "FormationViolation"
    with pytest.raises(TypeError):
        codec.decode(42)  # type: ignore[arg-type]


def test_decoded_types_and_normalisation() -> None:
    codec = CODECS[OCPP201]
    payload = {**SN201, "evseId": 1.0, "timestamp": "2024-01-01T00:00:00"}
    decoded = codec.decode(call("StatusNotification", payload))
    assert decoded.payload["evseId"] == 1
    assert type(decoded.payload["evseId"]) is int
    assert (decoded.message_id, decoded.action) == ("m1", "StatusNotification")
    for bad in ("2024-02-30T00:00:00Z", "2024-13-01T00:00:00Z", "2024-01-01 00:00:00Z"):
        with pytest.raises(OcppError) as err:
            codec.decode(call("StatusNotification", {**SN201, "timestamp": bad}))
        assert err.value.code == "PropertyConstraintViolation"
        assert err.value.details == {"path": "/timestamp"}


def test_occurrence_spelling() -> None:
    cases = (
        (OCPP16, {"connectorId": 1, "meterValue": []}, "OccurenceConstraintViolation"),
        (OCPP201, {"evseId": 1, "meterValue": []}, "OccurrenceConstraintViolation"),
    )
    for version, payload, code in cases:
        with pytest.raises(OcppError) as err:
            CODECS[version].decode(call("MeterValues", payload))
        assert (err.value.kind, err.value.code, err.value.details) == (
            "occurrence",
            code,
            {"path": "/meterValue"},
        )


ERROR_CODES = [
    ("format", "FormationViolation", "FormatViolation"),
    ("rpc_framework", "FormationViolation", "RpcFrameworkError"),
    ("message_type_not_supported", "GenericError", "MessageTypeNotSupported"),
    ("not_implemented", "NotImplemented", "NotImplemented"),
    ("protocol", "ProtocolError", "ProtocolError"),
    ("occurrence", "OccurenceConstraintViolation", "OccurrenceConstraintViolation"),
    ("type", "TypeConstraintViolation", "TypeConstraintViolation"),
    ("property", "PropertyConstraintViolation", "PropertyConstraintViolation"),
    ("too_large", "FormationViolation", "FormatViolation"),
    ("internal", "InternalError", "InternalError"),
    ("generic", "GenericError", "GenericError"),
    ("not_supported", "NotSupported", "NotSupported"),
    ("security", "SecurityError", "SecurityError"),
]


@pytest.mark.parametrize(("kind", "v16", "v2x"), ERROR_CODES)
def test_error_code_table(kind: str, v16: str, v2x: str) -> None:
    assert CODECS[OCPP16].error_code(kind) == v16
    assert CODECS[OCPP201].error_code(kind) == v2x
    assert CODECS[OCPP21].error_code(kind) == v2x


def test_api_errors() -> None:
    codec = CODECS[OCPP16]
    with pytest.raises(ValueError, match="unsupported"):
        Codec("ocpp2.0")
    with pytest.raises(ValueError, match="unknown error kind"):
        codec.error_code("nope")
    with pytest.raises(ValueError, match="unknown action"):
        codec.validate("FooBar", "request", {})
    with pytest.raises(ValueError, match="kind must be"):
        codec.validate("Heartbeat", "both", {})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown action"):
        codec.decode('[3, "a", {}]', "FooBar")
    with pytest.raises(ValueError, match="connectorId"):
        codec.encode_call("a", "StatusNotification", {"connectorId": "1"})
    with pytest.raises(ValueError, match="message id"):
        codec.encode_call("", "Heartbeat", {})
    with pytest.raises(ValueError, match="not an OCPP-J error code"):
        codec.encode_error("a", "FormatViolation")  # a 2.x spelling on 1.6
    with pytest.raises(ValueError, match="NaN"):
        codec.encode_result("a", {"x": math.nan})
    with pytest.raises(TypeError):
        codec.encode_result("a", {1: "x"})  # type: ignore[dict-item]


def test_validate_lists_every_violation() -> None:
    violations = CODECS[OCPP16].validate(
        "StatusNotification", "request", {"connectorId": "1", "extra": 1}
    )
    assert all(isinstance(v, Violation) for v in violations)
    assert [(v.path, v.kind, v.code) for v in violations] == [
        ("/connectorId", "type", "TypeConstraintViolation"),
        ("/extra", "format", "FormationViolation"),
        ("/errorCode", "protocol", "ProtocolError"),
        ("/status", "protocol", "ProtocolError"),
    ]


def test_encode_round_trips() -> None:
    codec = CODECS[OCPP16]
    text = codec.encode_call("id-1", "StatusNotification", SN16)
    assert text == (
        '[2,"id-1","StatusNotification",'
        '{"connectorId":1,"errorCode":"NoError","status":"Available"}]'
    )
    decoded = codec.decode(text)
    assert (decoded.message_id, decoded.action, decoded.payload) == (
        "id-1",
        "StatusNotification",
        SN16,
    )
    result = codec.decode(
        codec.encode_result("id-1", {"status": "Accepted"}, "ChangeAvailability"),
        "ChangeAvailability",
    )
    assert isinstance(result, CallResult)
    assert result.payload == {"status": "Accepted"}
    err_text = codec.encode_error("id-1", "FormationViolation", "x" * 300, {"path": "/a"})
    err = codec.decode(err_text)
    assert isinstance(err, CallError)
    assert (err.error_code, len(err.error_description), err.error_details) == (
        "FormationViolation",
        255,
        {"path": "/a"},
    )
    assert codec.encode_error("id-1", "GenericError") == '[4,"id-1","GenericError","",{}]'


json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(
    payload=st.dictionaries(st.text(), json_values, max_size=5),
    message_id=st.text(min_size=1, max_size=36),
)
def test_result_round_trip_property(payload: dict[str, Any], message_id: str) -> None:
    codec = CODECS[OCPP201]
    decoded = codec.decode(codec.encode_result(message_id, payload))
    assert decoded.message_id == message_id
    assert decoded.payload == payload
    assert json.loads(codec.encode_result(message_id, payload)) == [3, message_id, payload]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_decoder_never_fails_otherwise(data: bytes | str) -> None:
    try:
        CODECS[OCPP16].decode(data)
    except OcppError as e:
        code = e.code
    else:
        code = "CALL, CALLRESULT or CALLERROR"
    assert code in {c[1] for c in ERROR_CODES} | {"CALL, CALLRESULT or CALLERROR"}
