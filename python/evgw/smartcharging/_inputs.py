"""One allocator call for a site with the caps that come from outside the tree: the
planner's per-connector caps, the EV's limits (ISO 15118 via NotifyEVChargingNeeds) and
external limits the stations report (NotifyChargingLimit: per EVSE as a connector cap, for a
whole station as its charger node's limit). All go through the allocator's existing inputs
(`max_a`, `min_a`, the node limits), so the hard limits stay the allocator's alone."""

from __future__ import annotations

import math

import attrs

from evgw import _core

from ._config import SmartChargingConfig
from ._engine import SiteRuntime
from ._live import Key, Live


class StationLimits:
    """External limits per station (evseId 0 or absent), A per phase, by source."""

    def __init__(self) -> None:
        self.by_charger: dict[str, dict[str, float]] = {}
        self._topologies: dict[str, tuple[tuple[tuple[str, float], ...], _core.Topology]] = {}

    def set(self, charger_id: str, source: str, amps: float) -> None:
        self.by_charger.setdefault(charger_id, {})[source] = amps

    def clear(self, charger_id: str, source: str) -> None:
        self.by_charger.get(charger_id, {}).pop(source, None)

    def limit(self, charger_id: str) -> float:
        return min(self.by_charger.get(charger_id, {}).values(), default=math.inf)

    def topology(self, runtime: SiteRuntime) -> _core.Topology:
        """The site's topology with each charger node at min(its limit, external limit);
        rebuilt only when a limit changes."""
        site = runtime.site
        held = tuple((c.id, lim) for c in site.chargers if math.isfinite(lim := self.limit(c.id)))
        if not held:
            return runtime.topology
        cached = self._topologies.get(site.id)
        if cached is not None and cached[0] == held:
            return cached[1]
        lower = dict(held)
        chargers = tuple(
            attrs.evolve(c, limit_a=min(c.limit_a, lower[c.id])) if c.id in lower else c
            for c in site.chargers
        )
        topology = attrs.evolve(site, chargers=chargers).topology()
        self._topologies[site.id] = (held, topology)
        return topology


def allocate(
    runtime: SiteRuntime,
    lives: dict[Key, Live],
    now: float,
    cfg: SmartChargingConfig,
    stations: StationLimits,
) -> _core.Allocation:
    cols = runtime.columns(lives, now, cfg)
    for i, key in enumerate(runtime.keys):
        live = lives[key]
        cap = live.cap_a()
        cols["max_a"][i] = min(cols["max_a"][i], cap)
        cols["min_a"][i] = max(cols["min_a"][i], live.ev_min_a)
    return stations.topology(runtime).allocate(
        cols,
        runtime.unmanaged_now(now),
        rotate_after_s=cfg.rotate_after_s,
        headroom_a=cfg.headroom_a,
        yield_after_s=cfg.yield_after_s,
    )
