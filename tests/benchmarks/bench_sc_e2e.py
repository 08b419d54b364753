"""End-to-end load management benchmark: simulated chargers behind two sites on a real
server, every session started at once, managed vs uncontrolled (load management off) in the
same run.

    .venv/bin/python tests/benchmarks/bench_sc_e2e.py                 # 1,000 chargers
    .venv/bin/python tests/benchmarks/bench_sc_e2e.py --chargers 100  # quicker

Reports per site: the highest settled load vs the limit, the longest time above the limit
(goal: never longer than the EV response lag), energy delivered managed / uncontrolled, and
the TxProfiles evgw sent. The small version runs in `make test` (test_sc_fleet.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import attrs
import trio

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evgw.testing.fleet import raise_fd_limit

from tests.integration.sc_fleet_harness import FleetRun, Scenario, feasible, run_fleet


async def one(scenario: Scenario) -> FleetRun:
    with tempfile.TemporaryDirectory() as tmp:
        async with trio.open_nursery() as nursery:
            run = await run_fleet(nursery, Path(tmp), scenario)
            nursery.cancel_scope.cancel()
    return run


def report(managed: FleetRun, free: FleetRun) -> str:
    s = managed.scenario
    lag = s.lag_sim_s / s.speed
    lines = [
        f"{s.chargers} chargers, {2 * s.chargers} connectors of 32 A, sites {dict(s.sites)} A"
        f" per phase; speed x{s.speed:g}, EV lag {s.lag_sim_s:g} sim s = {lag:.3f} real s;"
        f" {s.run_s:g} real s after all sessions started"
        f" (starting took {managed.started_s:.1f} s managed, {free.started_s:.1f} s uncontrolled)",
        "",
        "| site | limit A | run | settled peak A | longest over limit s | allocation feasible |",
        "|---|---|---|---|---|---|",
    ]
    for site, limit in s.sites:
        for name, run in (("managed", managed), ("uncontrolled", free)):
            lines.append(
                f"| {site} | {limit:g} | {name} | {run.settled_peak(site):.1f} |"
                f" {run.longest_overload_s(site, limit):.2f} | {feasible(run.allocations[site])} |"
            )
    ratio = managed.energy_wh / free.energy_wh if free.energy_wh else float("nan")
    lines += [
        "",
        f"energy delivered: managed {managed.energy_wh / 1000:.1f} kWh, uncontrolled"
        f" {free.energy_wh / 1000:.1f} kWh (ratio {ratio:.3f});"
        f" TxProfiles sent (managed): {managed.tx_profiles}"
        f" ({managed.tx_profiles / (2 * s.chargers):.2f} per session);"
        f" charger-side protocol errors: {managed.errors} / {free.errors}",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chargers", type=int, default=1000)
    parser.add_argument("--run-s", type=float, default=60.0)
    parser.add_argument("--speed", type=float, default=5.0)
    parser.add_argument("--amps-per-connector", type=float, default=10.0)
    args = parser.parse_args()
    per_site = args.chargers // 2 * 2 * args.amps_per_connector
    scenario = Scenario(
        chargers=args.chargers,
        sites=(("north", per_site), ("south", per_site)),
        v201_every=4,
        speed=args.speed,
        lag_sim_s=5.0,
        run_s=args.run_s,
        meter_interval_s=900.0,
        sample_s=0.1,
        fleet_tick_s=0.5,  # 1,000 chargers stepping every 50 ms starve the one event loop
        # the production tick and timeouts (the test defaults are tuned for a few chargers)
        smartcharging={"tick_s": 1.0, "call_timeout_s": 10.0, "increase_dwell_s": 5.0},
    )
    raise_fd_limit()  # two sockets per charger in this one process
    managed = trio.run(one, scenario)
    print("managed run done", flush=True)
    free = trio.run(one, attrs.evolve(scenario, managed=False))
    print(report(managed, free))


if __name__ == "__main__":
    main()
