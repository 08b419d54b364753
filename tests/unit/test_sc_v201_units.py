"""2.0.1 smart-charging pieces, sans-IO: SmartChargingCtrlr variables → capabilities, the
profiles in 2.0.1 spelling (checked by the fleet simulator's own 2.0.1 validation), the value
of a NotifyChargingLimit, and NotifyEVChargingNeeds → the session's target and range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from evgw.smartcharging._ev201 import apply_needs
from evgw.smartcharging._live import Live
from evgw.smartcharging._profiles import (
    V201,
    Capabilities,
    fallback_profile,
    max_profile,
    tx_profile,
)
from evgw.smartcharging._profiles201 import limit_a, read_variables
from evgw.testing.fleet._clock import SimClock
from evgw.testing.fleet._v201_profiles import ProfileRejected, profile_from_201

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def result(name: str, value: str | None, status: str = "Accepted") -> dict[str, object]:
    item: dict[str, object] = {
        "attributeStatus": status,
        "component": {"name": "SmartChargingCtrlr"},
        "variable": {"name": name},
    }
    if value is not None:
        item["attributeValue"] = value
    return item


def test_ctrlr_variables_become_capabilities() -> None:
    reply = {
        "getVariableResult": [
            result("RateUnit", "W"),
            result("ProfileStackLevel", "0"),
            result("PeriodsPerSchedule", "12"),
            result("Enabled", "false"),
            result("Entries", None, "UnknownVariable"),
        ]
    }
    caps = read_variables(reply)
    assert (caps.unit, caps.max_stack_level, caps.max_periods, caps.enabled) == ("W", 0, 12, False)
    assert read_variables({"getVariableResult": []}) == Capabilities()
    junk = {"getVariableResult": [result("RateUnit", "kW"), result("ProfileStackLevel", "x")]}
    assert read_variables(junk) == Capabilities()


async def test_201_profiles_pass_the_station_checks() -> None:
    caps = Capabilities(("Current",), max_stack_level=3)
    clock = SimClock(NOW, speed=1.0)
    tx = tx_profile(
        2, 16.0, now=NOW, duration_s=900, caps=caps, w_per_a=690.0, dialect=V201,
        transaction_id="T-1",
    )  # fmt: skip
    assert tx["evseId"] == 2
    parsed = profile_from_201(tx["chargingProfile"], clock)
    assert (parsed.id, parsed.stack_level, parsed.transaction_id) == (102, 1, "T-1")
    fallback = fallback_profile(10.0, caps, 690.0, V201)
    assert fallback["evseId"] == 0
    assert profile_from_201(fallback["chargingProfile"], clock).kind == "Relative"
    station = max_profile(32.0, NOW, caps, 690.0, V201)
    assert station["chargingProfile"]["chargingProfilePurpose"] == "ChargingStationMaxProfile"
    assert profile_from_201(station["chargingProfile"], clock).kind == "Absolute"
    watts = tx_profile(
        1, 10.0, now=NOW, duration_s=60, caps=Capabilities(("Power",)), w_per_a=690.0,
        dialect=V201, transaction_id="T-2",
    )  # fmt: skip
    period = watts["chargingProfile"]["chargingSchedule"][0]["chargingSchedulePeriod"][0]
    assert period["limit"] == 6900.0
    broken = {
        **fallback["chargingProfile"],
        "chargingSchedule": [{**tx["chargingProfile"]["chargingSchedule"][0]}],
    }
    with pytest.raises(ProfileRejected):  # a Relative profile with a startSchedule
        profile_from_201(broken, clock)


def sched(unit: str, *periods: tuple[float, float, int | None]) -> dict[str, object]:
    return {
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [
            {"startPeriod": t, "limit": v, **({"numberPhases": n} if n else {})}
            for t, v, n in periods
        ],
    }


@pytest.mark.parametrize(
    ("schedules", "expected"),
    [
        ((), None),
        ((sched("A", (0, 20, None), (60, 12, None)),), 12.0),  # the lowest, not the current
        ((sched("W", (0, 6900, None)),), 10.0),  # 3 phases at 230 V by default
        ((sched("W", (0, 2300, 1)),), 10.0),
        ((sched("A", (0, -3, None)),), 0.0),
    ],
)
def test_a_charging_limit_counts_at_its_lowest_value(
    schedules: tuple[dict[str, object], ...], expected: float | None
) -> None:
    assert limit_a(schedules, 230.0) == expected


def test_ev_charging_needs_set_target_departure_and_range() -> None:
    live = Live(("ST1", 1), 32.0)
    live.start("tx", 100.0, 1_000.0)
    live.energy_wh = 3_000.0  # 2 kWh delivered so far
    needs = {
        "requestedEnergyTransfer": "AC_three_phase",
        "departureTime": (NOW + timedelta(hours=5)).isoformat(),
        "acChargingParameters": {"energyAmount": 15_000, "evMinCurrent": 8, "evMaxCurrent": 16,
                                 "evMaxVoltage": 400},
    }  # fmt: skip
    apply_needs(live, needs, 200.0, NOW)
    assert live.policy.departure_at == 200.0 + 5 * 3600
    assert live.policy.energy_wh == 17_000.0  # counted from the session start
    assert (live.ev_min_a, live.ev_max_a, live.cap_a()) == (8.0, 16.0, 16.0)
    apply_needs(
        live, {"departureTime": "soon", "acChargingParameters": {"evMaxCurrent": -1}}, 0, NOW
    )
    assert live.policy.departure_at == 200.0 + 5 * 3600  # a bad value changes nothing
    assert live.ev_max_a == 16.0
    live.start("tx2", 300.0, 0.0)
    assert (live.ev_max_a, live.ev_min_a) == (float("inf"), 0.0)  # per session
