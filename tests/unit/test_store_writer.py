"""The group-commit writer and the store lifecycle, on in-memory SQLite."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trio
import trio.testing
from evgw.domain import ApiToken, ChargerRegistration, Role
from evgw.store import Store, StoreError, StoreUnavailable, _db, open_store
from evgw.store._codec import new_transaction_id
from evgw.store._db import CHECKPOINT_IDLE_COMMITS, Db
from evgw.store._open import connector_for
from evgw.store._sqlstore import SqlStore


@pytest.fixture
async def mem() -> AsyncIterator[SqlStore]:
    store = await open_store("sqlite:///:memory:")
    assert isinstance(store, SqlStore)
    try:
        yield store
    finally:
        await store.aclose()


def blocker() -> tuple[threading.Event, object]:
    """An operation that holds the writer thread until the event is set."""
    gate = threading.Event()

    def op(db: Db) -> None:
        assert gate.wait(10)

    return gate, op


async def hold_writer_then(store: SqlStore, ops: list[object]) -> list[object]:
    """Queue ``ops`` while the writer is busy, so they all land in one batch."""
    gate, block = blocker()
    results: list[object] = [None] * len(ops)

    async def one(i: int, fn: object) -> None:
        try:
            results[i] = await store._w.submit(fn)  # type: ignore[arg-type]
        except Exception as exc:
            results[i] = exc

    async with trio.open_nursery() as nursery:
        nursery.start_soon(store._w.submit, block)
        await trio.sleep(0.05)
        for i, fn in enumerate(ops):
            nursery.start_soon(one, i, fn)
        await trio.sleep(0.05)
        gate.set()
    return results


async def test_batch_commits_once_and_a_failing_op_loses_nothing_else(mem: SqlStore) -> None:
    def insert(i: int) -> object:
        return lambda db: db.run(
            "INSERT INTO review_flags (kind, detail, created_at) VALUES (?, '{}', ?)",
            (f"k{i}", "2025-01-01T00:00:00.000000+00:00"),
        )

    def bad(db: Db) -> None:
        db.run("INSERT INTO review_flags (kind, detail, created_at) VALUES ('bad', '{}', 'x')")
        db.run("INSERT INTO no_such_table VALUES (1)")

    before = mem.statistics().commits
    results = await hold_writer_then(mem, [insert(0), bad, insert(1), insert(2)])
    assert isinstance(results[1], StoreError)
    assert results[0] == results[2] == results[3] == 1
    stats = mem.statistics()
    assert stats.commits == before + 2  # the blocker's batch, then all four together
    assert stats.last_batch_size == 4
    kinds = {f.kind for f in await mem.list_flags()}
    assert kinds == {"k0", "k1", "k2"}  # the failing op's first insert was rolled back


async def test_our_own_exceptions_pass_through(mem: SqlStore) -> None:
    def op(db: Db) -> None:
        raise KeyError("mine")

    with pytest.raises(KeyError):
        await mem._w.submit(op)
    assert await mem.put_charger(ChargerRegistration("CP1"))  # the writer is fine


async def test_dead_writer_surfaces_store_unavailable(mem: SqlStore) -> None:
    class Boom(BaseException):
        pass

    def kill(db: Db) -> None:
        raise Boom

    with pytest.raises(StoreUnavailable):
        await mem._w.submit(kill)
    assert not mem.statistics().writer_alive
    with trio.fail_after(2), pytest.raises(StoreUnavailable):
        await mem.put_charger(ChargerRegistration("CP1"))


async def test_queued_ops_fail_when_the_writer_dies(mem: SqlStore) -> None:
    class Boom(BaseException):
        pass

    def die(db: Db) -> None:
        raise Boom

    def ok(db: Db) -> int:
        return 1

    results = await hold_writer_then(mem, [ok, die, ok])
    # the batch with the dying op fails as a whole: nothing of it was committed
    assert all(isinstance(r, StoreUnavailable) for r in results)
    with trio.fail_after(2), pytest.raises(StoreUnavailable):
        await mem._w.submit(ok)


async def test_closed_store_refuses_reads_and_writes() -> None:
    store = await open_store("sqlite:///:memory:")
    await store.put_charger(ChargerRegistration("CP1"))
    await store.aclose()
    with pytest.raises(StoreUnavailable):
        await store.put_charger(ChargerRegistration("CP2"))
    with pytest.raises(StoreUnavailable):
        await store.get_charger("CP1")
    assert not store.statistics().writer_alive


async def test_aclose_drains_the_queue(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/d.db"
    store = await open_store(url)
    assert isinstance(store, SqlStore)
    gate, block = blocker()
    done: list[bool] = []

    async def put(i: int) -> None:
        done.append(await store.put_charger(ChargerRegistration(f"CP{i}")))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(store._w.submit, block)
        await trio.sleep(0.05)
        for i in range(50):
            nursery.start_soon(put, i)
        await trio.testing.wait_all_tasks_blocked()
        nursery.start_soon(store.aclose)
        await trio.sleep(0.05)
        gate.set()  # the writer is free only now: all 50 are queued and aclose was called
    assert done == [True] * 50
    reopened = await open_store(url)
    assert len(await reopened.list_chargers(limit=100)) == 50
    await reopened.aclose()


async def test_unique_violation_is_a_store_error(mem: Store) -> None:
    token = ApiToken("t1", Role.ADMIN, "a", datetime.now(UTC))
    await mem.create_api_token(token, "h" * 64)
    with pytest.raises(StoreError):
        await mem.create_api_token(token, "h" * 64)


def test_urls() -> None:
    assert connector_for("sqlite:///:memory:").args == (":memory:",)  # type: ignore[attr-defined]
    assert connector_for("sqlite:////var/x.db").args == ("/var/x.db",)  # type: ignore[attr-defined]
    assert connector_for("sqlite:///x.db").args == ("x.db",)  # type: ignore[attr-defined]
    for bad in ("mysql://x", "sqlite://x.db", "sqlite:///"):
        with pytest.raises(ValueError, match=r"store URL|database path"):
            connector_for(bad)


def test_transaction_ids_are_unique_and_time_ordered() -> None:
    ids = [new_transaction_id() for _ in range(1000)]
    assert len(set(ids)) == 1000
    assert all(len(i) == 26 for i in ids)
    assert ids[0][:8] <= ids[-1][:8]


FLAG_TS = "2025-01-01T00:00:00.000000+00:00"


async def test_merged_ops_in_a_row_run_as_one_call_and_a_bad_item_fails_alone(
    mem: SqlStore,
) -> None:
    calls: list[list[str | None]] = []

    def insert_kinds(db: Db, kinds: Sequence[str | None]) -> list[str]:
        calls.append(list(kinds))
        db.many(
            "INSERT INTO review_flags (kind, detail, created_at) VALUES (?, '{}', ?)",
            [(k, FLAG_TS) for k in kinds],  # kind is NOT NULL: None fails the whole statement
        )
        return [f"ok:{k}" for k in kinds]

    def plain(db: Db) -> int:
        return db.run(
            "INSERT INTO review_flags (kind, detail, created_at) VALUES ('plain', '{}', ?)",
            (FLAG_TS,),
        )

    gate, block = blocker()
    results: dict[int, object] = {}

    async def one(i: int, submit: object) -> None:
        try:
            results[i] = await submit()  # type: ignore[operator]
        except Exception as exc:
            results[i] = exc

    def merged(kind: str | None) -> object:
        return lambda: mem._w.submit_merged(insert_kinds, kind)

    submits = [merged("a"), merged("b"), lambda: mem._w.submit(plain)]
    submits += [merged("c"), merged(None), merged("d")]
    async with trio.open_nursery() as nursery:
        nursery.start_soon(mem._w.submit, block)  # type: ignore[arg-type]
        await trio.sleep(0.05)  # the writer thread holds the blocker: the rest queue up
        for i, submit in enumerate(submits):  # one at a time: the queue keeps this order
            nursery.start_soon(one, i, submit)
            await trio.testing.wait_all_tasks_blocked()
        gate.set()
    assert [results[i] for i in (0, 1, 2, 3, 5)] == ["ok:a", "ok:b", 1, "ok:c", "ok:d"]
    assert isinstance(results[4], StoreError)
    # one batch: a, b merged; the plain op cuts the run; c, None, d merged, failed, then
    # one by one (each in its own savepoint)
    assert calls == [["a", "b"], ["c", None, "d"], ["c"], [None], ["d"]]
    kinds = sorted(f.kind for f in await mem.list_flags())
    assert kinds == ["a", "b", "c", "d", "plain"]

    # a batch that is one merged run has no savepoint: a failure rolls the transaction back,
    # then the items run one by one
    calls.clear()
    results.clear()
    gate, block = blocker()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(mem._w.submit, block)  # type: ignore[arg-type]
        await trio.sleep(0.05)
        for i, submit in enumerate([merged("e"), merged(None), merged("f")]):
            nursery.start_soon(one, i, submit)
            await trio.testing.wait_all_tasks_blocked()
        gate.set()
    assert calls == [["e", None, "f"], ["e"], [None], ["f"]]
    assert [results[0], results[2]] == ["ok:e", "ok:f"]
    assert isinstance(results[1], StoreError)
    kinds = sorted(f.kind for f in await mem.list_flags())
    assert kinds == ["a", "b", "c", "d", "e", "f", "plain"]


async def test_the_writer_checkpoints_the_wal_after_commits_not_inside_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's automatic checkpoint (inside a COMMIT) is off on the writer's connection; the
    writer checkpoints after its commits instead, so the database file still takes the rows."""
    # the next write may be queued before the writer looks (then it counts as busy)
    monkeypatch.setattr(_db, "CHECKPOINT_BUSY_COMMITS", CHECKPOINT_IDLE_COMMITS)
    path = tmp_path / "ckpt.db"
    store = await open_store(f"sqlite:///{path}")
    assert isinstance(store, SqlStore)
    try:
        assert await store.write(lambda db: db.one("PRAGMA wal_autocheckpoint")) == (0,)
        size = path.stat().st_size
        for i in range(CHECKPOINT_IDLE_COMMITS + 1):  # one at a time: the writer is idle after
            await store.write(
                lambda db, i=i: db.run(
                    "INSERT INTO review_flags (kind, detail, created_at) VALUES (?, ?, ?)",
                    (f"k{i}", "x" * 8000, FLAG_TS),
                )
            )
        assert path.stat().st_size > size + 100_000  # checkpointed into the database file
    finally:
        await store.aclose()
    reopened = await open_store(f"sqlite:///{path}")
    try:
        count = await reopened.read(lambda db: db.one("SELECT COUNT(*) FROM review_flags"))
        assert count == (CHECKPOINT_IDLE_COMMITS + 1,)
    finally:
        await reopened.aclose()
