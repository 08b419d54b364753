"""Tickets: one per incident, deduplicated by key (a charger, or the platform), severity from
the cause, SLA due time, states with who and when (pure rules + the store operations)."""

from __future__ import annotations

import enum
import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from evgw.store import Db

from ._config import TicketConfig


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


_RANK = {Severity.CRITICAL: 0, Severity.HIGH: 1, Severity.MEDIUM: 2, Severity.LOW: 3}


class TicketState(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


DONE = (TicketState.RESOLVED, TicketState.CLOSED)
TRANSITIONS: dict[TicketState, tuple[TicketState, ...]] = {
    TicketState.OPEN: (TicketState.ACKNOWLEDGED, TicketState.IN_PROGRESS, TicketState.RESOLVED),
    TicketState.ACKNOWLEDGED: (TicketState.IN_PROGRESS, TicketState.RESOLVED),
    TicketState.IN_PROGRESS: (TicketState.RESOLVED,),
    TicketState.RESOLVED: (TicketState.CLOSED, TicketState.OPEN),
    TicketState.CLOSED: (),
}


@attrs.frozen
class Incident:
    """Something that needs a person: raised by a detection rule or a playbook."""

    key: str  # "charger:<id>" or "platform"
    charger_id: str | None
    kind: str  # fault, offline, platform, stuck_preparing, failed_starts, reboot_loop, security
    severity: Severity
    title: str
    detail: dict[str, Any] = attrs.field(factory=dict)
    tags: tuple[str, ...] = ()


@attrs.frozen
class Ticket:
    id: str
    key: str
    charger_id: str | None
    kind: str
    severity: Severity
    state: TicketState
    title: str
    tags: tuple[str, ...]
    repair_cost: str | None
    opened_at: datetime
    due_at: datetime
    updated_at: datetime
    updated_by: str


def sla(cfg: TicketConfig, severity: Severity) -> timedelta:
    hours = {
        Severity.CRITICAL: cfg.sla_critical_h,
        Severity.HIGH: cfg.sla_high_h,
        Severity.MEDIUM: cfg.sla_medium_h,
        Severity.LOW: cfg.sla_low_h,
    }[severity]
    return timedelta(hours=hours)


def graver(a: Severity, b: Severity) -> Severity:
    return a if _RANK[a] <= _RANK[b] else b


# store operations (run on the store's threads) ----------------------------------------------

_COLUMNS = (
    "id, dedupe_key, charger_id, kind, severity, state, title, tags, repair_cost, opened_at,"
    " due_at, updated_at, updated_by"
)


def _ticket(db: Db, row: Sequence[Any]) -> Ticket:
    times = [db.dt(row[i]) for i in (9, 10, 11)]
    opened, due, updated = (t for t in times if t is not None)
    tags = tuple(t for t in str(row[7]).split(",") if t)
    return Ticket(
        str(row[0]),
        str(row[1]),
        row[2],
        str(row[3]),
        Severity(row[4]),
        TicketState(row[5]),
        str(row[6]),
        tags,
        row[8],
        opened,
        due,
        updated,
        str(row[12]),
    )


def add_event(db: Db, ticket_id: str, *, at: datetime, who: str, action: str, detail: Any) -> None:
    db.run(
        "INSERT INTO mnt_ticket_events (ticket_id, at, who, action, detail) VALUES (?,?,?,?,?)",
        (ticket_id, db.ts(at), who, action, json.dumps(detail, default=str)),
    )


def open_ticket(
    db: Db, incident: Incident, cfg: TicketConfig, now: datetime
) -> tuple[Ticket, bool]:
    """The key's open ticket with this incident added (severity raised if graver), or a new
    ticket; True when it is new."""
    row = db.one(
        f"SELECT {_COLUMNS} FROM mnt_tickets WHERE dedupe_key = ? AND state NOT IN (?, ?)"
        " ORDER BY opened_at DESC LIMIT 1",
        (incident.key, *DONE),
    )
    if row is not None:
        return _correlate(db, _ticket(db, row), incident, now), False
    ticket = Ticket(
        uuid.uuid4().hex,
        incident.key,
        incident.charger_id,
        incident.kind,
        incident.severity,
        TicketState.OPEN,
        incident.title,
        incident.tags,
        None,
        now,
        now + sla(cfg, incident.severity),
        now,
        "evgw",
    )
    db.run(
        f"INSERT INTO mnt_tickets ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            ticket.id,
            ticket.key,
            ticket.charger_id,
            ticket.kind,
            ticket.severity,
            ticket.state,
            ticket.title,
            ",".join(ticket.tags),
            None,
            db.ts(now),
            db.ts(ticket.due_at),
            db.ts(now),
            "evgw",
        ),
    )
    add_event(db, ticket.id, at=now, who="evgw", action="opened", detail=_incident_detail(incident))
    return ticket, True


