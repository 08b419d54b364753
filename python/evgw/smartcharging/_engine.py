"""One site at run time: its topology, its connectors, and one allocator call per tick."""

from __future__ import annotations

import math
from typing import Any

import attrs

from evgw import _core

from ._config import SmartChargingConfig
from ._live import Key, Live
from ._site import Phases3, Site

REASONS = ("idle", "charging", "no_capacity", "fixed_load", "unusable", "site_over_limit")
#: Row labels by `row_phase`: phases (lines), power, then the unbalance rows I_p - I_q.
PHASES = ("L1", "L2", "L3", "W", "L1-L2", "L2-L1", "L2-L3", "L3-L2", "L3-L1", "L1-L3")
UNBALANCE_PAIRS = ((0, 1), (1, 0), (1, 2), (2, 1), (2, 0), (0, 2))
COLUMNS = _core.DEMAND_COLUMNS


def phase_mask(wiring: str, phases: int, rotation: int) -> int:
    """Site phases a load on `phases` charger phases uses (delta: 1 = one line pair)."""
    if phases >= 3:
        return 0b111
    count = 2 if wiring == "delta" else phases
    return sum(1 << ((rotation + i) % 3) for i in range(count))


@attrs.frozen
class Result:
    """A tick's outcome for one site (what /allocation and the gauges show)."""

    at: float
    limits: dict[Key, float]
    reasons: dict[Key, str]
    rows: list[dict[str, Any]]  # node, phase, limit, allocated, measured
    alarms: list[str]


