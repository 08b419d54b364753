"""When and with what the planner runs for a site, and how its plan becomes connector caps.

Sans-IO: times are passed in (`now`: monotonic seconds, `wall`: the matching UTC time).
"""

from __future__ import annotations

import math
from datetime import datetime

import attrs

from ._config import SmartChargingConfig
from ._engine import SiteRuntime
from ._live import Key, Live
from ._planner import Need, Plan, cap_a, make_slots, plan, slot_bounds
from ._site import ChargerSpec, Site

SQRT3 = math.sqrt(3.0)


def watts_per_amp(site: Site, charger: ChargerSpec, live: Live) -> float:
    """Power of 1 A per phase on this connector with the phases the EV uses."""
    phases = min(live.phases_in_use or charger.phases, charger.phases)
    if site.wiring == "delta":
        return site.voltage * (SQRT3 if phases >= 3 else 1.0)
    return site.voltage * phases


def capacity_w(runtime: SiteRuntime, now: float) -> float:
    """Room for managed load at the site's roots (limit - margin - unmanaged, worst phase)."""
    site, unmanaged = runtime.site, runtime.unmanaged_now(now)
    per_amp = site.voltage * (SQRT3 if site.wiring == "delta" else 3.0)
    total = 0.0
    for node, load in zip(site.nodes, unmanaged, strict=False):
        if node.parent is not None:
            continue
        amps = min(lim - node.margin_a - u for lim, u in zip(node.limit_a, load, strict=True))
        watts = max(0.0, amps) * per_amp if math.isfinite(amps) else math.inf
        if node.power_w is not None:
            watts = min(watts, node.power_w)
        total += watts
    return total


@attrs.frozen
class PlanState:
    at: float  # monotonic time it was made
    wall: datetime
    plan: Plan
    next_at: float  # the next regular run: interval or the end of the current slot


class PlanRunner:
    def __init__(self) -> None:
        self.states: dict[str, PlanState] = {}
        self.dirty: set[str] = set()

    def mark(self, site_id: str) -> None:
        """An event that may change the plan: replan soon (at most every plan_min_gap_s)."""
        self.dirty.add(site_id)

    def due(self, site_id: str, now: float, cfg: SmartChargingConfig) -> bool:
        state = self.states.get(site_id)
        if state is None or now >= state.next_at:
            return True
        return site_id in self.dirty and now - state.at >= cfg.plan_min_gap_s

    def maybe_run(
        self,
        runtime: SiteRuntime,
        lives: dict[Key, Live],
        now: float,
        wall: datetime,
        cfg: SmartChargingConfig,
    ) -> PlanState | None:
        site = runtime.site
        if site.planner is None:
            if self.states.pop(site.id, None) is not None:
                for key in runtime.keys:
                    lives[key].plan_cap_a = math.inf
            return None
        if not self.due(site.id, now, cfg):
            return self.states[site.id]
        self.dirty.discard(site.id)
        state = self.states[site.id] = self.run(runtime, lives, now, wall, cfg)
        return state

    def run(
        self,
        runtime: SiteRuntime,
        lives: dict[Key, Live],
        now: float,
        wall: datetime,
        cfg: SmartChargingConfig,
    ) -> PlanState:
        site = runtime.site
        assert site.planner is not None
        needs, other_w, limits = _needs(runtime, lives, now)
        peak = None if site.planner.peak_kw is None else site.planner.peak_kw * 1000.0
        bounds = slot_bounds(site.planner, wall, cfg.plan_horizon_s, cfg.plan_slot_s)
        result = plan(make_slots(bounds, capacity_w(runtime, now), peak), needs, other_w)
        for key in runtime.keys:
            power = result.power_now(key)
            wpa, max_a = limits.get(key, (0.0, math.inf))
            lives[key].plan_cap_a = math.inf if power is None else cap_a(power, wpa, max_a)
        first_end = result.slots[0].end_s if result.slots else cfg.plan_interval_s
        return PlanState(now, wall, result, now + min(cfg.plan_interval_s, first_end))


def _needs(
    runtime: SiteRuntime, lives: dict[Key, Live], now: float
) -> tuple[list[Need], float, dict[Key, tuple[float, float]]]:
    """Flexible sessions (departure and energy known), the power of the others (at their
    current limit or fixed load), and per planned connector (W per A, its maximum A)."""
    site = runtime.site
    needs: list[Need] = []
    other_w = 0.0
    limits: dict[Key, tuple[float, float]] = {}
    for key, ci in zip(runtime.keys, runtime.charger_of, strict=True):
        live = lives[key]
        if not live.active:
            continue
        charger = site.chargers[ci]
        wpa = watts_per_amp(site, charger, live)
        p = live.policy
        flexible = (
            p.departure_at is not None
            and p.energy_wh is not None
            and p.departure_at > now
            and live.fixed_why is None
        )
        if not flexible:
            amps = live.fixed_a if live.fixed_why is not None else live.allocated_a
            other_w += (0.0 if math.isnan(amps) else amps) * wpa
            continue
        assert p.departure_at is not None
        assert p.energy_wh is not None
        max_a = min(
            charger.connector_max_a, charger.limit_a, live.ev_max_a, *live.external_a.values()
        )
        delivered = (live.energy_wh or 0.0) - (live.meter_start_wh or 0.0)
        limits[key] = (wpa, max_a)
        needs.append(
            Need(key, max(0.0, p.energy_wh - delivered), p.departure_at - now, max_a * wpa)
        )
    return needs, other_w, limits
