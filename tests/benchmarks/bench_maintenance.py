"""Maintenance speed: the health model under a steady event stream, and a 12-month uptime
report over a large outage ledger.

    .venv/bin/python tests/benchmarks/bench_maintenance.py [--ports 100000] [--events 1000000]
        [--report-ports 10000] [--records 1000000]

1. Health: `ports` ports (4 per charger) each cycle Available -> Charging -> Faulted ->
   Available (one outage per cycle) in event-time order; the model is flushed every
   `ports` events (about once a second of a fleet sending one change per port a second) and
   the ledger rows appended to a SQLite store (WAL, synchronous=FULL). Reports events/s,
   CPU per event, and checks the number of ledger rows against the faults sent.
2. Report: `records` closed outages spread over `report-ports` ports and twelve months are
   written to SQLite, then the NEVI report (read + compute + JSON view) is timed; the sum of
   outage minutes is checked against what was written. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import trio
from evgw.maintenance import _report, _store
from evgw.maintenance._classify import StatusFacts
from evgw.maintenance._config import MaintenanceConfig
from evgw.maintenance._health import HealthModel
from evgw.maintenance._model import Cause, Interval, OutageRecord, PortKey
from evgw.store import Db, open_store

T0 = datetime(2025, 1, 1, tzinfo=UTC)
CYCLE = (("Available", None), ("Charging", None), ("Faulted", "GroundFailure"), ("Available", None))
FACTS = [StatusFacts(status, code, None) for status, code in CYCLE]


def ports_of(n: int) -> list[PortKey]:
    return [PortKey(f"CP{i // 4}", i % 4 + 1, 1) for i in range(n)]


async def bench_health(ports: int, events: int, db_path: Path) -> None:
    model = HealthModel(MaintenanceConfig())
    keys = ports_of(ports)
    store = await open_store(f"sqlite:///{db_path}")
    written = 0
    wall = cpu = 0.0
    write_wall = 0.0
    for start in range(0, events, ports):
        batch = min(ports, events - start)
        w0, c0 = time.perf_counter(), time.process_time()
        for i in range(start, start + batch):
            key = keys[i % ports]
            step = i // ports
            at = T0 + timedelta(seconds=step * 120, microseconds=i % ports)
            model.status(key, FACTS[step % 4], at, at)
        records = model.flush(T0 + timedelta(seconds=(start // ports) * 120 + 1))
        wall += time.perf_counter() - w0
        cpu += time.process_time() - c0
        w1 = time.perf_counter()
        await store.write(lambda db, r=records: _store.append_outages(db, r, T0))
        write_wall += time.perf_counter() - w1
        written += len(records)
    await store.aclose()
    faults = sum(1 for i in range(events) if (i // ports) % 4 == 2)
    print(f"health: {ports:,} ports, {events:,} status events, {faults:,} faults")
    print(f"  model + flush: {events / wall:,.0f} events/s, {cpu / events * 1e6:.1f} µs CPU/event")
    print(
        f"  ledger append (SQLite): {written:,} rows in {write_wall:.2f} s "
        f"({written / max(write_wall, 1e-9):,.0f} rows/s)"
    )
    print(f"  end to end: {events / (wall + write_wall):,.0f} events/s")
    # every fault opens a row; every recovery appends a closing row superseding it
    print(f"  check: rows {written:,} (expected opens + closes <= {2 * faults:,})")


def _outages(ports: int, records: int, rng: random.Random) -> list[OutageRecord]:
    keys = ports_of(ports)
    out = []
    year = 365 * 24 * 3600
    for n in range(records):
        start = T0 + timedelta(seconds=rng.randrange(year - 7200))
        end = start + timedelta(seconds=rng.randrange(60, 7200))
        interval = Interval(start, end, Cause.HARDWARE, frozenset({Cause.HARDWARE}))
        out.append(OutageRecord(f"o{n}", keys[n % ports], interval))
    return out


async def bench_report(ports: int, records: int, db_path: Path) -> None:
    rng = random.Random(7)
    rows = _outages(ports, records, rng)
    store = await open_store(f"sqlite:///{db_path}")
    t0 = time.perf_counter()
    for i in range(0, len(rows), 50_000):
        chunk = rows[i : i + 50_000]
        await store.write(lambda db, c=chunk: _store.append_outages(db, c, T0))
    print(
        f"report: {records:,} outage rows over {ports:,} ports written in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    window = (T0, T0 + timedelta(days=365))
    cfg = MaintenanceConfig()
    policy = cfg.policies[0]

    def load(db: Db) -> _report.ReportInput:
        return _report.ReportInput(
            window,
            policy,
            window[1],
            _store.known_ports(db),
            _store.outage_spans(db, window, window[1]),
            [],
            [],
            500,
            cfg.reason_codes,
        )

    t1, c1 = time.perf_counter(), time.process_time()
    data = await store.read(load)
    t2 = time.perf_counter()
    reports = _report.build(data)
    view = _report.report_view(data, reports)
    t3, c3 = time.perf_counter(), time.process_time()
    await store.aclose()
    read = sum(map(len, data.outages.values()))
    print(
        f"  read {read:,} records: {t2 - t1:.2f} s; compute + view for "
        f"{len(reports):,} ports x 12 months: {t3 - t2:.2f} s; total {t3 - t1:.2f} s"
        f" (CPU {c3 - c1:.2f} s)"
    )
    total = sum(p["total_outage_min"] for p in view["ports"])
    print(
        f"  check: sum of per-port outage minutes {total:,.0f} (overlaps merged); "
        f"ports meeting 97 %: {view['summary']['ports_meeting']:,}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ports", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--report-ports", type=int, default=10_000)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--skip-health", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_health:
            await bench_health(args.ports, args.events, Path(tmp) / "health.db")
        await bench_report(args.report_ports, args.records, Path(tmp) / "report.db")


if __name__ == "__main__":
    trio.run(main)
