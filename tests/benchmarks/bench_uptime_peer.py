"""The uptime report's read + compute + view on one existing SQLite ledger, with this
checkout's `evgw.maintenance` ("after") or an older copy of the package ("before"), for a
same-run comparison. Not collected by pytest.

    git archive dedfe32 python/evgw/maintenance | tar -x -C /tmp/old
    mv /tmp/old/python/evgw/maintenance /tmp/old/oldmnt
    .venv/bin/python tests/benchmarks/bench_uptime_peer.py --db /tmp/ledger.db --build 1000000
    for i in 1 2 3; do for w in before after; do
      .venv/bin/python tests/benchmarks/bench_uptime_peer.py --db /tmp/ledger.db \\
        --version $w --before-dir /tmp/old; done; done
"""

from __future__ import annotations

import argparse
import importlib
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import trio
from evgw.store import open_store

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.benchmarks.bench_maintenance import T0, _outages


async def build(db: str, records: int, ports: int) -> None:
    from evgw.maintenance import _store  # noqa: PLC0415

    store = await open_store(f"sqlite:///{db}")
    rows = _outages(ports, records, random.Random(7))
    for i in range(0, len(rows), 50_000):
        chunk = rows[i : i + 50_000]
        await store.write(lambda d, c=chunk: _store.append_outages(d, c, T0))  # type: ignore[misc]
    await store.aclose()


async def measure(db: str, package: str, label: str) -> None:
    report: Any = importlib.import_module(package + "._report")
    store_ops: Any = importlib.import_module(package + "._store")
    cfg = importlib.import_module(package + "._config").MaintenanceConfig()
    store = await open_store(f"sqlite:///{db}")
    window = (T0, T0 + timedelta(days=365))

    def load(d: Any) -> Any:
        spans = store_ops.outage_spans(d, window, window[1])
        ports = store_ops.known_ports(d)
        return report.ReportInput(
            window, cfg.policies[0], window[1], ports, spans, [], [], 500, cfg.reason_codes
        )

    t0, c0 = time.perf_counter(), time.process_time()
    data = await store.read(load)
    t1, c1 = time.perf_counter(), time.process_time()
    view = report.report_view(data, report.build(data))
    t2, c2 = time.perf_counter(), time.process_time()
    await store.aclose()
    total = sum(p["total_outage_min"] for p in view["ports"])
    print(
        f"{label}: read {t1 - t0:.2f} s (cpu {c1 - c0:.2f}), compute+view {t2 - t1:.2f} s"
        f" (cpu {c2 - c1:.2f}), total {t2 - t0:.2f} s wall, {c2 - c0:.2f} s cpu;"
        f" ports {len(view['ports'])}, outage min {total:,.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--build", type=int, default=0, help="write this many outages first")
    parser.add_argument("--ports", type=int, default=10_000)
    parser.add_argument("--version", choices=("before", "after"), default="after")
    parser.add_argument("--before-dir", help="a folder holding the old package as oldmnt/")
    args = parser.parse_args()
    if args.build:
        trio.run(build, args.db, args.build, args.ports)
        return
    package = "evgw.maintenance"
    if args.version == "before":
        sys.path.insert(0, args.before_dir)
        package = "oldmnt"
    trio.run(measure, args.db, package, args.version)


if __name__ == "__main__":
    main()
