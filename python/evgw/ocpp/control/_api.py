"""The control services' API: transaction status at the charger, security-profile upgrade,
display messages, customer information (under /chargers/{id}) and /reservations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from evgw.api import (
    ApiError,
    ApiExtension,
    ApiRoute,
    Call,
    invalid,
    ok,
    parse_object,
    read_json,
)
from evgw.api._chargers import existing_charger
from evgw.domain import Role
from evgw.ocpp.control._api_common import calling, when
from evgw.ocpp.control._api_docs import TX_QUERY, UPGRADE_FIELDS, charger_docs, charger_schemas
from evgw.ocpp.control._api_reservations import ReservationRoutes, reservation_docs
from evgw.ocpp.control._messages import CUSTOMER, DISPLAY
from evgw.ocpp.control._requests import RequestState
from evgw.ocpp.control._upgrade import UpgradeRefused, UpgradeRequest

if TYPE_CHECKING:
    from evgw.ocpp.control._component import OcppControl


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise invalid([{"field": name, "message": "must be true or false"}])
    return value


def _request_view(state: RequestState) -> dict[str, Any]:
    return {
        "request_id": state.request_id,
        "status": state.status,
        "parts": state.parts,
        "missing_seq_nos": list(state.missing),
        "result": state.result,
        "updated_at": when(state.updated_at),
    }


class ChargerRoutes:
    def __init__(self, component: OcppControl) -> None:
        self.c = component

    async def transaction_status(self, call: Call) -> Response:
        charger = await existing_charger(call)
        tx_id = call.query(*TX_QUERY).get("transaction_id")
        async with calling():
            status = await self.c.tx_status.ask(charger.registration.id, tx_id)
        body = {"transaction_id": tx_id, "ongoing": status.ongoing}
        return ok({**body, "messages_in_queue": status.messages_in_queue})

    async def upgrade_state(self, call: Call) -> Response:
        charger = await existing_charger(call)
        pending = await self.c.upgrades.pending(charger.registration.id)
        return ok({"registered": charger.registration.security_profile, "pending": pending})

    async def upgrade(self, call: Call) -> Response:
        charger = await existing_charger(call)
        values = parse_object(UPGRADE_FIELDS, await read_json(call.request))
        request = UpgradeRequest(
            values["profile"], values.get("csms_url", ""), values.get("configuration_slot", 1)
        )
        try:
            async with calling():
                outcome = await self.c.upgrades.start(charger.registration, request)
        except UpgradeRefused as refused:
            raise ApiError(409, refused.code, str(refused)) from None
        steps = [{"action": a, "status": s} for a, s in outcome.steps]
        return ok({"status": outcome.status, "pending": outcome.pending, "steps": steps})

    async def cancel_upgrade(self, call: Call) -> Response:
        charger = await existing_charger(call)
        await self.c.upgrades.cancel(charger.registration.id)
        return Response(status_code=204)

    async def display_messages(self, call: Call) -> Response:
        charger = await existing_charger(call)
        items = await self.c.messages.displayed(charger.registration.id)
        return ok({"items": [{**i, "updated_at": when(i["updated_at"])} for i in items]})

    async def set_display_message(self, call: Call) -> Response:
        charger = await existing_charger(call)
        body = await read_json(call.request)
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, dict) or "id" in message:
            raise invalid([{"field": "message", "message": "a MessageInfo object without id"}])
        async with calling():
            status, sent = await self.c.messages.set_display(charger.registration.id, message)
        return ok({"status": status, "message": sent}, 201 if status == "Accepted" else 409)

    async def clear_display_message(self, call: Call) -> Response:
        charger = await existing_charger(call)
        text = call.path("message_id")
        if not text.isdigit() or len(text) > 9:
            raise invalid([{"field": "message_id", "message": "an integer id"}])
        async with calling():
            status = await self.c.messages.clear_display(charger.registration.id, int(text))
        return ok({"status": status})

    async def _ask(self, call: Call, kind: str, action: str, params: dict[str, Any]) -> Response:
        charger = await existing_charger(call)
        async with calling():
            request_id, status = await self.c.messages.request(
                charger.registration.id, kind, action, params
            )
        return ok(
            {"request_id": request_id, "status": status}, 202 if status == "Accepted" else 200
        )

    async def report_display_messages(self, call: Call) -> Response:
        body = await read_json(call.request)
        if not isinstance(body, dict):
            raise invalid([{"field": "body", "message": "must be a JSON object"}])
        unknown = set(body) - {"id", "priority", "state"}
        if unknown:
            raise invalid([{"field": n, "message": "unknown field"} for n in sorted(unknown)])
        return await self._ask(call, DISPLAY, "GetDisplayMessages", body)

    async def customer_information(self, call: Call) -> Response:
        body = await read_json(call.request)
        if not isinstance(body, dict):
            raise invalid([{"field": "body", "message": "must be a JSON object"}])
        report, clear = _flag(body, "report"), _flag(body, "clear")
        if not (report or clear):
            raise invalid(
                [{"field": "report", "message": "report or clear (or both) must be true"}]
            )
        keys = {
            "customer_identifier": "customerIdentifier",
            "id_token": "idToken",
            "customer_certificate": "customerCertificate",
        }
        unknown = set(body) - set(keys) - {"report", "clear"}
        if unknown:
            raise invalid([{"field": n, "message": "unknown field"} for n in sorted(unknown)])
        chosen = {keys[k]: v for k, v in body.items() if k in keys}
        if len(chosen) != 1:
            message = "exactly one of customer_identifier, id_token, customer_certificate"
            raise invalid([{"field": "body", "message": message}])
        return await self._ask(
            call, CUSTOMER, "CustomerInformation", {"report": report, "clear": clear, **chosen}
        )

    async def _state(self, call: Call, kind: str) -> Response:
        charger = await existing_charger(call)
        text = call.path("request_id")
        state = None
        if text.isdigit() and len(text) < 19:
            state = await self.c.messages.state(charger.registration.id, kind, int(text))
        if state is None:
            raise ApiError(404, "not_found", f"no request {text}")
        return ok(_request_view(state))

    async def display_report(self, call: Call) -> Response:
        return await self._state(call, DISPLAY)

    async def customer_report(self, call: Call) -> Response:
        return await self._state(call, CUSTOMER)


def _routes(h: ChargerRoutes, r: ReservationRoutes) -> tuple[ApiRoute, ...]:
    c = "/chargers/{id}"
    return (
        ApiRoute("GET", f"{c}/transaction-status", h.transaction_status, Role.OPERATOR),
        ApiRoute("GET", f"{c}/security-profile-upgrade", h.upgrade_state, Role.VIEWER),
        ApiRoute("POST", f"{c}/security-profile-upgrade", h.upgrade, Role.ADMIN),
        ApiRoute("DELETE", f"{c}/security-profile-upgrade", h.cancel_upgrade, Role.ADMIN),
        ApiRoute("GET", f"{c}/display-messages", h.display_messages, Role.VIEWER),
        ApiRoute("POST", f"{c}/display-messages", h.set_display_message, Role.OPERATOR),
        ApiRoute(
            "DELETE", f"{c}/display-messages/{{message_id}}", h.clear_display_message, Role.OPERATOR
        ),
        ApiRoute("POST", f"{c}/display-message-reports", h.report_display_messages, Role.OPERATOR),
        ApiRoute(
            "GET", f"{c}/display-message-reports/{{request_id}}", h.display_report, Role.VIEWER
        ),
        ApiRoute("POST", f"{c}/customer-information", h.customer_information, Role.ADMIN),
        ApiRoute("GET", f"{c}/customer-information/{{request_id}}", h.customer_report, Role.ADMIN),
        ApiRoute("GET", "/reservations", r.list, Role.VIEWER),
        ApiRoute("POST", "/reservations", r.create, Role.OPERATOR),
        ApiRoute("GET", "/reservations/{id}", r.get, Role.VIEWER),
        ApiRoute("DELETE", "/reservations/{id}", r.cancel, Role.OPERATOR),
    )


def control_api(component: OcppControl) -> ApiExtension:
    reservations_ops, reservation_schemas = reservation_docs()
    routes = _routes(ChargerRoutes(component), ReservationRoutes(component))
    return ApiExtension(
        routes, {**charger_docs(), **reservations_ops}, {**charger_schemas(), **reservation_schemas}
    )
