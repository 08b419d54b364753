"""End to end: simulated chargers (EVs that follow profiles after a lag and draw at most the
limit) behind sites, evgw's load management on a real server. Every connector is started at
once; the measured site load may exceed the limit only in short episodes (a session starting
on its fallback share before the others' reductions reach their EVs), never for longer than
the EV response lag plus the dispatch path. The small version of the 1,000-charger benchmark
(tests/benchmarks/bench_sc_e2e.py)."""

from __future__ import annotations

from pathlib import Path

import trio

from tests.integration.sc_fleet_harness import FleetRun, Scenario, feasible, run_fleet

DISPATCH_S = 1.0  # tick + event + round trip + meter period allowance, real seconds


def check_held(run: FleetRun) -> None:
    scenario = run.scenario
    for site, limit in scenario.sites:
        assert run.settled_peak(site) > limit * 0.8, "the site is used, not just kept empty"
        lag = scenario.lag_sim_s / scenario.speed
        assert run.longest_overload_s(site, limit) <= lag + DISPATCH_S, site
        assert run.settled_peak(site) <= limit + 0.5, site
        assert feasible(run.allocations[site])
    assert run.errors == 0
    if scenario.managed:  # the public view the demo uses: one root per site, held
        views = {v.site_id: v for v in run.loads}
        assert sorted(views) == sorted(site for site, _ in scenario.sites)
        for site, limit in scenario.sites:
            view = views[site]
            assert (view.node_id, view.limit_a) == ("grid", limit)
            assert view.charging > 0
            assert view.measured_a <= limit + 0.5, view
            assert view.measured_a > 0.5 * limit, view


async def test_the_site_is_held_at_its_limit(nursery: trio.Nursery, tmp_path: Path) -> None:
    run = await run_fleet(nursery, tmp_path, Scenario(chargers=6))  # 384 A uncontrolled
    check_held(run)
    assert run.tx_profiles >= 12  # a TxProfile per session at least


async def test_mixed_16_and_201_chargers_on_two_sites_are_held(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    """Every other charger speaks 2.0.1 (TxProfiles with the station's transactionId)."""
    scenario = Scenario(chargers=8, sites=(("north", 60.0), ("south", 80.0)), v201_every=2)
    run = await run_fleet(nursery, tmp_path, scenario)
    check_held(run)
    for site in ("north", "south"):
        reasons = {c["reason"] for c in run.allocations[site]["connectors"]}
        assert reasons <= {"charging", "no_capacity"}, reasons
        connectors = run.allocations[site]["connectors"]
        assert not any(c["fixed_why"] for c in connectors)
        # every session's TxProfile was accepted, 2.0.1 ones included (id + transactionId)
        assert all(c["sent_limit_a"] is not None for c in connectors), connectors
        # what the 2.0.1 stations believe (GetCompositeSchedule) is what evgw sent them
        sent = {(c["charger_id"], c["evse_id"]): c["sent_limit_a"] for c in connectors}
        for key, amps in run.composite.items():
            if key in sent:
                assert amps == sent[key], (key, amps, sent[key])
    assert len(run.composite) == 4 * 2
