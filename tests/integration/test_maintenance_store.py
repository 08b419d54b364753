"""The maintenance tables on every backend: append-only ledger (supersede, void), windows,
exclusions with supersede, ports and sessions for the report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest
from evgw.domain import ChargerRegistration
from evgw.maintenance import _store
from evgw.maintenance._config import TicketConfig
from evgw.maintenance._model import Cause, Interval, OutageRecord, PortKey
from evgw.maintenance._remediate import (
    Remediation,
    _audit,
    _resets_since,
    _save,
    running_remediations,
)
from evgw.maintenance._spans import to_us
from evgw.maintenance._tickets import (
    Incident,
    Severity,
    Ticket,
    TicketState,
    TransitionRefused,
    change_ticket,
    list_tickets,
    open_ticket,
    ticket_events,
)
from evgw.maintenance._uptime import Exclusion
from evgw.store import Db, Store

T0 = datetime(2024, 4, 3, 10, 0, 0, 123456, tzinfo=UTC)
P1 = PortKey("CP1", 1, 1)
HW = frozenset({Cause.HARDWARE})


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def record(rid: str, start: int, end: int | None, **kw: object) -> OutageRecord:
    interval = Interval(at(start), None if end is None else at(end), Cause.HARDWARE, HW)
    return OutageRecord(rid, P1, interval, **kw)  # type: ignore[arg-type]


async def test_ledger_is_append_only_and_reads_current_records(store: Store) -> None:
    rows = [
        record("a", 0, None),
        record("b", 100, None),
        record("a2", 0, 30, supersedes="a"),  # closed
        record("b2", 100, None, supersedes="b", void=True),  # withdrawn
        record("c", 200, None),
    ]
    await store.write(lambda db: _store.append_outages(db, rows[:2], T0))
    await store.write(lambda db: _store.append_outages(db, rows[2:], T0))
    await store.write(lambda db: _store.append_outages(db, rows[2:], T0))  # a retry: no-op
    assert [r.id for r in await store.read(_store.open_outages)] == ["c"]
    window = (at(-10), at(1000))
    found = await store.read(lambda db: _store.outages_in(db, window))
    assert [(r.id, r.interval.end) for r in found] == [("a2", at(30)), ("c", None)]
    assert found[0].interval.causes == HW
    later = await store.read(lambda db: _store.outages_in(db, (at(31), at(150))))
    assert later == []
    total = await store.read(lambda db: db.one("SELECT COUNT(*) FROM mnt_outages"))
    assert total == (5,)
    # the report's read: integer microseconds computed by the database, open ones end `now`
    now = at(250) + timedelta(microseconds=7)
    spans = await store.read(lambda db: _store.outage_spans(db, window, now))
    assert spans == {P1: [(to_us(at(0)), to_us(at(30))), (to_us(at(200)), to_us(now))]}


async def test_exclusions_supersede_and_scope(store: Store) -> None:
    await store.put_charger(ChargerRegistration("CP1", site_id="S1"))
    first = _store.ScopedExclusion(
        "CP1", None, None, Exclusion("x1", at(0), at(60), Cause.UTILITY, None), None, "op", T0
    )
    assert await store.write(lambda db: _store.add_exclusion(db, first))
    with_evidence = _store.ScopedExclusion(
        "CP1", 1, None, Exclusion("x2", at(0), at(60), Cause.UTILITY, "ticket 9"), "x1", "op", T0
    )
    assert await store.write(lambda db: _store.add_exclusion(db, with_evidence))
    assert not await store.write(lambda db: _store.add_exclusion(db, with_evidence))
    (current,) = await store.read(lambda db: _store.exclusions_in(db, (at(-1), at(1))))
    assert current == with_evidence
    assert current.covers(PortKey("CP1", 1, 1))
    assert not current.covers(PortKey("CP1", 2, 1))
    assert first.covers(PortKey("CP1", 2, 1))
    assert await store.read(lambda db: _store.exclusions_in(db, (at(60), at(70)))) == []


async def test_ports_and_sessions_for_the_report(store: Store) -> None:
    await store.put_charger(ChargerRegistration("CP1", site_id="S1"))
    await store.record_status(
        "CP1", evse_id=1, connector_id=1, status="Available", error_code=None, info=None, at=T0
    )
    await store.record_status(
        "CP1", evse_id=0, connector_id=0, status="Available", error_code=None, info=None, at=T0
    )
    assert await store.read(_store.known_ports) == [(P1, "S1")]
    assert await store.read(lambda db: _store.sessions_in(db, (at(0), at(60)))) == []


async def test_tickets_deduplicate_and_record_who_and_when(store: Store) -> None:
    cfg = TicketConfig()
    fault = Incident("charger:CP1", "CP1", "fault", Severity.MEDIUM, "CP1/1/1 faulted")
    first, new = await store.write(lambda db: open_ticket(db, fault, cfg, T0))
    assert new
    assert first.due_at == T0 + timedelta(hours=cfg.sla_medium_h)
    security = attrs.evolve(fault, kind="security", severity=Severity.CRITICAL, tags=("x",))
    same, new = await store.write(lambda db: open_ticket(db, security, cfg, at(1)))
    assert (same.id, new, same.severity, same.tags) == (first.id, False, Severity.CRITICAL, ("x",))

    def resolve(db: Db) -> Ticket | None:
        return change_ticket(
            db, first.id, "ops", at(2), state=TicketState.RESOLVED, note="done", repair_cost="10"
        )

    resolved = await store.write(resolve)
    assert resolved is not None
    assert (resolved.state, resolved.updated_by, resolved.repair_cost) == ("resolved", "ops", "10")
    with pytest.raises(TransitionRefused):
        await store.write(
            lambda db: change_ticket(
                db,
                first.id,
                "ops",
                at(3),
                state=TicketState.IN_PROGRESS,
                note=None,
                repair_cost=None,
            )
        )
    _, new = await store.write(lambda db: open_ticket(db, fault, cfg, at(4)))
    assert new  # the old one is resolved: a new incident opens a new ticket
    listed = await store.read(lambda db: list_tickets(db, "resolved", "CP1", 10, 0))
    assert [t.id for t in listed] == [first.id]
    history = await store.read(lambda db: ticket_events(db, first.id))
    assert [h["action"] for h in history] == [
        "opened",
        "correlated",
        "state",
        "repair_cost",
        "note",
    ]


async def test_remediation_position_and_reset_budget_persist(store: Store) -> None:
    rem = Remediation("r1", P1, "GroundFailure", "default", step=1)

    def progress(db: Db) -> None:
        _audit(db, rem, step="soft_reset", outcome="sent", detail={}, now=at(0))
        _audit(db, rem, step="trigger_status", outcome="still_down", detail={}, now=at(0))
        _save(db, rem, "running", at(0))
        rem.step = 2
        _save(db, rem, "running", at(1))

    await store.write(progress)
    (resumed,) = await store.read(running_remediations)
    assert (resumed.id, resumed.step, resumed.port) == ("r1", 2, P1)
    resets = await store.read(lambda db: _resets_since(db, "CP1", at(-1)))
    assert resets == [at(0)]
    await store.write(lambda db: _save(db, rem, "recovered", at(2)))
    assert await store.read(running_remediations) == []
