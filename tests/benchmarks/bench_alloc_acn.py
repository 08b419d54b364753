"""Quality benchmark: evgw's allocator against acnportal's algorithms on the Caltech ACN site.

Run with a throwaway virtual environment holding acnportal (never a dependency of evgw):

    python3 -m venv /tmp/acn && /tmp/acn/bin/pip install acnportal==0.3.3
    /tmp/acn/bin/python tests/benchmarks/bench_alloc_acn.py --seeds 1 2 3

The sessions come from evgw's seeded ACN workload generator (run with the evgw virtual
environment, `EVGW_PYTHON`, default `.venv/bin/python`); evgw's allocator is imported from the
built extension in `python/evgw/`. acnsim is the simulator for every algorithm: 5-minute
periods, every scheduler called every period, ideal batteries, the exact (phasor) Caltech
constraints, AeroVironment/ClipperCreek pilots (`--basic` for continuous BASIC EVSEs).
`--site eu`: the EU wye depot of the reference, shrunk (acn_eu_depot.py; `--unbalance` adds
its unbalance rows). `--algorithms ... evgw_plan_need evgw_plan_cap`: evgw's planner in front
of the allocator (needs `attrs` in the acnportal environment: `/tmp/acn/bin/pip install attrs`).
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import math
import subprocess
import sys
import time
import types
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from acnportal import acnsim, algorithms

sys.path.insert(0, str(Path(__file__).resolve().parent))
import acn_eu_depot

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))
from evgw import _core  # noqa: E402  (the built extension, beside the source)

PERIOD_MIN = 5
WEIGHT_POWER = float(__import__("os").environ.get("EVGW_WEIGHT_POWER", "0"))
VOLTS = 208.0
EVSE_MAX_KW = 32 * VOLTS / 1000

WORKLOAD = """
import json, random, sys
from evgw.testing.fleet._workload import SessionGenerator, plan_day
rng = random.Random(int(sys.argv[1]))
gen = SessionGenerator(sys.argv[2], rng)
n = int(sys.argv[3])
plan = plan_day(gen.day(n), n, rng)
print(json.dumps([[[s.arrival_h, s.duration_h, s.energy_kwh] for s in c] for c in plan]))
"""


def sessions(seed: int, stats: str, evses: int, python: str) -> list[list[list[float]]]:
    out = subprocess.run(
        [python, "-c", WORKLOAD, str(seed), stats, str(evses)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    plan: list[list[list[float]]] = json.loads(out.stdout)
    return plan


def events(plan: list[list[list[float]]], max_kw: dict[str, float]) -> acnsim.EventQueue:
    """One plug-in per session; energy capped at what the EV's maximum delivers in the stay."""
    queue = []
    per_h = 60 // PERIOD_MIN
    for (station, top_kw), visits in zip(max_kw.items(), plan, strict=False):
        for k, (arrival_h, duration_h, energy_kwh) in enumerate(visits):
            arrival = round(arrival_h * per_h)
            departure = max(arrival + 1, round((arrival_h + duration_h) * per_h))
            energy = min(energy_kwh, top_kw * (departure - arrival) / per_h)
            battery = acnsim.Battery(100.0, 0.0, top_kw)
            ev = acnsim.EV(arrival, departure, energy, station, f"{station}-{k}", battery)
            queue.append(acnsim.PluginEvent(arrival, ev))
    return acnsim.EventQueue(queue)


def product_planner() -> Any:
    """evgw's planner module (`evgw.smartcharging._planner`, pure Python + attrs) without the
    package's __init__, which pulls in the server (trio, ...)."""
    package = types.ModuleType("evgw.smartcharging")
    package.__path__ = [str(ROOT / "python/evgw/smartcharging")]
    sys.modules.setdefault("evgw.smartcharging", package)
    return importlib.import_module("evgw.smartcharging._planner")


