"""The store's reader pool: its own threads, one queue, answers handed back to trio."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio
import trio.testing
from evgw.store import StoreError, StoreUnavailable
from evgw.store._db import Db, SqliteDb
from evgw.store._reader import Readers


@pytest.fixture
async def readers(tmp_path: Path) -> AsyncIterator[Readers]:
    path = str(tmp_path / "r.db")
    SqliteDb(path).close()
    pool = Readers(lambda: SqliteDb(path), size=2)
    try:
        yield pool
    finally:
        pool.close()


def _scalar(db: Db, sql: str) -> int:
    row = db.one(sql)
    assert row is not None
    return int(row[0])


def _wait_until(predicate: object, timeout: float = 5.0) -> None:
    """Poll from the trio thread *without* yielding to the loop (the loop stays busy)."""
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.005)


async def test_reads_go_on_while_the_trio_loop_is_busy(readers: Readers) -> None:
    # A thread takes the next read as soon as it answered one; it does not wait for the
    # trio loop to take the answer (with to_thread + a limiter of 2, only 2 of 8 ran here).
    ran: list[int] = []

    def read(db: Db) -> int:
        ran.append(1)
        return _scalar(db, "SELECT 1")

    results: list[int] = []

    async def one() -> None:
        results.append(await readers.run(read))

    async with trio.open_nursery() as nursery:
        for _ in range(8):
            nursery.start_soon(one)
        await trio.testing.wait_all_tasks_blocked()
        _wait_until(lambda: len(ran) == 8)  # the loop is held here, the whole time
        assert len(ran) == 8
    assert results == [1] * 8


async def test_a_cancelled_read_that_has_not_started_is_skipped(readers: Readers) -> None:
    gate = threading.Event()
    ran: list[str] = []

    def hold(db: Db) -> None:
        assert gate.wait(10)

    def late(db: Db) -> None:
        ran.append("late")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(readers.run, hold)
        nursery.start_soon(readers.run, hold)  # both threads now held
        await trio.testing.wait_all_tasks_blocked()
        with trio.CancelScope() as scope:
            scope.cancel()
            await readers.run(late)
        gate.set()
    assert await readers.run(lambda db: _scalar(db, "SELECT 2")) == 2
    assert ran == []


async def test_errors_reach_the_caller_and_the_pool_goes_on(readers: Readers) -> None:
    with pytest.raises(StoreError, match="no such table"):
        await readers.run(lambda db: db.one("SELECT * FROM nowhere"))
    with pytest.raises(ZeroDivisionError):
        await readers.run(lambda db: 1 / 0)
    assert await readers.run(lambda db: _scalar(db, "SELECT 3")) == 3


async def test_close_fails_queued_reads_and_refuses_new_ones(readers: Readers) -> None:
    gate = threading.Event()
    running: list[int] = []

    def hold(db: Db) -> str:
        running.append(1)
        assert gate.wait(10)
        return "done"

    outcomes: list[object] = []

    async def call(fn: object) -> None:
        try:
            outcomes.append(await readers.run(fn))  # type: ignore[arg-type]
        except StoreUnavailable as exc:
            outcomes.append(str(exc))

    async with trio.open_nursery() as nursery:
        for _ in range(3):  # two run (and are held), the third waits in the queue
            nursery.start_soon(call, hold)
        await trio.testing.wait_all_tasks_blocked()
        _wait_until(lambda: len(running) == 2)
        readers.close()
        gate.set()
    assert sorted(map(str, outcomes)) == ["done", "done", "store is closed"]
    with pytest.raises(StoreUnavailable, match="closed"):
        await readers.run(lambda db: db.one("SELECT 1"))


async def test_the_pool_never_runs_more_threads_than_its_size(readers: Readers) -> None:
    names: set[str] = set()

    def read(db: Db) -> None:
        names.add(threading.current_thread().name)

    async with trio.open_nursery() as nursery:
        for _ in range(50):
            nursery.start_soon(readers.run, read)
    assert 1 <= len(names) <= 2
