"""POST /api/v1/chargers/{id}/ocpp/{action} against a test double of the Commander."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from evgw.gateway import (
    CallErrorReply,
    CallTimeout,
    ChargerNotConnected,
    CommandError,
    InvalidReply,
    PayloadInvalid,
    UnknownAction,
)

from tests.integration.test_api_support import Api, error_of, open_api, violated_fields

RESET = "chargers/CP1/ocpp/Reset"


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with open_api() as api:
        await api.register("CP1")
        yield api


async def test_reply_is_returned(api: Api) -> None:
    api.commander.reply = {"status": "Scheduled"}
    response = await api.request("POST", RESET, json={"type": "Soft"})
    assert (response.status_code, response.json()) == (200, {"payload": {"status": "Scheduled"}})
    assert api.commander.calls == [("CP1", "Reset", {"type": "Soft"}, None)]


@pytest.mark.parametrize(("query", "seconds"), [("timeout=1", 1.0), ("timeout=120", 120.0)])
async def test_timeout_is_passed(api: Api, query: str, seconds: float) -> None:
    response = await api.request("POST", f"{RESET}?{query}", json={})
    assert response.status_code == 200
    assert api.commander.calls[-1][3] == seconds


@pytest.mark.parametrize("query", ["timeout=0.5", "timeout=121", "timeout=soon", "timeout=nan"])
async def test_timeout_bounds(api: Api, query: str) -> None:
    assert violated_fields(await api.request("POST", f"{RESET}?{query}", json={})) == {"timeout"}
    assert api.commander.calls == []


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (ChargerNotConnected("CP1 is not connected"), 409, "charger_not_connected"),
        (UnknownAction("no Reset in this version"), 404, "unknown_action"),
        (PayloadInvalid([{"path": "type", "message": "required"}]), 422, "payload_invalid"),
        (CallErrorReply("NotSupported", "nope", {"x": 1}), 502, "charger_call_error"),
        (InvalidReply("status missing"), 502, "invalid_reply"),
        (CallTimeout(""), 504, "call_timeout"),
        (CommandError("something else"), 502, "command_failed"),
    ],
)
async def test_command_errors(api: Api, error: CommandError, status: int, code: str) -> None:
    api.commander.error = error
    response = await api.request("POST", RESET, json={"type": "Soft"})
    assert response.status_code == status
    body = error_of(response)
    assert body["code"] == code
    assert body["message"]


async def test_violations_and_charger_code_are_details(api: Api) -> None:
    violations = [{"path": "type", "message": "'type' is a required property"}]
    api.commander.error = PayloadInvalid(violations)
    assert error_of(await api.request("POST", RESET, json={}))["details"] == violations
    api.commander.error = CallErrorReply("NotSupported", "no reset here", {"hint": "x"})
    details = error_of(await api.request("POST", RESET, json={}))["details"]
    assert details == {
        "ocpp_error_code": "NotSupported",
        "description": "no reset here",
        "details": {"hint": "x"},
    }


async def test_unknown_charger_is_404(api: Api) -> None:
    response = await api.request("POST", "chargers/CP9/ocpp/Reset", json={})
    assert (response.status_code, error_of(response)["code"]) == (404, "not_found")
    assert api.commander.calls == []


@pytest.mark.parametrize("action", ["Re-set", "1Reset", "R" * 65])
async def test_malformed_action_is_404(api: Api, action: str) -> None:
    response = await api.request("POST", f"chargers/CP1/ocpp/{action}", json={})
    assert (response.status_code, error_of(response)["code"]) == (404, "unknown_action")
    assert api.commander.calls == []


@pytest.mark.parametrize("raw", [b"[]", b'"Soft"', b"", b"{"])
async def test_payload_must_be_an_object(api: Api, raw: bytes) -> None:
    assert violated_fields(await api.request("POST", RESET, content=raw)) == {"body"}
    assert api.commander.calls == []