def _incident_detail(incident: Incident) -> dict[str, Any]:
    return {"kind": incident.kind, "title": incident.title, **incident.detail}


def _correlate(db: Db, ticket: Ticket, incident: Incident, now: datetime) -> Ticket:
    severity = graver(ticket.severity, incident.severity)
    tags = tuple(dict.fromkeys((*ticket.tags, *incident.tags)))
    db.run(
        "UPDATE mnt_tickets SET severity = ?, tags = ?, updated_at = ? WHERE id = ?",
        (severity, ",".join(tags), db.ts(now), ticket.id),
    )
    add_event(
        db, ticket.id, at=now, who="evgw", action="correlated", detail=_incident_detail(incident)
    )
    return attrs.evolve(ticket, severity=severity, tags=tags, updated_at=now)


def get_ticket(db: Db, ticket_id: str) -> Ticket | None:
    row = db.one(f"SELECT {_COLUMNS} FROM mnt_tickets WHERE id = ?", (ticket_id,))
    return None if row is None else _ticket(db, row)


def ticket_events(db: Db, ticket_id: str) -> list[dict[str, Any]]:
    rows = db.all(
        "SELECT at, who, action, detail FROM mnt_ticket_events WHERE ticket_id = ? ORDER BY id",
        (ticket_id,),
    )
    return [
        {"at": db.dt(r[0]), "who": r[1], "action": r[2], "detail": json.loads(r[3])} for r in rows
    ]


def list_tickets(
    db: Db, state: str | None, charger_id: str | None, limit: int, offset: int
) -> list[Ticket]:
    sql, params = f"SELECT {_COLUMNS} FROM mnt_tickets WHERE 1 = 1", []
    if state is not None:
        sql += " AND state = ?"
        params.append(state)
    if charger_id is not None:
        sql += " AND charger_id = ?"
        params.append(charger_id)
    sql += " ORDER BY opened_at DESC, id LIMIT ? OFFSET ?"
    return [_ticket(db, r) for r in db.all(sql, [*params, limit, offset])]


class TransitionRefused(Exception):
    pass


def change_ticket(
    db: Db,
    ticket_id: str,
    who: str,
    now: datetime,
    *,
    state: TicketState | None,
    note: str | None,
    repair_cost: str | None,
) -> Ticket | None:
    """Apply a state change, note or repair cost; None when the ticket does not exist."""
    ticket = get_ticket(db, ticket_id)
    if ticket is None:
        return None
    if state is not None and state is not ticket.state:
        if state not in TRANSITIONS[ticket.state]:
            raise TransitionRefused(f"{ticket.state} -> {state} is not allowed")
        add_event(
            db,
            ticket_id,
            at=now,
            who=who,
            action="state",
            detail={"from": ticket.state, "to": state},
        )
        ticket = attrs.evolve(ticket, state=state)
    if repair_cost is not None:
        add_event(
            db, ticket_id, at=now, who=who, action="repair_cost", detail={"value": repair_cost}
        )
        ticket = attrs.evolve(ticket, repair_cost=repair_cost)
    if note:
        add_event(db, ticket_id, at=now, who=who, action="note", detail={"text": note})
    ticket = attrs.evolve(ticket, updated_at=now, updated_by=who)
    db.run(
        "UPDATE mnt_tickets SET state = ?, repair_cost = ?, updated_at = ?, updated_by = ?"
        " WHERE id = ?",
        (ticket.state, ticket.repair_cost, db.ts(now), who, ticket_id),
    )
    return ticket
