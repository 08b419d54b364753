"""/chargers/{id}/device-model, /device-model/reports, /variables/get, /variables/set."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from evgw.api import (
    ApiError,
    ApiExtension,
    ApiRoute,
    Call,
    Doc,
    Field,
    Kind,
    invalid,
    ok,
    read_json,
)
from evgw.api._chargers import existing_charger
from evgw.api._ocpp import command_error
from evgw.domain import Role
from evgw.gateway._commands import CommandError
from evgw.ocpp._time import format_timestamp
from evgw.ocpp.v201 import _device_model as dm
from evgw.ocpp.v201._component import TAKEN

if TYPE_CHECKING:
    from evgw.ocpp.v201._component import Ocpp201

MODEL_QUERY = (
    Field("component", Kind.STRING, "only this component name", minimum=1, maximum=50),
    Field("variable", Kind.STRING, "only this variable name", minimum=1, maximum=50),
)


def _when(item: dict[str, Any]) -> dict[str, Any]:
    at = item.get("updated_at")
    return {**item, "updated_at": format_timestamp(at) if at else None}


class _Handlers:
    def __init__(self, component: Ocpp201) -> None:
        self.component = component

    async def device_model(self, call: Call) -> Response:
        charger = await existing_charger(call)
        query = call.query(*MODEL_QUERY)
        op = functools.partial(
            dm.read_variables,
            charger_id=charger.registration.id,
            component=query.get("component"),
            variable=query.get("variable"),
        )
        items = await call.store.read(op)
        return ok({"items": [_when(i) for i in items]})

    async def reports(self, call: Call) -> Response:
        charger = await existing_charger(call)
        op = functools.partial(dm.read_reports, charger_id=charger.registration.id)
        states = await call.store.read(op)
        items = [
            _when(
                {
                    "request_id": s.request_id,
                    "status": s.status,
                    "parts": s.parts,
                    "missing_seq_nos": list(s.missing),
                    "variables": s.variables,
                    "updated_at": s.updated_at,
                }
            )
            for s in states
        ]
        return ok({"items": items})

    async def _exchange(self, call: Call, kind: str) -> Response:
        charger = await existing_charger(call)
        body = await read_json(call.request)
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            raise invalid([{"field": "items", "message": "a non-empty list of objects"}])
        if kind == "set" and _lowers_profile(items, charger.registration.security_profile):
            raise invalid([{"field": "items", "message": "SecurityProfile can only be raised"}])
        try:
            results, messages = await self.component.exchange_variables(
                charger.registration.id, kind, items
            )
        except CommandError as error:
            raise command_error(error) from None
        return ok({"results": results, "messages": messages})

    async def rotate_password(self, call: Call) -> Response:
        charger = await existing_charger(call)
        if charger.registration.security_profile not in (1, 2):
            raise ApiError(409, "no_password", "only profile 1 and 2 chargers use a password")
        try:
            status = await self.component.rotate_password(charger.registration.id)
        except CommandError as error:
            raise command_error(error) from None
        return ok({"status": status, "pending": status in TAKEN})

    async def get_variables(self, call: Call) -> Response:
        return await self._exchange(call, "get")

    async def set_variables(self, call: Call) -> Response:
        return await self._exchange(call, "set")


def _lowers_profile(items: list[dict[str, Any]], registered: int) -> bool:
    """S-25: a SetVariables SecurityCtrlr.SecurityProfile below the registered profile."""
    for item in items:
        component = item.get("component") or {}
        variable = item.get("variable") or {}
        names = (component.get("name"), variable.get("name"))
        if names == ("SecurityCtrlr", "SecurityProfile"):
            value = str(item.get("attributeValue", ""))
            if not value.isdigit() or int(value) < registered:
                return True
    return False


def _any(description: str) -> dict[str, Any]:
    return {"type": "object", "description": description}


def device_model_api(component: Ocpp201) -> ApiExtension:
    h = _Handlers(component)
    routes = (
        ApiRoute("GET", "/chargers/{id}/device-model", h.device_model, Role.VIEWER),
        ApiRoute("GET", "/chargers/{id}/device-model/reports", h.reports, Role.VIEWER),
        ApiRoute("POST", "/chargers/{id}/variables/get", h.get_variables, Role.OPERATOR),
        ApiRoute("POST", "/chargers/{id}/variables/set", h.set_variables, Role.OPERATOR),
        ApiRoute("POST", "/chargers/{id}/password-rotation", h.rotate_password, Role.ADMIN),
    )
    exchange_errors = (404, 409, 422, 502, 504)
    operations: dict[tuple[str, str], object] = {
        ("GET", "/chargers/{id}/device-model"): Doc(
            "The charger's OCPP 2.x device model (assembled NotifyReports, accepted sets)",
            response="DeviceModel",
            query=MODEL_QUERY,
            errors=(404,),
        ),
        ("GET", "/chargers/{id}/device-model/reports"): Doc(
            "NotifyReport assembly per requestId (complete, or the seqNos still missing)",
            response="DeviceModelReports",
            errors=(404,),
        ),
        ("POST", "/chargers/{id}/variables/get"): Doc(
            "GetVariables, split to the charger's ItemsPerMessage / BytesPerMessage",
            response="VariablesResult",
            body="VariablesRequest",
            errors=exchange_errors,
        ),
        ("POST", "/chargers/{id}/variables/set"): Doc(
            "SetVariables, split to the charger's limits; Accepted values are stored",
            response="VariablesResult",
            body="VariablesRequest",
            errors=exchange_errors,
        ),
        ("POST", "/chargers/{id}/password-rotation"): Doc(
            "Send the charger a new random password (1.6 AuthorizationKey, 2.x"
            " BasicAuthPassword); it replaces the stored one when the charger connects with it",
            response="PasswordRotation",
            errors=(404, 409, 502, 504),
        ),
    }
    schemas = {
        "PasswordRotation": _any("status: the charger's answer; pending: waiting to reconnect"),
        "DeviceModel": _any("items: component, variable, attribute_type, value, mutability, ..."),
        "DeviceModelReports": _any("items: request_id, status, parts, missing_seq_nos, variables"),
        "VariablesRequest": _any("items: GetVariableData / SetVariableData objects (OCPP JSON)"),
        "VariablesResult": _any("results: the charger's results; messages: calls sent"),
    }
    return ApiExtension(routes, operations, schemas)
