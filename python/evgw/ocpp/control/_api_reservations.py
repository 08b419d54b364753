"""/reservations: reserve an EVSE (or any EVSE of a charger) for a token or its group."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from evgw.api import (
    PAGE_QUERY,
    ApiError,
    Call,
    Doc,
    Field,
    Kind,
    not_found,
    ok,
    parse_object,
    read_json,
)
from evgw.api._chargers import CHARGER_ID_PATTERN, stored_charger
from evgw.api._views import page_view
from evgw.ocpp._time import utc_now
from evgw.ocpp.control._api_common import CALL_ERRORS, any_object, calling, when
from evgw.ocpp.control._reservation_store import STATUSES, Reservation, select
from evgw.ocpp.control._reservations import ReservationConflict

if TYPE_CHECKING:
    from evgw.ocpp.control._component import OcppControl

RESERVATION_FIELDS = (
    Field(
        "charger_id", Kind.STRING, required=True, minimum=1, maximum=48, pattern=CHARGER_ID_PATTERN
    ),
    Field(
        "evse_id",
        Kind.INTEGER,
        "the EVSE (1.6 connector); absent or null: any EVSE",
        nullable=True,
        minimum=1,
        maximum=100,
    ),
    Field("id_token", Kind.STRING, "the reserved token", required=True, minimum=1, maximum=36),
    Field("token_type", Kind.STRING, "2.x IdToken type (default ISO14443)", minimum=1, maximum=20),
    Field("group_id", Kind.STRING, "tokens of this group may use it too", minimum=1, maximum=36),
    Field("connector_type", Kind.STRING, "2.x connector type", minimum=1, maximum=20),
    Field("expires_at", Kind.DATETIME, "RFC 3339, in the future", required=True),
)
RESERVATION_QUERY = (
    Field("charger_id", Kind.STRING, minimum=1, maximum=48, pattern=CHARGER_ID_PATTERN),
    Field("status", Kind.ENUM, choices=STATUSES),
    *PAGE_QUERY,
)


def reservation_view(r: Reservation) -> dict[str, Any]:
    return {
        "id": r.id,
        "charger_id": r.charger_id,
        "evse_id": r.evse_id,
        "connector_type": r.connector_type,
        "id_token": r.id_token,
        "token_type": r.token_type,
        "group_id": r.group_id,
        "expires_at": when(r.expires_at),
        "status": r.status,
        "charger_status": r.charger_status,
        "transaction_id": r.transaction_id,
        "created_at": when(r.created_at),
        "updated_at": when(r.updated_at),
    }


def _new(values: dict[str, Any]) -> Reservation:
    return Reservation(
        id=0,
        charger_id=values["charger_id"],
        evse_id=values.get("evse_id"),
        connector_type=values.get("connector_type"),
        id_token=values["id_token"],
        token_type=values.get("token_type", "ISO14443"),
        group_id=values.get("group_id"),
        expires_at=values["expires_at"],
        status="requested",
    )


class ReservationRoutes:
    def __init__(self, component: OcppControl) -> None:
        self.service = component.reservations

    async def _existing(self, call: Call) -> Reservation:
        text = call.path("id")
        found = await self.service.get(int(text)) if text.isdigit() and len(text) < 19 else None
        if found is None:
            raise not_found("reservation", text)
        return found

    async def create(self, call: Call) -> Response:
        values = parse_object(RESERVATION_FIELDS, await read_json(call.request))
        if values["expires_at"] <= utc_now():
            raise ApiError(422, "invalid", "expires_at must be in the future")
        await stored_charger(call, values["charger_id"])
        r = _new(values)
        try:
            async with calling():
                stored = await self.service.reserve(r)
        except ReservationConflict as conflict:
            raise ApiError(409, "reserved", str(conflict)) from None
        return ok(reservation_view(stored), 201 if stored.status == "active" else 409)

    async def list(self, call: Call) -> Response:
        query = call.query(*RESERVATION_QUERY)
        items = await call.store.read(lambda db: select(db, **query))
        return ok(page_view([reservation_view(r) for r in items], query["limit"], query["offset"]))

    async def get(self, call: Call) -> Response:
        return ok(reservation_view(await self._existing(call)))

    async def cancel(self, call: Call) -> Response:
        r = await self._existing(call)
        if r.status not in ("requested", "active"):
            raise ApiError(409, "not_live", f"reservation {r.id} is {r.status}")
        async with calling():
            status = await self.service.cancel(r)
        found = await self.service.get(r.id)
        assert found is not None
        return ok({"charger_status": status, "reservation": reservation_view(found)})


def reservation_docs() -> tuple[dict[tuple[str, str], object], dict[str, dict[str, object]]]:
    operations: dict[tuple[str, str], object] = {
        ("GET", "/reservations"): Doc(
            "Reservations, newest last", response="ReservationPage", query=RESERVATION_QUERY
        ),
        ("POST", "/reservations"): Doc(
            "Reserve (ReserveNow in the charger's version); 201 when the charger Accepted, 409 with"
            " the stored reservation (status refused, charger_status) when it did not",
            201,
            "Reservation",
            "ReservationCreate",
            errors=CALL_ERRORS,
        ),
        ("GET", "/reservations/{id}"): Doc(
            "One reservation", response="Reservation", errors=(404,)
        ),
        ("DELETE", "/reservations/{id}"): Doc(
            "Cancel (CancelReservation); ends the reservation when the charger Accepted",
            response="ReservationCancel",
            errors=CALL_ERRORS,
        ),
    }
    from evgw.api import object_schema  # noqa: PLC0415

    schemas = {
        "Reservation": any_object(
            "id, charger_id, evse_id, id_token, token_type, group_id, connector_type, expires_at,"
            " status (requested|active|refused|cancelled|expired|removed|used), charger_status,"
            " transaction_id, created_at, updated_at"
        ),
        "ReservationPage": any_object("items: Reservation objects; limit; offset"),
        "ReservationCreate": object_schema(RESERVATION_FIELDS),
        "ReservationCancel": any_object("charger_status: the charger's answer; reservation"),
    }
    return operations, schemas
