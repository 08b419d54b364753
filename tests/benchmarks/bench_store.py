"""Store write throughput: one writer awaiting each commit vs many concurrent writers grouped.

    .venv/bin/python tests/benchmarks/bench_store.py [--seconds 3] [--tasks 200]

SQLite runs on a temporary file (WAL, synchronous=FULL); PostgreSQL on a fresh schema of the
server named by EVGW_TEST_PG_URL, when set. Not collected by pytest (no test_ prefix).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from itertools import count
from urllib.parse import quote

import psycopg
import trio
from evgw.domain import StartTx
from evgw.store import Store, open_store

T0 = datetime(2025, 1, 1, tzinfo=UTC)
Op = Callable[[Store], Awaitable[None]]
_seq = count()


def start() -> StartTx:
    i = next(_seq)
    at = T0 + timedelta(microseconds=i)
    return StartTx(f"CP{i % 1000}", 1, 1, "TAG", i, at, at, raw='[2,"x","StartTransaction",{}]')


async def op_start(store: Store) -> None:
    await store.start_transaction(start())


async def op_flag(store: Store) -> None:
    await store.add_flag("bench", charger_id="CP1")


OPS = {"start_transaction": op_start, "one-row add_flag": op_flag}


async def single(store: Store, seconds: float, op: Op) -> float:
    n, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        await op(store)
        n += 1
    return n / (time.perf_counter() - began)


async def grouped(store: Store, seconds: float, tasks: int, op: Op) -> tuple[float, float]:
    done = 0
    before = store.statistics()
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await op(store)
            done += 1

    began = time.perf_counter()
    async with trio.open_nursery() as nursery:
        for _ in range(tasks):
            nursery.start_soon(worker)
    elapsed = time.perf_counter() - began
    after = store.statistics()
    return done / elapsed, (after.writes - before.writes) / max(1, after.commits - before.commits)


async def bench(name: str, url: str, seconds: float, tasks: int) -> None:
    store = await open_store(url)
    try:
        for label, op in OPS.items():
            one = await single(store, seconds, op)
            ops, per_commit = await grouped(store, seconds, tasks, op)
            print(
                f"{name:<10} {label:<17}: single writer {one:6.0f} commits/s | {tasks} "
                f"concurrent {ops:7.0f} ops/s ({per_commit:.0f} ops per commit)"
            )
    finally:
        await store.aclose()


def _pg_schema(admin: str, sql: str) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--tasks", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await bench("sqlite", f"sqlite:///{tmp}/bench.db", args.seconds, args.tasks)
    admin = os.environ.get("EVGW_TEST_PG_URL")
    if not admin:
        print("postgresql  skipped (EVGW_TEST_PG_URL not set)")
        return
    schema = f"evgw_bench_{uuid.uuid4().hex[:8]}"
    _pg_schema(admin, f"CREATE SCHEMA {schema}")
    try:
        sep = "&" if "?" in admin else "?"
        url = f"{admin}{sep}options={quote(f'-csearch_path={schema}')}"
        await bench("postgresql", url, args.seconds, args.tasks)
    finally:
        _pg_schema(admin, f"DROP SCHEMA {schema} CASCADE")


if __name__ == "__main__":
    trio.run(main)
