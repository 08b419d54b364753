"""An upper bound on the energy any scheduler can deliver on bench_alloc_acn's Caltech workload:
the clairvoyant offline optimum (every session's arrival, departure and energy known in
advance), continuous pilots 0-32 A (no 6 A minimum, no pilot sets), each phasor row
|sum a_i x_i e^(j theta_i)| <= c relaxed to 16 half-planes (a polygon around the circle), so
the bound is a little above the true offline optimum. A linear programme (scipy's HiGHS),
run in the throwaway acnportal environment:

    /tmp/acn/bin/pip install scipy
    /tmp/acn/bin/python -W ignore tests/benchmarks/acn_offline_bound.py --seeds 1 2 3 4 5
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
from acnportal import acnsim
from scipy.optimize import linprog
from scipy.sparse import coo_matrix

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_alloc_acn as bench

DIRECTIONS = 16
MAX_A = 32.0


def bound(cap_kw: float, plan: list[list[list[float]]]) -> float:
    """Largest share (%) of the requested energy deliverable with all of it known."""
    net = acnsim.sites.caltech_acn(transformer_cap=cap_kw)
    queue = bench.events(plan, dict.fromkeys(net.station_ids, bench.EVSE_MAX_KW))
    index = {sid: i for i, sid in enumerate(net.station_ids)}
    per_kwh = 1000 / bench.VOLTS * 60 / bench.PERIOD_MIN  # A·periods per kWh
    sessions = [(index[e.ev.station_id], e.ev) for _, e in queue.queue]
    var: dict[tuple[int, int], int] = {}
    for s, (_, ev) in enumerate(sessions):
        for t in range(ev.arrival, ev.departure):
            var[s, t] = len(var)
    rows, cols, vals, limits = [], [], [], []

    def add_row(terms: list[tuple[int, float]], limit: float) -> None:
        r = len(limits)
        for c, v in terms:
            rows.append(r)
            cols.append(c)
            vals.append(v)
        limits.append(limit)

    for s, (_, ev) in enumerate(sessions):  # energy: at most the request
        add_row(
            [(var[s, t], 1.0) for t in range(ev.arrival, ev.departure)],
            ev.requested_energy * per_kwh,
        )
    angles = np.deg2rad([net.phase_angles[sid] for sid in net.station_ids])
    matrix, magnitudes = net.constraint_matrix, net.magnitudes
    by_t: dict[int, list[tuple[int, int]]] = {}
    for (s, t), v in var.items():
        by_t.setdefault(t, []).append((s, v))
    for m in range(matrix.shape[0]):
        phasors = {
            i: matrix[m, i] * complex(math.cos(angles[i]), math.sin(angles[i]))
            for i in range(matrix.shape[1])
            if matrix[m, i] != 0
        }
        directions = sorted({round(float(np.angle(z)), 9) for z in phasors.values()})
        if len(directions) > 1:
            directions = [2 * math.pi * k / DIRECTIONS for k in range(DIRECTIONS)]
        for members in by_t.values():
            for phi in directions:
                turn = complex(math.cos(phi), -math.sin(phi))
                terms = [
                    (v, (phasors[sessions[s][0]] * turn).real)
                    for s, v in members
                    if sessions[s][0] in phasors
                ]
                if terms:
                    add_row(terms, float(magnitudes[m]))
    a = coo_matrix((vals, (rows, cols)), shape=(len(limits), len(var))).tocsr()
    result = linprog(-np.ones(len(var)), A_ub=a, b_ub=limits, bounds=(0, MAX_A), method="highs")
    assert result.status == 0, result.message
    requested = sum(ev.requested_energy for _, ev in sessions) * per_kwh
    return 100 * -result.fun / requested


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--caps", type=float, nargs="+", default=[50, 75, 100, 150])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--python", default=str(bench.ROOT / ".venv/bin/python"))
    args = parser.parse_args()
    plans = {seed: bench.sessions(seed, "jpl", 54, args.python) for seed in args.seeds}
    print("| cap kW | offline bound: energy % (mean) | per seed |")
    print("|---|---|---|")
    for cap in args.caps:
        values = [bound(cap, plans[s]) for s in args.seeds]
        cells = " ".join(f"{v:.1f}" for v in values)
        print(f"| {cap:g} | {np.mean(values):.1f} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
