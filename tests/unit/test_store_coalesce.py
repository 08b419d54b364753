"""Registration reads that arrive together share one reader call (SQLite file store), and the
coalescer's hand-over survives failures and cancelled callers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trio
import trio.testing
from evgw.domain import ChargerRecord, ChargerRegistration
from evgw.store import StoreError, open_store
from evgw.store._coalesce import Coalescer
from evgw.store._db import Db
from evgw.store._sqlstore import SqlStore


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    s = await open_store(f"sqlite:///{tmp_path / 'c.db'}")
    assert isinstance(s, SqlStore)
    try:
        yield s
    finally:
        await s.aclose()


async def test_a_burst_of_registration_reads_shares_few_reads(store: SqlStore) -> None:
    async with trio.open_nursery() as nursery:  # one group commit, not 300
        for i in range(300):
            reg = ChargerRegistration(id=f"C{i}", security_profile=i % 3)
            nursery.start_soon(store.put_charger, reg)
    at = datetime.now(UTC)
    await store.record_status(
        "C7",
        evse_id=1,
        connector_id=1,
        status="Faulted",
        error_code="GroundFailure",
        info=None,
        at=at,
    )
    found: dict[str, ChargerRecord | None] = {}

    async def one(cid: str) -> None:
        found[cid] = await store.get_charger(cid)

    async with trio.open_nursery() as nursery:
        for i in range(300):
            nursery.start_soon(one, f"C{i}")
        nursery.start_soon(one, "NOPE")
        nursery.start_soon(one, "C5")  # the same key twice in one batch
    assert found["NOPE"] is None
    for i in range(300):
        record = found[f"C{i}"]
        assert record is not None
        assert record.registration.security_profile == i % 3
    c7 = found["C7"]
    assert c7 is not None
    assert [(c.status, c.error_code) for c in c7.connectors] == [("Faulted", "GroundFailure")]
    assert store._chargers.reads <= 10  # 301 callers, a handful of reads


async def test_a_read_after_a_write_sees_it(store: SqlStore) -> None:
    await store.put_charger(ChargerRegistration(id="C1", security_profile=0))
    await store.put_charger(ChargerRegistration(id="C1", security_profile=2))
    record = await store.get_charger("C1")
    assert record is not None
    assert record.registration.security_profile == 2


class Gate:
    """A `run` for the coalescer whose reads finish one by one when the test says so."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.opened = 0  # reads allowed to finish
        self.changed = trio.Event()
        self.fail: Exception | None = None

    def open(self) -> None:
        self.opened += 1
        self.changed.set()
        self.changed = trio.Event()

    async def run(self, fn: Callable[[Db], dict[str, str]]) -> dict[str, str]:
        mine = len(self.batches)
        result = fn(None)  # type: ignore[arg-type]  (the fetch below needs no database)
        while self.opened <= mine:
            await self.changed.wait()
        if self.fail is not None:
            raise self.fail
        return result

    def fetch(self, db: Db, keys: list[str]) -> dict[str, str]:
        self.batches.append(keys)
        return {k: k.upper() for k in keys if k != "missing"}


async def test_cancelled_waiters_and_leaders_do_not_stall_the_others() -> None:
    gate = Gate()
    co: Coalescer[str, str] = Coalescer(gate.run, gate.fetch)
    got: dict[str, str | None] = {}
    scopes = {k: trio.CancelScope() for k in ("x", "b")}

    async def one(key: str) -> None:
        with scopes.get(key, trio.CancelScope()):
            got[key] = await co.get(key)

    async with trio.open_nursery() as nursery:
        for key in ("a", "x", "b", "c", "missing"):  # a leads, the others wait
            nursery.start_soon(one, key)
            await trio.testing.wait_all_tasks_blocked()
        scopes["x"].cancel()  # a waiter gives up: it is not read
        await trio.testing.wait_all_tasks_blocked()
        gate.open()  # a's read ends; b leads the next one (b, c, missing)
        await trio.testing.wait_all_tasks_blocked()
        scopes["b"].cancel()  # the leader gives up mid-read: c and missing go on without it
        await trio.testing.wait_all_tasks_blocked()
        gate.open()
        gate.open()
    assert got == {"a": "A", "c": "C", "missing": None}
    assert gate.batches == [["a"], ["b", "c", "missing"], ["c", "missing"]]


async def test_a_failed_read_fails_its_callers_only() -> None:
    gate = Gate()
    co: Coalescer[str, str] = Coalescer(gate.run, gate.fetch)
    errors: list[str] = []

    async def one(key: str) -> None:
        try:
            await co.get(key)
        except StoreError:
            errors.append(key)

    gate.fail = StoreError("disk full")
    async with trio.open_nursery() as nursery:
        for key in ("a", "b"):
            nursery.start_soon(one, key)
            await trio.testing.wait_all_tasks_blocked()
        gate.open()
        await trio.testing.wait_all_tasks_blocked()
        gate.open()
    assert errors == ["a", "b"]
    gate.fail = None
    gate.open()
    assert await co.get("c") == "C"  # idle again: reads go on
