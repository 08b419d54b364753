"""Charging sessions drawn from the ACN-Data summary statistics (Gaussian copula, seeded).

See the "generator" field of `acn_workload_stats.json` (a copy of the project's shared data).
"""

from __future__ import annotations

import json
import math
import random
from functools import cache
from importlib import resources
from statistics import NormalDist
from typing import Any

import attrs

_PHI = NormalDist()
VARIABLES = ("arrival_hour", "duration_h", "energy_kwh")


@attrs.frozen
class Session:
    """One EV visit: arrival (hours after local midnight), stay and energy it wants."""

    arrival_h: float
    duration_h: float
    energy_kwh: float

    @property
    def departure_h(self) -> float:
        return self.arrival_h + self.duration_h


@cache
def load_stats() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("acn_workload_stats.json").read_text()
    stats: dict[str, Any] = json.loads(text)
    return stats


def _cholesky3(m: list[list[float]]) -> list[list[float]]:
    n = len(m)
    low = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            s = sum(low[i][k] * low[j][k] for k in range(j))
            if i == j:
                d = m[i][i] - s
                if d <= 0:
                    raise ValueError("correlation matrix is not positive definite")
                low[i][j] = math.sqrt(d)
            else:
                low[i][j] = (m[i][j] - s) / low[j][j]
    return low


def _inverse_cdf(u: float, probs: list[float], values: list[float]) -> float:
    """Piecewise-linear inverse CDF through the quantile points, clamped to p1..p99."""
    if u <= probs[0]:
        return values[0]
    for k in range(1, len(probs)):
        if u <= probs[k]:
            w = (u - probs[k - 1]) / (probs[k] - probs[k - 1])
            return values[k - 1] + w * (values[k] - values[k - 1])
    return values[-1]


class SessionGenerator:
    """Draws sessions for one ACN site ("jpl" or "caltech") from a seeded random source."""

    def __init__(self, site: str, rng: random.Random) -> None:
        stats = load_stats()
        if site not in stats["sites"]:
            raise ValueError(f"unknown ACN site {site!r}; known: {sorted(stats['sites'])}")
        self.site = stats["sites"][site]
        self._probs: list[float] = stats["quantile_probabilities"]
        rho = self.site["rank_correlation"]["matrix"]
        pearson = [[2 * math.sin(math.pi * r / 6) for r in row] for row in rho]
        self._chol = _cholesky3(pearson)
        self._rng = rng

    @property
    def sessions_per_connector_per_day(self) -> float:
        return float(self.site["sessions_per_evse_per_weekday"])

    def draw(self) -> Session:
        z = [self._rng.gauss(0.0, 1.0) for _ in range(3)]
        corr = [sum(self._chol[i][k] * z[k] for k in range(i + 1)) for i in range(3)]
        q = self.site["quantiles"]
        arrival, duration, energy = (
            _inverse_cdf(_PHI.cdf(c), self._probs, q[name])
            for c, name in zip(corr, VARIABLES, strict=True)
        )
        return Session(arrival, duration, energy)

    def day(self, connectors: int) -> list[Session]:
        """A weekday's sessions for `connectors` connectors (Poisson count), by arrival."""
        mean = self.sessions_per_connector_per_day * connectors
        return sorted(
            (self.draw() for _ in range(_poisson(self._rng, mean))), key=lambda s: s.arrival_h
        )


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def plan_day(sessions: list[Session], connectors: int, rng: random.Random) -> list[list[Session]]:
    """Assign sessions (by arrival) to a random connector free at arrival; drop the rest."""
    plan: list[list[Session]] = [[] for _ in range(connectors)]
    for session in sorted(sessions, key=lambda s: s.arrival_h):
        free = [
            c
            for c in range(connectors)
            if not plan[c] or plan[c][-1].departure_h <= session.arrival_h
        ]
        if free:
            plan[rng.choice(free)].append(session)
    return plan
