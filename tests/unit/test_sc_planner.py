"""The planner, sans-IO: hand-worked plans (cheap slots first, the peak target, departures
first, infeasible sessions), slot cutting on the grid and at price changes, caps (0 or ≥ 6 A),
and a simulated evening→morning with the real allocator: a session with a late departure
charges in the off-peak window and still gets its energy, one leaving early charges at once."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from evgw.smartcharging._config import SmartChargingConfig
from evgw.smartcharging._engine import SiteRuntime
from evgw.smartcharging._inputs import StationLimits, allocate
from evgw.smartcharging._live import Key, Live
from evgw.smartcharging._parse import parse_site
from evgw.smartcharging._plan_run import PlanRunner
from evgw.smartcharging._planner import Need, Slot, cap_a, make_slots, plan, slot_bounds
from evgw.smartcharging._site import PlannerSpec, PricePoint

HOUR = 3600.0


def slots(*prices: float, capacity_w: float = 100_000.0, peak_w: float | None = None) -> list[Slot]:
    bounds = [(i * HOUR, (i + 1) * HOUR, p) for i, p in enumerate(prices)]
    return make_slots(bounds, capacity_w, peak_w)


def need(name: str, kwh: float, hours: float, max_kw: float = 11.0) -> Need:
    return Need((name, 1), kwh * 1000.0, hours * HOUR, max_kw * 1000.0)


def kw(result: Any, name: str) -> list[float]:
    return [round(w / 1000.0, 3) for w in result.sessions[(name, 1)].power_w]


def test_energy_goes_to_the_cheap_slot() -> None:
    result = plan(slots(0.30, 0.10), [need("a", 10, 2)])
    assert kw(result, "a") == [0.0, 10.0]
    assert result.sessions[("a", 1)].met


def test_what_the_cheap_slot_cannot_take_goes_to_the_next_cheapest() -> None:
    # 15 kWh at most 11 kW: 11 kWh in the cheap hour, the other 4 kWh in the dear one
    result = plan(slots(0.30, 0.10), [need("a", 15, 2)])
    assert kw(result, "a") == [4.0, 11.0]


def test_a_departure_inside_a_slot_uses_only_the_part_before_it() -> None:
    # leaves after 1.5 h: half of the cheap second hour = 5.5 kWh at 11 kW; the rest first
    result = plan(slots(0.30, 0.10), [need("a", 8, 1.5)])
    assert kw(result, "a") == [2.5, 11.0]


def test_the_peak_target_spreads_equal_price_load() -> None:
    # peak 15 kW; both want 11 kWh in 2 h; a (earlier departure) first: 11 kW in hour 1;
    # b gets the 4 kW left under the target in hour 1 and 7 kW in hour 2
    result = plan(slots(0.2, 0.2, peak_w=15_000.0), [need("b", 11, 2), need("a", 11, 1.9)])
    assert kw(result, "a") == [11.0, 0.0]
    assert kw(result, "b") == [4.0, 7.0]
    assert [round(w) for w in result.load_w] == [15_000, 7_000]


def test_a_departure_beats_the_peak_target_but_not_the_capacity() -> None:
    # 22 kWh in one hour: 10 under the peak target, then 12 more up to the 30 kW capacity
    result = plan(slots(0.2, capacity_w=30_000.0, peak_w=10_000.0), [need("a", 22, 1, 22)])
    assert kw(result, "a") == [22.0]
    assert result.sessions[("a", 1)].met
    short = plan(slots(0.2, capacity_w=5_000.0), [need("a", 22, 1, 22)])
    assert kw(short, "a") == [5.0]
    assert not short.sessions[("a", 1)].met


def test_other_load_counts_against_the_capacity() -> None:
    result = plan(slots(0.1, capacity_w=20_000.0), [need("a", 11, 1)], other_w=15_000.0)
    assert kw(result, "a") == [5.0]


@pytest.mark.parametrize(
    ("watts", "w_per_a", "max_a", "expected"),
    [(0.0, 690.0, 32.0, 0.0), (2000.0, 690.0, 32.0, 6.0), (11_000.0, 690.0, 32.0, 16.0),
     (50_000.0, 690.0, 32.0, 32.0), (6 * 690.0, 690.0, 32.0, 6.0)],
)  # fmt: skip
def test_caps_are_0_or_at_least_6_a(
    watts: float, w_per_a: float, max_a: float, expected: float
) -> None:
    assert cap_a(watts, w_per_a, max_a) == expected


def test_slots_cut_on_the_grid_and_at_price_changes_in_local_time() -> None:
    spec = PlannerSpec(
        (PricePoint(0, 0.1), PricePoint(7 * 60 + 10, 0.3), PricePoint(22 * 60, 0.1)),
        "Europe/Berlin",
    )
    # 05:50 UTC = 06:50 in Berlin (winter): 10 min to the grid, the change at 07:10
    bounds = slot_bounds(spec, datetime(2026, 1, 1, 5, 50, tzinfo=UTC), 2 * HOUR, 900.0)
    assert bounds[:4] == [
        (0.0, 600.0, 0.1),
        (600.0, 1200.0, 0.1),
        (1200.0, 1500.0, 0.3),
        (1500.0, 2400.0, 0.3),
    ]
    assert bounds[-1][1] == 2 * HOUR
    assert spec.price_at(datetime(2026, 1, 1, 22, 30, tzinfo=UTC)) == 0.1  # 23:30 local


# a simulated night with the real allocator ------------------------------------------------

VOLT = 230.0
PEAK, OFF = 0.30, 0.10
SITE = {
    "voltage": VOLT,
    "nodes": [{"id": "grid", "limit_a": 63}],
    "chargers": [{"id": "LATE", "node": "grid"}, {"id": "EARLY", "node": "grid"}],
    "planner": {
        "timezone": "UTC",
        "prices": [
            {"from": "00:00", "price": OFF},
            {"from": "07:00", "price": PEAK},
            {"from": "22:00", "price": OFF},
        ],
    },
}


def night(step_s: float = 60.0) -> tuple[dict[Key, list[tuple[datetime, float]]], dict[Key, Live]]:
    """18:00 → 07:00 UTC: LATE plugs in at 18:00 wanting 30 kWh by 07:00; EARLY at 18:00
    wanting 10 kWh by 20:00. EVs draw their limit at once (3-phase, 690 W per A)."""
    cfg = SmartChargingConfig(plan_interval_s=300.0)
    site, _ = parse_site("home", SITE)
    lives: dict[Key, Live] = {}
    runtime = SiteRuntime(site, lives)
    planner, stations = PlanRunner(), StationLimits()
    start = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    wants = {("LATE", 1): (30_000.0, 13 * HOUR), ("EARLY", 1): (10_000.0, 2 * HOUR)}
    for key, (wh, leave) in wants.items():
        live = lives[key]
        live.start(f"tx-{key[0]}", 0.0, 0.0)
        live.policy.energy_wh, live.policy.departure_at = wh, leave
        live.record(0.0, (1.0, 1.0, 1.0))  # the EVs use three phases
        live.samples.clear()
    trace: dict[Key, list[tuple[datetime, float]]] = {key: [] for key in wants}
    now = 0.0
    while now < 13 * HOUR:
        wall = start + timedelta(seconds=now)
        planner.maybe_run(runtime, lives, now, wall, cfg)
        allocation = allocate(runtime, lives, now, cfg, stations)
        for key, amps in zip(runtime.keys, allocation.limits, strict=True):
            live = lives[key]
            if not live.active:
                continue
            live.allocated_a = amps
            live.energy_wh = (live.energy_wh or 0.0) + amps * 3 * VOLT * step_s / HOUR
            trace[key].append((wall, amps))
            if now + step_s >= wants[key][1]:
                live.stop(now)
        now += step_s
    return trace, lives


def test_a_late_departure_charges_off_peak_and_still_gets_its_energy() -> None:
    trace, lives = night()
    late = trace[("LATE", 1)]
    assert all(amps in (0.0,) or amps >= 6.0 for _, amps in late)
    charging = [t for t, amps in late if amps > 0]
    assert charging, "it charged"
    assert all(t.hour >= 22 or t.hour < 7 for t in charging)  # only off-peak
    delivered = lives[("LATE", 1)].energy_wh or 0.0
    assert delivered >= 30_000.0 - 1.0  # its energy by 07:00
    assert delivered <= 30_000.0 + 63 * 3 * VOLT / 60  # and not much more (one step)


def test_an_early_departure_charges_in_the_peak_because_it_must() -> None:
    trace, lives = night()
    early = trace[("EARLY", 1)]
    assert early[0][1] >= 6.0  # at once: 10 kWh in 2 h needs 7.2 kW, the peak is all there is
    assert (lives[("EARLY", 1)].energy_wh or 0.0) >= 10_000.0 - 1.0
    assert all(math.isclose(amps, 0.0) or amps >= 6.0 for _, amps in trace[("EARLY", 1)])
