"""The simulated charger's model: energy integration, profile limits with lag, taper, reset."""

from __future__ import annotations

import random

import pytest
from evgw.testing.fleet import EV, ChargerModel, ModelSettings, Profile
from evgw.testing.fleet._ev import VOLTAGE
from evgw.testing.fleet._events import StatusChanged, TxStarted, TxStopped
from evgw.testing.fleet._profiles import CP_MAX, TX, TX_DEFAULT, Period


def big_ev(phases: int = 3, amps: float = 32.0) -> EV:
    return EV(phases=phases, max_current_a=amps, capacity_wh=1e9, energy_wanted_wh=5e8)


def model(lag_s: float = 2.0, connectors: int = 2) -> ChargerModel:
    settings = ModelSettings(connectors=connectors, lag_s=lag_s, meter_interval_s=60.0)
    return ChargerModel(settings, ["TAG"], random.Random(1))


def charging(m: ChargerModel, ev: EV | None = None, cid: int = 1, at: float = 0.0) -> None:
    assert m.plug_in(cid, ev or big_ev(), departure_s=1e9, now=at)
    assert m.start_tx(cid, "TAG", at) is not None


def profile(
    limit: float,
    *,
    purpose: str = TX_DEFAULT,
    unit: str = "A",
    level: int = 0,
    pid: int = 1,
    periods: tuple[Period, ...] | None = None,
) -> Profile:
    return Profile(
        id=pid,
        stack_level=level,
        purpose=purpose,
        kind="Relative",
        unit=unit,
        periods=periods or (Period(0.0, limit),),
    )


def test_energy_register_integrates_constant_power() -> None:
    m = model()
    charging(m, big_ev(phases=3, amps=16.0))
    m.advance(3600.0)
    assert m.connectors[1].register_wh == pytest.approx(3 * 16 * VOLTAGE, rel=1e-9)  # 11.04 kWh


def test_energy_register_integrates_piecewise_power() -> None:
    m = model(lag_s=0.0)
    charging(m)
    m.advance(1800.0)
    m.profiles.install(1, profile(10.0))
    m.refresh_limits(1800.0)
    m.advance(3600.0)
    expected = 0.5 * 3 * 32 * VOLTAGE + 0.5 * 3 * 10 * VOLTAGE
    assert m.connectors[1].register_wh == pytest.approx(expected)


def test_meter_samples_come_every_interval_and_carry_the_register() -> None:
    m = model()
    charging(m)
    m.drain()
    for t in range(1, 181):
        m.advance(float(t))
    samples = [e for e in m.drain() if type(e).__name__ == "MeterSample"]
    assert [s.at_s for s in samples] == [60.0, 120.0, 180.0]
    assert samples[-1].register_wh == pytest.approx(3 * 32 * VOLTAGE * 180 / 3600)


@pytest.mark.parametrize(
    ("prof", "ev_phases", "expected_w"),
    [
        (profile(16.0), 3, 3 * 16 * VOLTAGE),
        (profile(16.0), 1, 16 * VOLTAGE),  # a single-phase EV draws one phase of the limit
        (profile(7360.0, unit="W"), 3, 7360.0),  # watts over 3 phases
        (profile(5.0), 3, 0.0),  # under 6 A the EV pauses
        (profile(100.0), 3, 3 * 32 * VOLTAGE),  # the EV's own maximum
    ],
)
def test_profile_limit_is_obeyed(prof: Profile, ev_phases: int, expected_w: float) -> None:
    m = model()
    m.profiles.install(1, prof)
    charging(m, big_ev(phases=ev_phases))
    m.advance(10.0)
    assert m.connectors[1].power_w == pytest.approx(expected_w)


def test_new_limit_applies_after_the_response_lag() -> None:
    m = model(lag_s=5.0)
    charging(m)
    full = 3 * 32 * VOLTAGE
    m.advance(100.0)
    m.profiles.install(1, profile(10.0, purpose=TX))
    m.refresh_limits(100.0)
    m.advance(104.0)
    assert m.connectors[1].power_w == pytest.approx(full)
    m.advance(106.0)
    assert m.connectors[1].power_w == pytest.approx(3 * 10 * VOLTAGE)
    register = m.connectors[1].register_wh
    assert register == pytest.approx(full * 105 / 3600 + 3 * 10 * VOLTAGE * 1 / 3600)


def test_higher_stack_level_wins_and_txprofile_beats_default() -> None:
    m = model(lag_s=0.0)
    m.profiles.install(0, profile(20.0, level=0, pid=1))
    m.profiles.install(0, profile(12.0, level=1, pid=2))
    charging(m)
    m.advance(1.0)
    assert m.connectors[1].power_w == pytest.approx(3 * 12 * VOLTAGE)
    m.profiles.install(1, profile(8.0, purpose=TX, pid=3))
    m.refresh_limits(2.0)
    assert m.connectors[1].power_w == pytest.approx(3 * 8 * VOLTAGE)