class Evgw(algorithms.BaseAlgorithm):
    """The thin adapter: acnsim's constraint rows and sessions in, evgw's limits out."""

    def __init__(self) -> None:
        super().__init__()
        self.max_recompute = 1
        self.last: dict[str, tuple[float, int]] = {}  # session -> (limit, since period)

    def schedule(self, active_sessions: list[Any]) -> dict[str, list[float]]:
        info = self.interface.infrastructure_info()
        index = {sid: i for i, sid in enumerate(info.station_ids)}
        columns = [self._demand(s, info, index[s.station_id]) for s in active_sessions]
        self._plan(active_sessions, columns)
        cols = {name: [c[name] for c in columns] for name in _core.DEMAND_COLUMNS}
        result = _core.allocate_over_rows(self._rows(active_sessions, info, index), cols)  # type: ignore[arg-type]
        assert not result.violations, result.violations
        now = self.interface.current_time
        out = {}
        for s, amps in zip(active_sessions, result.limits, strict=True):
            before, since = self.last.get(s.session_id, (0.0, now))
            self.last[s.session_id] = (amps, now if (amps > 0) != (before > 0) else since)
            out[s.station_id] = [amps]
        return out

    def _plan(self, active: list[Any], columns: list[dict[str, Any]]) -> None:
        """Subclasses: the planner's output into the allocator's inputs."""

    @staticmethod
    def _rows(active: list[Any], info: Any, index: dict[str, int]) -> list[Any]:
        angles = np.deg2rad(info.phases)
        rows = []
        for m, limit in enumerate(info.constraint_limits):
            terms = []
            for j, s in enumerate(active):
                i = index[s.station_id]
                a = info.constraint_matrix[m, i]
                if a != 0:
                    terms.append((j, a * math.cos(angles[i]), a * math.sin(angles[i])))
            rows.append(("phasor", float(limit), terms))
        return rows

    def _demand(self, s: Any, info: Any, i: int) -> dict[str, Any]:
        now = self.interface.current_time
        allowed = [float(p) for p in info.allowable_pilots[i]]
        continuous = bool(info.is_continuous[i])
        positive = [p for p in allowed if p > 0] if not continuous else [6.0]
        step = 1.0 if continuous else _step(positive)
        remaining = self.interface.remaining_amp_periods(s)
        low = max(6.0, min(positive))
        before, since = self.last.get(s.session_id, (0.0, now))
        return {
            "node": 0,
            "phases": 0b111,
            "active": remaining > 1e-6,
            "min_a": low,
            # an EV stops when its request is met: at most the remaining demand this period
            "max_a": max(low, min(float(info.max_pilot[i]), s.max_rates[0], math.ceil(remaining))),
            "measured_a": math.nan,
            "last_limit_a": before,
            "state_age_s": (now - since) * PERIOD_MIN * 60.0,
            "priority": 0,
            "weight": max(1.0, remaining / max(1, s.departure - now)) ** WEIGHT_POWER,
            "need_a": remaining / max(1, s.departure - now),
            "fixed_a": math.nan,
            "step_a": step,
        }


class EvgwPlanned(Evgw):
    """evgw's planner (every period, over 5-minute slots to the last departure, flat prices,
    the transformer's kW as the site's capacity) in front of the allocator: its power for
    the current slot becomes each session's need (`mode="need"`: a target the need pass
    raises it to) or its cap (`mode="cap"`: the product's use; 0 = deferred)."""

    def __init__(self, mode: str, cap_kw: float) -> None:
        super().__init__()
        self.mode, self.cap_w, self.planner = mode, cap_kw * 1000.0, product_planner()

    def _plan(self, active: list[Any], columns: list[dict[str, Any]]) -> None:
        p, now, slot_s = self.planner, self.interface.current_time, PERIOD_MIN * 60.0
        last = max((s.departure for s in active), default=now + 1)
        slots = [
            p.Slot(k * slot_s, (k + 1) * slot_s, 0.0, self.cap_w, self.cap_w)
            for k in range(last - now)
        ]
        wh_per_a_period = VOLTS * PERIOD_MIN / 60
        needs = [
            p.Need(
                (s.session_id, 1),
                self.interface.remaining_amp_periods(s) * wh_per_a_period,
                (s.departure - now) * slot_s,
                col["max_a"] * VOLTS,
            )
            for s, col in zip(active, columns, strict=True)
        ]
        result = p.plan(slots, needs)
        for s, col in zip(active, columns, strict=True):
            watts = result.power_now((s.session_id, 1)) or 0.0
            if self.mode == "need":
                col["need_a"] = watts / VOLTS
            else:
                cap = p.cap_a(watts, VOLTS, col["max_a"])
                col["active"] = col["active"] and cap > 0
                col["max_a"] = max(col["min_a"], cap)


