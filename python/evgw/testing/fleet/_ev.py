"""An EV behind a connector: on-board charger (phases, max current), battery and taper."""

from __future__ import annotations

import random

import attrs

VOLTAGE = 230.0
TAPER_SOC = 0.8  # above this state of charge the EV draws less and less
MIN_TAPER = 0.05  # ... but at least this share of its maximum until full


@attrs.define
class EV:
    phases: int  # 1 or 3
    max_current_a: float  # per phase
    capacity_wh: float
    energy_wanted_wh: float
    delivered_wh: float = 0.0

    @property
    def max_power_w(self) -> float:
        return self.phases * self.max_current_a * VOLTAGE

    @property
    def soc(self) -> float:
        """State of charge, reaching 1.0 when the wanted energy is delivered."""
        start = 1.0 - self.energy_wanted_wh / self.capacity_wh
        return min(1.0, start + self.delivered_wh / self.capacity_wh)

    @property
    def full(self) -> bool:
        return self.delivered_wh >= self.energy_wanted_wh - 0.5

    def acceptance_w(self) -> float:
        """What the EV would draw with no limit: its maximum, tapering near full."""
        if self.full:
            return 0.0
        soc = self.soc
        if soc <= TAPER_SOC:
            return self.max_power_w
        share = max(MIN_TAPER, (1.0 - soc) / (1.0 - TAPER_SOC))
        return self.max_power_w * share

    def draw_w(self, limit_a: float | None) -> float:
        """Power drawn under a per-phase current limit (None: no limit)."""
        power = self.acceptance_w()
        if limit_a is not None:
            power = min(power, max(0.0, limit_a) * self.phases * VOLTAGE)
        return power


# (share, phases, max current per phase): a mix of common on-board chargers.
EV_TYPES = ((0.35, 1, 32.0), (0.15, 1, 16.0), (0.35, 3, 16.0), (0.15, 3, 32.0))


def random_ev(rng: random.Random, energy_kwh: float, stay_h: float) -> EV:
    """An EV of a random type wanting `energy_kwh`, capped at what it can take during the stay."""
    pick, acc = rng.random(), 0.0
    phases, current = EV_TYPES[-1][1:]
    for share, p, a in EV_TYPES:
        acc += share
        if pick <= acc:
            phases, current = p, a
            break
    ev = EV(phases=phases, max_current_a=current, capacity_wh=1.0, energy_wanted_wh=1.0)
    wanted = min(energy_kwh * 1000.0, ev.max_power_w * max(stay_h, 0.05) * 0.95)
    ev.energy_wanted_wh = max(wanted, 100.0)
    ev.capacity_wh = max(rng.uniform(40_000.0, 80_000.0), ev.energy_wanted_wh / 0.9)
    return ev
