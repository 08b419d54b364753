"""S-15: a 150 kW DC port peaking at or below 60 kW in 5 sessions in a row is not up from
the first of them until a session reaches 150 kW (cause hardware)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from evgw import events as ev
from evgw.domain import MeterSample
from evgw.maintenance._config import DerateRule, HealthConfig, MaintenanceConfig
from evgw.maintenance._derate import DerateWatch, peak_kw
from evgw.maintenance._health import HealthModel
from evgw.maintenance._model import Cause, Health, Interval, PortKey

T0 = datetime(2024, 6, 1, 8, tzinfo=UTC)
PORT = PortKey("DC1", 1, 1)
RULE = DerateRule(min_kw=150, low_kw=60, sessions=5)


def power(value: str, unit: str | None = "W", phase: str | None = None) -> MeterSample:
    return MeterSample(T0, "Power.Active.Import", value, unit, phase)


def test_peak_power_units_and_phases() -> None:
    samples = (power("50000"), power("70", "kW"), power("90000", phase="L1"), power("x"))
    assert peak_kw(samples) == 70
    assert peak_kw((MeterSample(T0, "Energy.Active.Import.Register", "5"),)) is None


def session(watch: DerateWatch, n: int, kw: float) -> datetime:
    start = T0 + timedelta(hours=n)
    tx = f"T{n}"
    watch.started(ev.TransactionStarted("DC1", tx, 1, 1, "TAG", 0, start, duplicate=False))
    samples = (power(str(kw * 1000)),)
    watch.meter(ev.MeterValuesReceived("DC1", 1, 1, tx, samples, start))
    stop = start + timedelta(minutes=30)
    watch.stopped(ev.TransactionStopped("DC1", tx, 1, stop, None, False, False), stop)
    return start


def test_s15_derate_counts_as_down_until_a_full_power_session() -> None:
    model = HealthModel(MaintenanceConfig(health=HealthConfig(derate=(RULE,), replay_window_s=1e9)))
    watch = DerateWatch(model.cfg.health, model)
    first = session(watch, 0, 55)
    for n in range(1, 4):
        session(watch, n, 60)
    assert model.health(PORT).health is Health.UP  # four low sessions: not yet
    session(watch, 4, 58)
    assert model.health(PORT).health is Health.DOWN
    session(watch, 5, 100)  # between: still derated
    recovered = session(watch, 6, 151)
    assert model.intervals(PORT) == [
        Interval(first, recovered, Cause.HARDWARE, frozenset({Cause.HARDWARE}))
    ]
