"""A site: its capacity tree (nodes) and its chargers; each charger is a node of its own
under its `node`. Parsing and checks: `_parse`."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import attrs

from evgw import _core

Phases3 = tuple[float, float, float]


@attrs.frozen
class NodeSpec:
    id: str
    parent: str | None
    limit_a: Phases3  # math.inf = unlimited
    power_w: float | None = None
    margin_a: float = 0.0
    unmanaged_a: Phases3 = (0.0, 0.0, 0.0)
    unbalance_a: float | None = None  # wye: |I_p - I_q| <= this between any two phases


@attrs.frozen
class ChargerSpec:
    id: str
    node: str
    limit_a: float = math.inf
    connectors: int = 1
    phases: int = 3
    rotation: int = 0
    connector_max_a: float = 32.0
    step_a: float = 1.0


@attrs.frozen
class PricePoint:
    start_min: int  # minutes after local midnight
    price: float  # per kWh, from then until the next point (the last wraps to the first)


@attrs.frozen
class PlannerSpec:
    """Time-of-use prices (daily, local time) and a peak-power target for the planner."""

    prices: tuple[PricePoint, ...] = ()
    timezone: str = "UTC"
    peak_kw: float | None = None

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def price_at(self, when: datetime) -> float:
        if not self.prices:
            return 0.0
        local = when.astimezone(self.zone())
        minute = local.hour * 60 + local.minute
        current = self.prices[-1].price  # before the first point: yesterday's last
        for point in self.prices:
            if point.start_min <= minute:
                current = point.price
        return current

    def to_json(self) -> dict[str, Any]:
        return {
            "timezone": self.timezone,
            "peak_kw": self.peak_kw,
            "prices": [
                {"from": f"{p.start_min // 60:02d}:{p.start_min % 60:02d}", "price": p.price}
                for p in self.prices
            ],
        }


@attrs.frozen
class Site:
    id: str
    nodes: tuple[NodeSpec, ...]
    chargers: tuple[ChargerSpec, ...]
    name: str | None = None
    wiring: str = "wye"
    voltage: float = 230.0
    planner: PlannerSpec | None = None

    def node_index(self) -> dict[str, int]:
        """Index in the topology: site nodes first, then one node per charger."""
        index = {n.id: i for i, n in enumerate(self.nodes)}
        index.update({f"charger:{c.id}": len(self.nodes) + i for i, c in enumerate(self.chargers)})
        return index

    def topology(self) -> _core.Topology:
        index = self.node_index()
        parents = [index[n.parent] if n.parent else None for n in self.nodes]
        parents += [index[c.node] for c in self.chargers]
        limits = [n.limit_a for n in self.nodes] + [(c.limit_a,) * 3 for c in self.chargers]
        power = [math.inf if n.power_w is None else n.power_w for n in self.nodes]
        power += [math.inf] * len(self.chargers)
        margins = [n.margin_a for n in self.nodes] + [0.0] * len(self.chargers)
        wiring: Literal["wye", "delta"] = "delta" if self.wiring == "delta" else "wye"
        volts = [self.voltage] * len(parents)
        unbalance = [math.inf if n.unbalance_a is None else n.unbalance_a for n in self.nodes]
        unbalance += [math.inf] * len(self.chargers)
        return _core.Topology(wiring, parents, limits, power, margins, volts, unbalance_a=unbalance)

    def configured_unmanaged(self) -> list[Phases3]:
        return [n.unmanaged_a for n in self.nodes] + [(0.0, 0.0, 0.0)] * len(self.chargers)

    def to_json(self) -> dict[str, Any]:
        def phased(values: Phases3) -> list[float | None]:
            return [None if math.isinf(v) else v for v in values]

        return {
            "id": self.id,
            "name": self.name,
            "wiring": self.wiring,
            "voltage": self.voltage,
            "planner": None if self.planner is None else self.planner.to_json(),
            "nodes": [
                {
                    **attrs.asdict(n),
                    "limit_a": phased(n.limit_a),
                    "unmanaged_a": list(n.unmanaged_a),
                }
                for n in self.nodes
            ],
            "chargers": [
                {**attrs.asdict(c), "limit_a": None if math.isinf(c.limit_a) else c.limit_a}
                for c in self.chargers
            ],
        }