def test_charge_point_max_is_shared_between_connectors() -> None:
    m = model(lag_s=0.0)
    m.profiles.install(0, profile(32.0, purpose=CP_MAX))
    charging(m, cid=1)
    charging(m, cid=2)
    m.advance(1.0)
    assert m.connectors[1].power_w + m.connectors[2].power_w == pytest.approx(3 * 32 * VOLTAGE)


def test_clear_profile_lifts_the_limit_and_txprofile_ends_with_the_transaction() -> None:
    m = model(lag_s=0.0)
    charging(m)
    m.profiles.install(1, profile(10.0, purpose=TX, pid=7))
    m.refresh_limits(1.0)
    assert m.profiles.clear(profile_id=7) == 1
    m.refresh_limits(2.0)
    assert m.connectors[1].power_w == pytest.approx(3 * 32 * VOLTAGE)
    m.profiles.install(1, profile(10.0, purpose=TX, pid=8))
    m.stop_tx(1, "Local", 3.0)
    assert m.profiles.profiles(1) == []


def test_schedule_periods_follow_the_transaction_start() -> None:
    periods = (Period(0.0, 32.0), Period(600.0, 10.0))
    m = model(lag_s=0.0)
    m.profiles.install(1, profile(0.0, periods=periods))
    charging(m, at=100.0)
    m.advance(650.0)
    assert m.connectors[1].power_w == pytest.approx(3 * 32 * VOLTAGE)
    m.advance(701.0)
    assert m.connectors[1].power_w == pytest.approx(3 * 10 * VOLTAGE)


def test_ev_tapers_near_full_and_stops_at_the_wanted_energy() -> None:
    ev = EV(phases=3, max_current_a=16.0, capacity_wh=50_000.0, energy_wanted_wh=20_000.0)
    m = model()
    charging(m, ev)
    powers = []
    for t in range(0, 6 * 3600, 60):
        m.advance(float(t))
        powers.append(m.connectors[1].power_w)
    assert powers[1] == pytest.approx(3 * 16 * VOLTAGE)
    assert 0 < min(p for p in powers if p > 0) < 0.5 * powers[1]  # tapered
    assert ev.delivered_wh == pytest.approx(20_000.0, abs=1.0)
    assert m.connectors[1].register_wh == pytest.approx(20_000.0, abs=1.0)
    assert m.connectors[1].status == "SuspendedEV"


def test_statuses_follow_the_session() -> None:
    m = model()
    m.plug_in(1, big_ev(), departure_s=100.0, now=0.0)
    m.start_tx(1, "TAG", 1.0)
    m.unplug(1, 100.0)
    kinds = [
        (type(e).__name__, getattr(e, "status", ""))
        for e in m.drain()
        if isinstance(e, StatusChanged | TxStarted | TxStopped)
    ]
    assert kinds == [
        ("StatusChanged", "Preparing"),
        ("TxStarted", ""),
        ("StatusChanged", "Charging"),
        ("TxStopped", ""),
        ("StatusChanged", "Available"),
    ]


def test_reset_stops_transactions_and_hard_reset_drops_profiles() -> None:
    m = model()
    charging(m, cid=1)
    m.profiles.install(0, profile(16.0))
    m.reset(hard=False, now=10.0)
    stops = [e for e in m.drain() if isinstance(e, TxStopped)]
    assert [s.reason for s in stops] == ["SoftReset"]
    assert m.profiles.profiles(0)
    charging(m, cid=2, at=20.0)
    m.reset(hard=True, now=30.0)
    assert [e.reason for e in m.drain() if isinstance(e, TxStopped)] == ["HardReset"]
    assert m.profiles.profiles(0) == []


def test_a_reboot_clears_software_faults_only() -> None:
    m = model()
    m.fault(1, "EVCommunicationError", 1.0)
    m.fault(2, "GroundFailure", 1.0)
    m.reset(hard=False, now=2.0, clears=("EVCommunicationError",))
    assert m.connectors[1].status == "Available"
    assert m.connectors[2].status == "Faulted"
    m.reset(hard=False, now=3.0)
    assert m.connectors[2].error_code == "GroundFailure"


def test_change_availability_is_scheduled_during_a_transaction() -> None:
    m = model()
    charging(m, cid=1)
    assert m.set_availability(1, operative=False, now=1.0) == "Scheduled"
    assert m.connectors[1].operative
    m.unplug(1, 2.0)
    assert m.connectors[1].status == "Unavailable"
    assert m.set_availability(2, operative=False, now=3.0) == "Accepted"
    assert m.connectors[2].status == "Unavailable"
    assert not m.plug_in(2, big_ev(), 100.0, 4.0)


def test_fault_stops_the_transaction_and_reports_the_error_code() -> None:
    m = model()
    charging(m)
    m.drain()
    m.fault(1, "GroundFailure", 5.0)
    events = m.drain()
    assert any(isinstance(e, TxStopped) for e in events)
    status = [e for e in events if isinstance(e, StatusChanged)][-1]
    assert (status.status, status.error_code) == ("Faulted", "GroundFailure")
