"""The planner (sans-IO): shifts flexible energy into cheap or low-load slots.

Every few minutes, at each slot boundary and soon after an event (arrival, new departure or
energy target, price change), it lays each session with a known departure and energy target
over the slots before its departure (earliest departure first; cheapest slots first, then the
earliest), keeping the site's planned power under the peak target where it can and under the
site's capacity always; a session that cannot get its energy under the peak target is allowed
above it (departures first). Its output for the current slot is a per-connector cap for the
per-second allocator (0 = deferred, else at least 6 A), which alone guarantees the hard
limits. A session the plan cannot serve in full keeps the power it was given in every slot.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import attrs

from ._live import Key
from ._site import PlannerSpec

MIN_A = 6.0


@attrs.frozen
class Slot:
    start_s: float  # seconds from the plan's start
    end_s: float
    price: float  # per kWh, the schedule's price at the slot's start
    capacity_w: float  # hard: the site's room for managed load
    target_w: float  # soft: min(capacity, peak target)

    @property
    def hours(self) -> float:
        return (self.end_s - self.start_s) / 3600.0


@attrs.frozen
class Need:
    """A flexible session: energy still wanted by a departure, at most `max_w`."""

    key: Key
    energy_wh: float
    departure_s: float  # seconds from the plan's start
    max_w: float


@attrs.frozen
class SessionPlan:
    key: Key
    power_w: tuple[float, ...]  # per slot
    planned_wh: float
    wanted_wh: float

    @property
    def met(self) -> bool:
        return self.planned_wh >= self.wanted_wh - 1.0


@attrs.frozen
class Plan:
    slots: tuple[Slot, ...]
    sessions: dict[Key, SessionPlan]
    load_w: tuple[float, ...]  # planned managed load per slot (flexible + the rest)

    def power_now(self, key: Key) -> float | None:
        session = self.sessions.get(key)
        return None if session is None or not self.slots else session.power_w[0]


def slot_bounds(
    spec: PlannerSpec, now: datetime, horizon_s: float, slot_s: float
) -> list[tuple[float, float, float]]:
    """(start_s, end_s, price) from now over the horizon, cut on the slot grid (aligned to
    local midnight) and at every price change."""
    local = now.astimezone(spec.zone())
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    offset = (local - midnight).total_seconds()
    cuts = {horizon_s}
    first = (math.floor(offset / slot_s) + 1) * slot_s - offset
    cuts.update(s for s in _range(first, horizon_s, slot_s))
    for day in range(int(horizon_s // 86_400) + 2):
        for point in spec.prices:
            at = day * 86_400 + point.start_min * 60 - offset
            if 0 < at < horizon_s:
                cuts.add(at)
    edges = [0.0, *sorted(cuts)]
    return [
        (a, b, spec.price_at(local + timedelta(seconds=a)))
        for a, b in itertools.pairwise(edges)
        if b > a
    ]


def _range(first: float, stop: float, step: float) -> Iterable[float]:
    at = first
    while at < stop:
        yield at
        at += step


def make_slots(
    bounds: Sequence[tuple[float, float, float]], capacity_w: float, peak_w: float | None
) -> list[Slot]:
    target = capacity_w if peak_w is None else min(capacity_w, peak_w)
    return [Slot(a, b, price, capacity_w, target) for a, b, price in bounds]


def plan(slots: Sequence[Slot], needs: Iterable[Need], other_w: float = 0.0) -> Plan:
    """Earliest departure first; each session fills its cheapest slots (then the earliest)
    under the peak target, then, if still short, under the capacity."""
    order = sorted(range(len(slots)), key=lambda i: (slots[i].price, i))
    load = [other_w] * len(slots)
    out: dict[Key, SessionPlan] = {}
    for need in sorted(needs, key=lambda n: (n.departure_s, n.key)):
        power = [0.0] * len(slots)
        left = need.energy_wh
        for soft in (True, False):
            left = _fill(slots, order, need, (power, load), left, soft=soft)
        out[need.key] = SessionPlan(need.key, tuple(power), need.energy_wh - left, need.energy_wh)
    return Plan(tuple(slots), out, tuple(load))


def _fill(
    slots: Sequence[Slot],
    order: list[int],
    need: Need,
    lists: tuple[list[float], list[float]],  # this session's power, the site's load
    left: float,
    *,
    soft: bool,
) -> float:
    power, load = lists
    for i in order:
        if left <= 1e-9:
            break
        slot = slots[i]
        hours = (min(slot.end_s, need.departure_s) - slot.start_s) / 3600.0
        if hours <= 0:
            continue
        ceiling = slot.target_w if soft else slot.capacity_w
        room = min(need.max_w - power[i], ceiling - load[i])
        if room <= 1e-9:
            continue
        watts = min(room, left / hours)
        power[i] += watts
        load[i] += watts
        left -= watts * hours
    return max(0.0, left)


def cap_a(power_w: float, w_per_a: float, max_a: float) -> float:
    """The allocator cap for a planned power: 0 (deferred) or in [6 A, max]."""
    if power_w <= 1e-6 or w_per_a <= 0:
        return 0.0
    return min(max_a, max(MIN_A, math.ceil(power_w / w_per_a - 1e-9)))
