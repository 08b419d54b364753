"""ACN workload generator: seeded, marginals within the quantile range, correlations kept."""

from __future__ import annotations

import itertools
import random
from statistics import median

import pytest
from evgw.testing.fleet import SessionGenerator
from evgw.testing.fleet._ev import random_ev
from evgw.testing.fleet._visits import VisitPlan
from evgw.testing.fleet._workload import load_stats, plan_day


def spearman(xs: list[float], ys: list[float]) -> float:
    def ranks(v: list[float]) -> list[int]:
        order = sorted(range(len(v)), key=v.__getitem__)
        out = [0] * len(v)
        for r, i in enumerate(order):
            out[i] = r
        return out

    rx, ry = ranks(xs), ranks(ys)
    n = len(xs)
    d2 = sum((a - b) ** 2 for a, b in zip(rx, ry, strict=True))
    return 1 - 6 * d2 / (n * (n * n - 1))


@pytest.mark.parametrize("site", ["jpl", "caltech"])
def test_sessions_follow_the_site_statistics(site: str) -> None:
    gen = SessionGenerator(site, random.Random(7))
    sessions = [gen.draw() for _ in range(4000)]
    q = load_stats()["sites"][site]["quantiles"]
    arrivals = [s.arrival_h for s in sessions]
    assert min(arrivals) >= q["arrival_hour"][0]
    assert max(arrivals) <= q["arrival_hour"][-1]
    assert median(arrivals) == pytest.approx(q["arrival_hour"][5], abs=0.4)
    assert median(s.energy_kwh for s in sessions) == pytest.approx(q["energy_kwh"][5], rel=0.1)
    rho = load_stats()["sites"][site]["rank_correlation"]["matrix"][0][1]
    measured = spearman(arrivals, [s.duration_h for s in sessions])
    assert measured == pytest.approx(rho, abs=0.06)


def test_the_seed_makes_the_workload_reproducible() -> None:
    a = SessionGenerator("jpl", random.Random(3)).day(52)
    b = SessionGenerator("jpl", random.Random(3)).day(52)
    assert a == b
    assert 40 < len(a) < 95  # about 1.26 sessions per connector


def test_a_connector_holds_one_visit_at_a_time() -> None:
    rng = random.Random(5)
    gen = SessionGenerator("jpl", rng)
    for queue in plan_day(gen.day(10), 10, rng):
        for first, second in itertools.pairwise(queue):
            assert first.departure_h <= second.arrival_h


def test_visits_under_way_at_the_start_begin_at_time_zero() -> None:
    plan = VisitPlan(SessionGenerator("jpl", random.Random(2)), 20, random.Random(2), 10.0)
    first = [plan.due(i, 0.0) for i in range(20)]
    assert sum(v is not None for v in first) >= 8  # JPL is busy at 10:00
    assert all(v.arrive_s == 0.0 and v.depart_s > 0 for v in first if v is not None)


def test_ev_energy_is_capped_by_what_it_can_take_during_the_stay() -> None:
    ev = random_ev(random.Random(1), energy_kwh=80.0, stay_h=1.0)
    assert ev.energy_wanted_wh <= ev.max_power_w * 1.0
    assert ev.capacity_wh >= ev.energy_wanted_wh