def _step(pilots: list[float]) -> float:
    """The spacing of a discrete pilot set: 1 A for {6..32}, 8 A for {8, 16, 24, 32}."""
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(pilots)}
    return min(gaps) if gaps else 1.0


def algorithm(name: str, cap_kw: float) -> algorithms.BaseAlgorithm:
    made: algorithms.BaseAlgorithm = {
        "uncontrolled": algorithms.UncontrolledCharging,
        "round_robin": lambda: algorithms.RoundRobin(algorithms.first_come_first_served),
        "edf": lambda: algorithms.SortedSchedulingAlgo(algorithms.earliest_deadline_first),
        "llf": lambda: algorithms.SortedSchedulingAlgo(algorithms.least_laxity_first),
        "evgw": Evgw,
        "evgw_plan_need": lambda: EvgwPlanned("need", cap_kw),
        "evgw_plan_cap": lambda: EvgwPlanned("cap", cap_kw),
    }[name]()
    made.max_recompute = 1
    return made


def metrics(sim: acnsim.Simulator, alg: Any, cap_kw: float) -> dict[str, float]:
    pilots = sim.pilot_signals
    currents = {k: np.abs(v) for k, v in acnsim.analysis.constraint_currents(sim).items()}
    limits = dict(zip(sim.network.constraint_index, sim.network.magnitudes, strict=True))
    over = sum(int(np.sum(c > limits[k] * (1 + 1e-6) + 1e-6)) for k, c in currents.items())
    forbidden = int(np.sum((pilots > 1e-9) & (pilots < 6 - 1e-9)))
    evs = sim.ev_history.values()
    ratios = [ev.energy_delivered / ev.requested_energy for ev in evs if ev.requested_energy > 0]
    jain = sum(ratios) ** 2 / (len(ratios) * sum(r * r for r in ratios)) if ratios else 1.0
    changes, pauses, hours = _stability(sim)
    solve = [s["solve_time"] for s in alg.solve_stats]
    return {
        "energy_pct": 100 * acnsim.analysis.proportion_of_energy_delivered(sim),
        "served_pct": 100 * acnsim.analysis.proportion_of_demands_met(sim, 0.1),
        "peak_vs_cap": float(np.max(acnsim.analysis.aggregate_power(sim))) / cap_kw,
        "jain": jain,
        "changes_per_h": changes / max(hours, 1e-9),
        "pauses_per_session": pauses / max(len(ratios), 1),
        "violations": over + forbidden,
        "ms_per_call": 1000 * float(np.mean(solve)) if solve else 0.0,
    }


def _stability(sim: acnsim.Simulator) -> tuple[int, int, float]:
    """Pilot changes and >0 → 0 → >0 pauses while an EV is present and not yet full."""
    changes = pauses = 0
    hours = 0.0
    index = {sid: i for i, sid in enumerate(sim.network.station_ids)}
    volts = sim.network._voltages
    delivered = np.cumsum(sim.charging_rates, axis=1)
    for ev in sim.ev_history.values():
        i = index[ev.station_id]
        row = sim.pilot_signals[i, ev.arrival : ev.departure]
        hours += len(row) * PERIOD_MIN / 60
        changes += int(np.sum(np.abs(np.diff(row)) > 1e-9))
        start = delivered[i, ev.arrival - 1] if ev.arrival > 0 else 0.0
        want = ev.requested_energy * 1000 / volts[i] * 60 / PERIOD_MIN  # A·periods
        not_full = (delivered[i, ev.arrival : ev.departure] - start) < want - 1e-6
        on = row > 1e-9
        pauses += int(np.sum(on[:-1] & ~on[1:] & not_full[1:]))
    return changes, pauses, hours


