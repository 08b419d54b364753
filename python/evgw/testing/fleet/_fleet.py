"""A fleet: many SimChargers in one trio process, started over a ramp, stopped together."""

from __future__ import annotations

import attrs
import trio

from evgw.testing.fleet._env import ChargerSpec, FleetEnv
from evgw.testing.fleet._sim import SimCharger


@attrs.frozen
class FleetStatistics:
    chargers: int
    online: int
    transactions: int
    power_kw: float
    queued: int


class Fleet:
    def __init__(self, env: FleetEnv, specs: list[ChargerSpec]) -> None:
        self.env = env
        self.chargers = [SimCharger(spec, env) for spec in specs]

    async def run(self, ramp_s: float = 0.0) -> None:
        """Start every charger (spread over `ramp_s`); return once all have stopped."""
        gap = ramp_s / max(1, len(self.chargers))
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._stopper, nursery)
            for charger in self.chargers:
                if self.env.stop.is_set():
                    break
                nursery.start_soon(charger.live)
                if gap:
                    await trio.sleep(gap)

    async def _stopper(self, nursery: trio.Nursery) -> None:
        await self.env.stop.wait()
        await trio.sleep(0.5)  # let the session loops notice and close politely
        nursery.cancel_scope.cancel()

    def statistics(self) -> FleetStatistics:
        online = sum(1 for c in self.chargers if c.link is not None)
        conns = [k for c in self.chargers for k in c.model.connectors.values()]
        return FleetStatistics(
            chargers=len(self.chargers),
            online=online,
            transactions=sum(1 for k in conns if k.tx is not None),
            power_kw=sum(k.power_w for k in conns) / 1000.0,
            queued=sum(len(c.outbox) for c in self.chargers),
        )


def fleet_specs(
    n: int,
    *,
    prefix: str = "SIM",
    sites: tuple[str | None, ...] = ("jpl",),
    password: str | None = None,
) -> list[ChargerSpec]:
    """`n` chargers named PREFIX00001…, sites assigned round-robin."""
    return [
        ChargerSpec(f"{prefix}{i:05d}", i, site=sites[i % len(sites)], password=password)
        for i in range(n)
    ]
