"""Property: however observations arrive (in order, late, replayed) and whenever the ledger
is flushed, the current ledger equals the outages derived from all observations at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from evgw.maintenance._classify import StatusFacts
from evgw.maintenance._config import HealthConfig, MaintenanceConfig
from evgw.maintenance._health import HealthModel
from evgw.maintenance._model import Interval, OutageRecord, PortKey
from hypothesis import given, settings
from hypothesis import strategies as st

T0 = datetime(2024, 1, 1, tzinfo=UTC)
PORTS = (PortKey("CP1", 1, 1), PortKey("CP1", 2, 1))
STATUSES = (("Available", None), ("Faulted", "GroundFailure"), ("Unavailable", None))

observation = st.tuples(
    st.integers(0, 200),  # minute
    st.integers(-1, 1),  # port index, -1: the link
    st.integers(0, 2),  # status (link: even = online)
    st.booleans(),  # flush after this one
)


def _model() -> HealthModel:
    ids = iter(range(10**6))
    cfg = MaintenanceConfig(health=HealthConfig(flap_merge_s=90, replay_window_s=10**7))
    return HealthModel(cfg, lambda: f"r{next(ids)}")


def _feed(model: HealthModel, obs: tuple[int, int, int, bool]) -> None:
    minute, port, status, _ = obs
    at = T0 + timedelta(minutes=minute)
    if port < 0:
        model.link("CP1", at, online=status % 2 == 0)
    else:
        code = STATUSES[status]
        model.status(PORTS[port], StatusFacts(code[0], code[1], None), at, at)


def _current(records: list[OutageRecord]) -> dict[PortKey, list[Interval]]:
    gone = {r.supersedes for r in records if r.supersedes}
    out: dict[PortKey, list[Interval]] = {}
    for r in records:
        if r.id not in gone and not r.void:
            out.setdefault(r.port, []).append(r.interval)
    return {p: sorted(v, key=lambda i: i.start) for p, v in out.items()}


@settings(max_examples=300, deadline=None)
@given(st.lists(observation, min_size=1, max_size=40))
def test_incremental_ledger_equals_derivation_from_scratch(
    observations: list[tuple[int, int, int, bool]],
) -> None:
    seed = [(0, 0, 0, False), (0, 1, 0, False)]  # both ports known from the start
    incremental, records = _model(), []
    for obs in seed + observations:
        _feed(incremental, obs)
        if obs[3]:
            records += incremental.flush(T0)
    records += incremental.flush(T0)
    fresh = _model()
    for obs in sorted(seed + observations, key=lambda o: o[0]):
        _feed(fresh, obs)
    expected = {p: fresh.intervals(p) for p in PORTS if fresh.intervals(p)}
    assert _current(records) == expected