def run(cap_kw: float, name: str, plan: Any, seed: int, args: Any) -> dict[str, float]:
    if args.site == "eu":
        network = acn_eu_depot.network(cap_kw, seed, unbalance=args.unbalance)
        max_kw = acn_eu_depot.station_max_kw(network, seed)
    else:
        network = acnsim.sites.caltech_acn(basic_evse=args.basic, transformer_cap=cap_kw)
        max_kw = dict.fromkeys(network.station_ids, EVSE_MAX_KW)
    alg = algorithm(name, cap_kw)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    sim = acnsim.Simulator(
        network, alg, events(plan, max_kw), start, period=PERIOD_MIN, verbose=False
    )
    sim.run()
    return metrics(sim, alg, cap_kw)


def _cells(runs: list[dict[str, float]], keys: list[str]) -> str:
    """Mean over the seeds (violations: the sum); energy also with its spread (min-max)."""
    cells = []
    for k in keys:
        values = [r[k] for r in runs]
        if k == "violations":
            cells.append(f"{int(sum(values))}")
        elif k == "energy_pct" and len(values) > 1:
            cells.append(f"{np.mean(values):.3g} ({min(values):.3g}-{max(values):.3g})")
        else:
            cells.append(f"{np.mean(values):.3g}")
    return " | ".join(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--caps", type=float, nargs="+", help="kW (default: the site's sweep)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--stats", default="jpl", help="ACN workload statistics: jpl or caltech")
    parser.add_argument(
        "--algorithms", nargs="+", default=["uncontrolled", "round_robin", "edf", "llf", "evgw"]
    )
    parser.add_argument("--basic", action="store_true", help="continuous BASIC EVSEs")
    parser.add_argument(
        "--site", choices=("caltech", "eu"), default="caltech", help="caltech_acn or the EU depot"
    )
    parser.add_argument("--unbalance", action="store_true", help="EU depot: unbalance rows")
    parser.add_argument("--python", default=str(ROOT / ".venv/bin/python"))
    args = parser.parse_args()
    if not args.caps:
        args.caps = [50, 75, 100, 150] if args.site == "caltech" else list(acn_eu_depot.CAPS_KW)
    evses = (
        54
        if args.site == "caltech"
        else acn_eu_depot.SUB_BOARDS * acn_eu_depot.CHARGERS_PER_BOARD * 2
    )
    plans = {seed: sessions(seed, args.stats, evses, args.python) for seed in args.seeds}
    keys = [
        "energy_pct",
        "served_pct",
        "peak_vs_cap",
        "jain",
        "changes_per_h",
        "pauses_per_session",
        "violations",
        "ms_per_call",
    ]
    pilots = "BASIC" if args.basic else "AV/CC"
    if args.site == "eu":
        pilots = "AV" + (", unbalance rows" if args.unbalance else "")
    counts = [sum(map(len, p)) for p in plans.values()]
    print(f"site={args.site} stats={args.stats} seeds={args.seeds} pilots={pilots}")
    print(f"sessions/seed={counts}")
    print("| cap kW | algorithm | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 2) + "|")
    for cap in args.caps:
        for name in args.algorithms:
            t0 = time.perf_counter()
            runs = [run(cap, name, plans[s], s, args) for s in args.seeds]
            print(f"| {cap:g} | {name} | {_cells(runs, keys)} |", flush=True)
            per_seed = " ".join(f"{r['energy_pct']:.1f}" for r in runs)
            print(f"  energy % per seed: {per_seed}", file=sys.stderr, flush=True)
            print(f"  ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
