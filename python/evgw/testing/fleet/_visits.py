"""When EVs arrive at and leave each connector, in simulated seconds, day after day."""

from __future__ import annotations

import random

import attrs

from evgw.testing.fleet._workload import SessionGenerator, plan_day

DAY_S = 86_400.0


@attrs.frozen
class Visit:
    arrive_s: float
    depart_s: float
    energy_kwh: float


class VisitPlan:
    """Per-connector queues of visits; simulated time 0 is `start_hour` local time on day 0."""

    def __init__(
        self, generator: SessionGenerator, connectors: int, rng: random.Random, start_hour: float
    ) -> None:
        self._gen, self._rng, self._n = generator, rng, connectors
        self._start_h = start_hour
        self._queues: list[list[Visit]] = [[] for _ in range(connectors)]
        self._planned_days = 0
        self._plan_next_day()

    def _plan_next_day(self) -> None:
        day = self._planned_days
        offset_s = (day * 24.0 - self._start_h) * 3600.0
        for cid, sessions in enumerate(plan_day(self._gen.day(self._n), self._n, self._rng)):
            for s in sessions:
                visit = _clip(
                    Visit(
                        offset_s + s.arrival_h * 3600, offset_s + s.departure_h * 3600, s.energy_kwh
                    )
                )
                if visit is not None:
                    self._queues[cid].append(visit)
        self._planned_days += 1

    def due(self, connector_index: int, now: float) -> Visit | None:
        """The next visit to this connector (0-based) that has arrived by `now`, if any."""
        while now + DAY_S > self._planned_days * DAY_S - self._start_h * 3600:
            self._plan_next_day()
        queue = self._queues[connector_index]
        if queue and queue[0].arrive_s <= now:
            return queue.pop(0)
        return None


def _clip(visit: Visit) -> Visit | None:
    """Visits under way at time 0 start then, with the share of energy their remaining stay gets."""
    if visit.depart_s <= 0:
        return None
    if visit.arrive_s >= 0:
        return visit
    share = visit.depart_s / (visit.depart_s - visit.arrive_s)
    return Visit(0.0, visit.depart_s, visit.energy_kwh * share)
