"""Operator API for tickets (/tickets) and the remediation audit of a charger."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from evgw.api import (
    PAGE_QUERY,
    ApiError,
    ApiRoute,
    Call,
    Doc,
    Field,
    Kind,
    invalid,
    not_found,
    object_schema,
    ok,
    parse_object,
    read_json,
)
from evgw.domain import Role
from evgw.ocpp._time import utc_now
from evgw.store import Db

from ._desk import ticket_view
from ._remediate import audit_of
from ._tickets import (
    TicketState,
    TransitionRefused,
    change_ticket,
    get_ticket,
    list_tickets,
    ticket_events,
)

STATES = tuple(str(s) for s in TicketState)
LIST_QUERY = (
    Field("state", Kind.ENUM, choices=STATES),
    Field("charger_id", Kind.STRING, minimum=1, maximum=255),
    *PAGE_QUERY,
)
PATCH_FIELDS = (
    Field(
        "state",
        Kind.ENUM,
        "open -> acknowledged -> in_progress -> resolved -> closed",
        choices=STATES,
    ),
    Field("note", Kind.STRING, minimum=1, maximum=2000),
    Field(
        "repair_cost",
        Kind.STRING,
        "decimal amount in the operator's currency (for 23 CFR 680.112 annual reporting)",
        pattern=r"\d{1,12}(\.\d{1,4})?",
        pattern_hint="must be a decimal amount such as 1250.00",
    ),
)


def _jsonable(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**e, "at": e["at"].isoformat() if e["at"] else None} for e in events]


async def list_(call: Call) -> Response:
    q = call.query(*LIST_QUERY)
    found = await call.store.read(
        lambda db: list_tickets(db, q.get("state"), q.get("charger_id"), q["limit"], q["offset"])
    )
    return ok(
        {"items": [ticket_view(t) for t in found], "limit": q["limit"], "offset": q["offset"]}
    )


async def get(call: Call) -> Response:
    ticket_id = call.path("id")

    def load(db: Db) -> dict[str, Any] | None:
        ticket = get_ticket(db, ticket_id)
        if ticket is None:
            return None
        return {**ticket_view(ticket), "history": _jsonable(ticket_events(db, ticket_id))}

    found = await call.store.read(load)
    if found is None:
        raise not_found("ticket", ticket_id)
    return ok(found)


async def patch(call: Call) -> Response:
    ticket_id = call.path("id")
    values = parse_object(PATCH_FIELDS, await read_json(call.request), partial=True)
    if not values:
        raise invalid([{"field": "body", "message": "give state, note or repair_cost"}])
    who = f"{call.token.label} ({call.token.id})"
    state = TicketState(values["state"]) if "state" in values else None
    now = utc_now()

    def write(db: Db) -> Any:
        return change_ticket(
            db,
            ticket_id,
            who,
            now,
            state=state,
            note=values.get("note"),
            repair_cost=values.get("repair_cost"),
        )

    try:
        ticket = await call.store.write(write)
    except TransitionRefused as exc:
        raise ApiError(409, "conflict", str(exc)) from None
    if ticket is None:
        raise not_found("ticket", ticket_id)
    return ok(ticket_view(ticket))


async def audit(call: Call) -> Response:
    charger_id = call.path("id")
    rows = await call.store.read(lambda db: audit_of(db, charger_id))
    return ok({"items": _jsonable(rows)})


ROUTES = (
    ApiRoute("GET", "/tickets", list_, Role.VIEWER),
    ApiRoute("GET", "/tickets/{id}", get, Role.VIEWER),
    ApiRoute("PATCH", "/tickets/{id}", patch, Role.OPERATOR),
    ApiRoute("GET", "/chargers/{id}/remediation-audit", audit, Role.VIEWER),
)
OPERATIONS: dict[tuple[str, str], object] = {
    ("GET", "/tickets"): Doc("List tickets, newest first", response="TicketPage", query=LIST_QUERY),
    ("GET", "/tickets/{id}"): Doc(
        "A ticket with its history", response="TicketDetail", errors=(404,)
    ),
    ("PATCH", "/tickets/{id}"): Doc(
        "Change a ticket's state, add a note or the repair cost (who and when are recorded)",
        response="Ticket",
        body="TicketPatch",
        errors=(404, 409, 413, 422),
    ),
    ("GET", "/chargers/{id}/remediation-audit"): Doc(
        "Every remediation step taken for a charger", response="AuditList"
    ),
}
SCHEMAS: dict[str, dict[str, object]] = {
    "TicketPage": {"type": "object", "description": "items: tickets, limit, offset"},
    "TicketDetail": {"type": "object", "description": "a ticket with `history`"},
    "Ticket": {"type": "object", "description": "a ticket"},
    "TicketPatch": object_schema(PATCH_FIELDS, partial=True),
    "AuditList": {"type": "object", "description": "items: remediation steps"},
}
