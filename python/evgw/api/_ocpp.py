"""POST /chargers/{id}/ocpp/{action}: send a CSMS-initiated OCPP call and answer the reply."""

from __future__ import annotations

import re

from starlette.responses import Response

from evgw.gateway._commands import (
    CallErrorReply,
    CallTimeout,
    ChargerNotConnected,
    CommandError,
    InvalidReply,
    PayloadInvalid,
    UnknownAction,
)

from ._chargers import existing_charger
from ._errors import ApiError, invalid
from ._fields import Field, Kind, read_json
from ._handler import Call, ok

TIMEOUT_QUERY = (
    Field(
        "timeout",
        Kind.NUMBER,
        "seconds to wait for the charger's reply (default: the gateway's)",
        minimum=1,
        maximum=120,
    ),
)
_ACTION = re.compile(r"[A-Za-z][A-Za-z0-9]{0,63}", re.ASCII)

# CommandError subclass -> (HTTP status, error code, message when the exception has none)
_STATUS: dict[type[CommandError], tuple[int, str, str]] = {
    ChargerNotConnected: (409, "charger_not_connected", "the charger is not connected"),
    UnknownAction: (404, "unknown_action", "the charger's OCPP version has no such CSMS call"),
    PayloadInvalid: (422, "payload_invalid", "the payload violates the action's schema"),
    CallErrorReply: (502, "charger_call_error", "the charger answered with a CALLERROR"),
    InvalidReply: (502, "invalid_reply", "the charger's reply violates the response schema"),
    CallTimeout: (504, "call_timeout", "the charger did not answer in time"),
}


def command_error(error: CommandError) -> ApiError:
    status, code, default = _STATUS.get(type(error), (502, "command_failed", "the call failed"))
    details: object = None
    if isinstance(error, PayloadInvalid):
        details = error.violations
    elif isinstance(error, CallErrorReply):
        details = {
            "ocpp_error_code": error.code,
            "description": error.description,
            "details": error.details,
        }
    return ApiError(status, code, str(error) or default, details)


async def call_action(call: Call) -> Response:
    charger = await existing_charger(call)
    action = call.path("action")
    if not _ACTION.fullmatch(action):
        raise ApiError(404, "unknown_action", f"{action!r} is not an OCPP action name")
    timeout = call.query(*TIMEOUT_QUERY).get("timeout")
    payload = await read_json(call.request)
    if not isinstance(payload, dict):
        raise invalid([{"field": "body", "message": "the OCPP payload must be a JSON object"}])
    try:
        reply = await call.services.commander.call(
            charger.registration.id, action, payload, timeout=timeout
        )
    except CommandError as error:
        raise command_error(error) from None
    return ok({"payload": reply})
