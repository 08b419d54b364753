"""A small public view of each site's last tick, for dashboards and `evgw demo`:
measured load vs limit at the site's root nodes (duck-typed on the component, so importing
it stays light)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import attrs


@attrs.frozen
class SiteLoad:
    """One root node of a site at the last allocator tick. Currents are A per phase, on the
    phase with the least headroom; kW assume balanced phases at the site's voltage (wye: 3 x V x A;
    delta: sqrt(3) x V x A)."""

    site_id: str
    node_id: str
    at: float  # trio.current_time() of the tick
    limit_a: float  # the node's limit (inf: none)
    allocated_a: float  # what the allocation allows (limits given + unmanaged)
    measured_a: float  # connectors' last measured currents + unmanaged (NaN: unknown)
    limit_kw: float
    measured_kw: float
    charging: int  # connectors charging in the site
    paused: int  # paused for capacity or under an alarm
    deferred: int  # held back by the planner
    alarms: tuple[str, ...]

    @property
    def within_limit(self) -> bool:
        return not self.measured_a > self.limit_a + 1e-6


def site_loads(components: Iterable[Any]) -> list[SiteLoad]:
    """The latest tick of every site: `site_loads(server.components)`. Empty when load
    management is off or has not ticked yet."""
    owner = next((c for c in components if getattr(c, "name", None) == "smartcharging"), None)
    if owner is None:
        return []
    out: list[SiteLoad] = []
    for runtime in sorted(owner.sites.values(), key=lambda r: r.site.id):
        result = runtime.result
        if result is not None:
            out += _roots(runtime, result, owner.lives)
    return out


def _roots(runtime: Any, result: Any, lives: dict[Any, Any]) -> list[SiteLoad]:
    site = runtime.site
    per_a = site.voltage * (math.sqrt(3.0) if site.wiring == "delta" else 3.0) / 1000.0
    reasons = list(result.reasons.values())
    deferred = sum(
        1
        for key, reason in result.reasons.items()
        if reason == "unusable" and lives[key].plan_cap_a == 0
    )
    roots = {n.id for n in site.nodes if n.parent is None}
    out = []
    for root in sorted(roots):
        rows = [r for r in result.rows if r["node"] == root and r["phase"] in ("L1", "L2", "L3")]
        if not rows:
            continue  # an unlimited root has no rows
        row = min(rows, key=lambda r: r["limit"] - (r["measured"] or 0.0))  # the tightest
        limit, measured = row["limit"], row["measured"] or 0.0
        out.append(
            SiteLoad(
                site.id,
                root,
                result.at,
                limit,
                row["allocated"],
                measured,
                limit * per_a,
                measured * per_a,
                reasons.count("charging"),
                reasons.count("no_capacity") + reasons.count("site_over_limit"),
                deferred,
                tuple(result.alarms),
            )
        )
    return out