class SiteRuntime:
    def __init__(self, site: Site, lives: dict[Key, Live]) -> None:
        self.site = site
        self.topology = site.topology()
        index = site.node_index()
        self.node_ids = [n.id for n in site.nodes] + [f"charger:{c.id}" for c in site.chargers]
        self.parent = [index[n.parent] if n.parent else -1 for n in site.nodes]
        self.parent += [index[c.node] for c in site.chargers]
        self.keys: list[Key] = []
        self.charger_of: list[int] = []
        for ci, charger in enumerate(site.chargers):
            for evse in range(1, charger.connectors + 1):
                key = (charger.id, evse)
                lives.setdefault(key, Live(key, charger.connector_max_a))
                self.keys.append(key)
                self.charger_of.append(ci)
        self.live_unmanaged: dict[int, tuple[Phases3, float]] = {}  # node -> (value, until)
        self.external_a: float | None = None  # from the external_limit hook, A per phase
        self.result: Result | None = None

    def columns(
        self, lives: dict[Key, Live], now: float, cfg: SmartChargingConfig
    ) -> _core.DemandColumns:
        cols: dict[str, list[Any]] = {name: [] for name in COLUMNS}
        for key, ci in zip(self.keys, self.charger_of, strict=True):
            self._demand(cols, lives[key], ci, now, cfg)
        return cols  # type: ignore[return-value]

    def _demand(
        self, cols: dict[str, list[Any]], live: Live, ci: int, now: float, cfg: SmartChargingConfig
    ) -> None:
        charger = self.site.chargers[ci]
        in_use = live.phases_in_use or charger.phases
        cols["node"].append(len(self.site.nodes) + ci)
        cols["phases"].append(
            phase_mask(self.site.wiring, min(in_use, charger.phases), charger.rotation)
        )
        cols["active"].append(live.active)
        cols["min_a"].append(6.0)
        cols["max_a"].append(min(charger.connector_max_a, charger.limit_a))
        cols["measured_a"].append(live.measured(now, cfg.measure_window_s, cfg.stale_meter_s))
        cols["last_limit_a"].append(_last_limit(live))
        cols["state_age_s"].append(now - live.state_since)
        behind = 1 if live.paused_idle else 0  # after every other EV of its class
        cols["priority"].append(max(0, min(255, live.policy.priority + behind)))
        cols["weight"].append(live.policy.weight)
        cols["need_a"].append(self._need(live, now, in_use))
        cols["fixed_a"].append(live.fixed_a)
        cols["step_a"].append(charger.step_a)

    def _need(self, live: Live, now: float, phases: int) -> float:
        p = live.policy
        if p.departure_at is None or p.energy_wh is None:
            return math.nan
        delivered = (live.energy_wh or 0.0) - (live.meter_start_wh or 0.0)
        hours = max((p.departure_at - now) / 3600.0, 1 / 60)
        return max(0.0, p.energy_wh - delivered) / (self.site.voltage * phases * hours)

    def unmanaged_now(self, now: float) -> list[Phases3]:
        """Configured values, live ones (API) while valid, and an external limit on the roots
        as extra load: limit - external (exact for wye and delta rows alike)."""
        values = self.site.configured_unmanaged()
        for node, (value, until) in self.live_unmanaged.items():
            if until >= now:
                values[node] = value
        if self.external_a is not None:
            for node, spec in enumerate(self.site.nodes):
                if spec.parent is None:
                    cut = [
                        max(0.0, lim - self.external_a) if math.isfinite(lim) else 0.0
                        for lim in spec.limit_a
                    ]
                    values[node] = _plus(values[node], cut)
        return values

    def tick(
        self, lives: dict[Key, Live], now: float, cfg: SmartChargingConfig
    ) -> _core.Allocation:
        return self.topology.allocate(
            self.columns(lives, now, cfg),
            self.unmanaged_now(now),
            rotate_after_s=cfg.rotate_after_s,
            headroom_a=cfg.headroom_a,
            yield_after_s=cfg.yield_after_s,
        )

    def summarise(self, a: _core.Allocation, lives: dict[Key, Live], now: float) -> Result:
        limits = dict(zip(self.keys, a.limits, strict=True))
        reasons = {k: REASONS[r] for k, r in zip(self.keys, a.reasons, strict=True)}
        measured = self._measured_per_node(lives, now)
        rows = [
            {
                "node": self.node_ids[n],
                "phase": PHASES[p],
                "limit": a.row_limit[i],
                "allocated": a.row_usage[i],
                "measured": _row_measured(measured[n], p),
            }
            for i, (n, p) in enumerate(zip(a.row_node, a.row_phase, strict=True))
        ]
        alarms = [
            f"{rows[r]['node']} {rows[r]['phase']}: over its limit with managed load at 0 A"
            for r in a.infeasible_rows
        ]
        return Result(now, limits, reasons, rows, alarms)

    def _measured_per_node(self, lives: dict[Key, Live], now: float) -> list[list[float]]:
        unmanaged = self.unmanaged_now(now)
        totals = [list(u) for u in unmanaged]
        for key, ci in zip(self.keys, self.charger_of, strict=True):
            live, rot = lives[key], self.site.chargers[ci].rotation
            node = len(self.site.nodes) + ci
            while node != -1:
                for p, amps in enumerate(live.last_phase_a):
                    totals[node][(p + rot) % 3] += amps
                node = self.parent[node]
        return totals

    def safe_share(self) -> dict[str, float]:
        """Per charger: the current per connector that keeps every ancestor safe with every
        connector below it drawing that much (0 when that is under 6 A)."""
        below = [0] * len(self.node_ids)
        for ci, charger in enumerate(self.site.chargers):
            node = len(self.site.nodes) + ci
            while node != -1:
                below[node] += charger.connectors
                node = self.parent[node]
        shares: dict[str, float] = {}
        for ci, charger in enumerate(self.site.chargers):
            node, share = len(self.site.nodes) + ci, charger.connector_max_a
            while node != -1:
                share = min(share, self._room(node) / below[node])
                node = self.parent[node]
            shares[charger.id] = math.floor(share) if share >= 6.0 else 0.0
        return shares

    def _room(self, node: int) -> float:
        if node >= len(self.site.nodes):
            return self.site.chargers[node - len(self.site.nodes)].limit_a
        spec = self.site.nodes[node]
        return min(
            lim - spec.margin_a - u for lim, u in zip(spec.limit_a, spec.unmanaged_a, strict=True)
        )


def _row_measured(phases: list[float], label: int) -> float | None:
    """A phase row: its current; an unbalance row: I_p - I_q; the power row: None."""
    if label < 3:
        return phases[label]
    if label < 4:
        return None
    p, q = UNBALANCE_PAIRS[label - 4]
    return phases[p] - phases[q]


def _last_limit(live: Live) -> float:
    """The limit the charger has (headroom compares the draw with it), unless a pause or a
    resume is still on its way: then the allocation, the state admission decided and
    `state_since` dates. Else a resume waiting for its profile looks paused (and just paused,
    by its age), and the connector paused in the same tick can take its place back."""
    sent = live.sent_a
    if sent is None or (sent >= 6.0) != (live.allocated_a >= 6.0):
        return live.allocated_a
    return sent


def _plus(a: Phases3, b: list[float]) -> Phases3:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])
