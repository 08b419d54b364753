"""Group commit, durability across reopen, migrations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import trio
from evgw.domain import ChargerRegistration, StartOutcome, StartTx
from evgw.metrics import STORE_BATCH_SIZE
from evgw.store import Store, migrate, open_store
from evgw.store._migrations import MIGRATIONS

T0 = datetime(2025, 3, 1, tzinfo=UTC)


def start(i: int) -> StartTx:
    at = T0 + timedelta(seconds=i)
    return StartTx(f"CP{i % 7}", 1, 1, f"TAG{i}", i, at, at, raw=f'[2,"{i}","StartTransaction"]')


async def test_concurrent_writers_share_commits(store: Store) -> None:
    batches_before = STORE_BATCH_SIZE._sum.get()  # type: ignore[attr-defined]
    before = store.statistics()
    n = 300
    ids: list[int | None] = []

    async def writer(i: int) -> None:
        ids.append((await store.start_transaction(start(i))).ocpp16_id)

    async with trio.open_nursery() as nursery:
        for i in range(n):
            nursery.start_soon(writer, i)
    after = store.statistics()
    assert after.writes - before.writes == n
    assert after.commits - before.commits < n  # grouped: fewer commits than writes
    assert len(set(ids)) == n
    assert STORE_BATCH_SIZE._sum.get() - batches_before >= n  # type: ignore[attr-defined]
    assert after.queue_depth == 0
    assert after.writer_alive


async def test_committed_writes_survive_reopen(durable_store_url: str) -> None:
    store = await open_store(durable_store_url)
    outcomes: dict[int, StartOutcome] = {}

    async def go(i: int) -> None:
        outcomes[i] = await store.start_transaction(start(i))

    async with trio.open_nursery() as nursery:
        for i in range(20):
            nursery.start_soon(go, i)
    await store.put_charger(ChargerRegistration("CP-durable"))
    await store.aclose()

    reopened = await open_store(durable_store_url)
    try:
        for o in outcomes.values():
            tx = await reopened.get_transaction(o.transaction_id)
            assert tx is not None
            assert tx.ocpp16_id == o.ocpp16_id
        assert await reopened.get_charger("CP-durable") is not None
        # idempotency holds across the restart, and new ids continue after the old ones
        again = await reopened.start_transaction(start(3))
        assert again.duplicate
        assert again.transaction_id == outcomes[3].transaction_id
        fresh = await reopened.start_transaction(start(1000))
        assert (fresh.ocpp16_id or 0) > max(o.ocpp16_id or 0 for o in outcomes.values())
    finally:
        await reopened.aclose()


async def test_migrations_are_idempotent(durable_store_url: str) -> None:
    latest = [f"core:{v}" for v, _ in MIGRATIONS]
    applied = await migrate(durable_store_url)
    assert applied[: len(latest)] == latest  # core first, then the components' steps
    assert await migrate(durable_store_url) == []
    store = await open_store(durable_store_url)  # opening migrates too: nothing left to do
    await store.put_charger(ChargerRegistration("CP1"))
    await store.aclose()
    assert await migrate(durable_store_url) == []


async def test_concurrent_migrations(durable_store_url: str) -> None:
    results: list[list[str]] = []

    async def go() -> None:
        results.append(await migrate(durable_store_url))

    async with trio.open_nursery() as nursery:
        for _ in range(4):
            nursery.start_soon(go)
    # steps may be shared out between the migrators, but each is applied exactly once
    applied = [step for result in results for step in result]
    assert len(applied) == len(set(applied))
    assert {f"core:{v}" for v, _ in MIGRATIONS} <= set(applied)
    assert await migrate(durable_store_url) == []
