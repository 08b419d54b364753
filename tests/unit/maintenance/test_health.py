"""The health model: statuses and link changes in event time -> down intervals -> ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from evgw.maintenance._classify import StatusFacts
from evgw.maintenance._config import HealthConfig, MaintenanceConfig, Quirk
from evgw.maintenance._health import HealthModel
from evgw.maintenance._model import Cause, Health, Interval, PortKey

T0 = datetime(2024, 4, 3, 10, 0, tzinfo=UTC)
P1 = PortKey("CP1", 1, 1)
P2 = PortKey("CP1", 2, 1)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def model(**health: object) -> HealthModel:
    ids = iter(range(1, 10**6))
    return HealthModel(MaintenanceConfig(health=HealthConfig(**health)), lambda: f"r{next(ids)}")  # type: ignore[arg-type]


def status(m: HealthModel, port: PortKey, minute: float, st: str, code: str | None = None) -> bool:
    facts = StatusFacts(st, code, None)
    return m.status(port, facts, at(minute), received_at=at(max(minute, 0) + 1000))


def current(m: HealthModel, port: PortKey) -> list[Interval]:
    return m.intervals(port)


def test_fault_then_recovery_is_one_closed_outage_with_the_error_cause() -> None:
    m = model()
    status(m, P1, 0, "Available")
    status(m, P1, 10, "Faulted", "GroundFailure")
    assert m.health(P1).health is Health.DOWN
    status(m, P1, 40, "Available")
    assert current(m, P1) == [Interval(at(10), at(40), Cause.HARDWARE, frozenset({Cause.HARDWARE}))]
    assert m.health(P1).health is Health.UP


@pytest.mark.parametrize(
    ("st", "code", "health"),
    [
        ("Charging", "HighTemperature", Health.DEGRADED),  # S-04: a warning is not an outage
        ("Preparing", "EVCommunicationError", Health.DEGRADED),
        ("Available", None, Health.UP),
        ("Faulted", "InternalError", Health.DOWN),
        ("Faulted", "SomethingNew", Health.DOWN),  # unknown error codes: hardware
        ("Unavailable", None, Health.DOWN),
    ],
)
def test_status_to_health(st: str, code: str | None, health: Health) -> None:
    m = model()
    status(m, P1, 0, st, code)
    assert m.health(P1).health is health


def test_causes_of_error_codes() -> None:
    m = model()
    status(m, P1, 0, "Faulted", "InternalError")
    status(m, P2, 0, "Faulted", "NotACode")
    assert (m.health(P1).cause, m.health(P2).cause) == (Cause.FIRMWARE, Cause.HARDWARE)


def test_offline_backdated_and_overlap_counted_once() -> None:
    """S-12: fault 10:00-12:00 and offline 11:30-13:00 -> one outage 10:00-13:00."""
    m = model()
    status(m, P1, 0, "Faulted", "GroundFailure")
    m.link("CP1", at(90), online=False)
    status(m, P1, 120, "Available")
    m.link("CP1", at(180), online=True)
    (outage,) = current(m, P1)
    assert (outage.start, outage.end, outage.cause) == (at(0), at(180), Cause.HARDWARE)
    assert outage.causes == {Cause.HARDWARE, Cause.CONNECTIVITY}


def test_replayed_history_corrects_the_ledger_without_double_counting() -> None:
    """S-08: offline 60-120, then queued notifications (fault at 70, Available at 150) arrive
    after the reconnect, twice."""
    m = model()
    status(m, P1, 0, "Available")
    m.link("CP1", at(60), online=False)
    first = m.flush(at(61))
    assert [(r.interval.start, r.interval.end) for r in first] == [(at(60), None)]
    m.link("CP1", at(120), online=True)
    for _ in range(2):
        status(m, P1, 70, "Faulted", "HighTemperature")
        status(m, P1, 150, "Available")
    changes = m.flush(at(151))
    assert m.counters.replays == 2
    (record,) = changes
    assert record.supersedes == first[0].id
    assert (record.interval.start, record.interval.end) == (at(60), at(150))
    assert m.flush(at(152)) == []


def test_replay_that_shows_the_port_was_up_voids_the_record() -> None:
    m = model(flap_merge_s=0)
    status(m, P1, 10, "Faulted", "GroundFailure")
    (opened,) = m.flush(at(11))
    status(m, P1, 5, "Available")  # a late notification from before: no change
    status(m, P1, 10, "Faulted", "GroundFailure")  # exact duplicate
    assert m.flush(at(12)) == []
    m.link("CP1", at(20), online=False)
    status(m, P1, 15, "Available")
    changes = m.flush(at(30))
    assert [(c.interval.start, c.interval.end, c.void) for c in changes] == [
        (at(10), at(15), False),
        (at(20), None, False),
    ]
    assert changes[0].supersedes == opened.id


def test_connector_zero_takes_every_port_down() -> None:
    m = model()
    status(m, P1, 0, "Available")
    status(m, P2, 0, "Available")
    status(m, PortKey("CP1", 0, 0), 5, "Faulted", "InternalError")
    assert {m.health(p).health for p in (P1, P2)} == {Health.DOWN}
    status(m, PortKey("CP1", 0, 0), 9, "Available")
    assert [r.interval.end for r in m.flush(at(10))] == [at(9), at(9)]


def test_flapping_is_merged_into_one_outage() -> None:
    m = model(flap_merge_s=60)
    for second in range(0, 600, 2):  # 300 changes in ten minutes
        status(m, P1, second / 60, "Faulted" if second % 4 == 0 else "Available", "OtherError")
    records = m.flush(at(20))
    assert len(records) == 1
    assert (records[0].interval.start, records[0].interval.end) == (at(0), at(598 / 60))


def test_timestamps_far_in_the_past_or_future_use_the_arrival_time() -> None:
    m = model()
    arrival = at(0)
    m.status(P1, StatusFacts("Faulted", "GroundFailure", None), at(-(10**6)), arrival)
    m.status(P2, StatusFacts("Faulted", "GroundFailure", None), at(10**6), arrival)
    assert m.counters.clock_rejected == 2
    assert m.health(P1).since == arrival
    assert m.health(P2).since == arrival


def test_unknown_connector_is_ignored_and_counted() -> None:
    m = model(max_connectors=4)
    assert not status(m, PortKey("CP1", 9, 9), 0, "Faulted")
    assert not status(m, PortKey("CP1", 9999, 1), 0, "Faulted")
    assert m.counters.ignored_connectors == 2
    assert m.ports() == []


def test_vendor_quirks_are_data() -> None:
    quirks = (
        Quirk(vendor="ABB", status="Finishing", action="ignore"),
        Quirk(vendor="ABB", model="Terra", status="Faulted", error_code="OtherError"),
    )
    m = model(quirks=quirks)
    m.charger_model("CP1", "ABB", "Terra")
    assert not status(m, P1, 0, "Finishing", "OtherError")
    status(m, P1, 1, "Faulted", "OtherError")
    assert m.health(P1).health is Health.DEGRADED
    status(m, P1, 2, "Faulted", "GroundFailure")
    assert m.health(P1).health is Health.DOWN


def test_resume_keeps_an_open_outage_open_until_the_charger_recovers() -> None:
    m = model()
    status(m, P1, -1, "Available")
    m.link("CP1", at(0), online=False)
    (opened,) = m.flush(at(1))
    again = model()
    again.resume([opened])
    again.link("CP1", at(30), online=True)
    (closed,) = again.flush(at(31))
    assert (closed.supersedes, closed.interval.start, closed.interval.end) == (
        opened.id,
        at(0),
        at(30),
    )


def test_notify_event_problem_takes_ports_down_until_cleared() -> None:
    """2.x NotifyEvent Problem=true on EVSE 1 (no connector): every known connector of it."""
    m = model()
    status(m, PortKey("CP1", 1, 1), 0, "Available")
    status(m, PortKey("CP1", 1, 2), 0, "Available")
    status(m, P2, 0, "Available")
    m.device_problem(
        "CP1", evse_id=1, connector_id=None, cause=Cause.HARDWARE, at=at(5), received_at=at(5)
    )
    assert [m.health(p).health for p in (PortKey("CP1", 1, 1), PortKey("CP1", 1, 2), P2)] == [
        Health.DOWN,
        Health.DOWN,
        Health.UP,
    ]
    status(m, PortKey("CP1", 1, 1), 6, "Available")  # a status does not clear the problem
    assert m.health(PortKey("CP1", 1, 1)).health is Health.DOWN
    m.device_problem("CP1", evse_id=1, connector_id=None, cause=None, at=at(9), received_at=at(9))
    assert m.health(PortKey("CP1", 1, 1)).health is Health.UP
    m.device_problem(  # the station
        "CP1", evse_id=None, connector_id=None, cause=Cause.HARDWARE, at=at(10), received_at=at(10)
    )
    assert m.health(P2).health is Health.DOWN
