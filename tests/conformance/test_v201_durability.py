"""TransactionEvent while the store cannot commit (S-21 for 2.x): answered from the fsync'd
journal, never with a CALLERROR, and applied once when the store is back. The failure is
real: the events table is renamed away under the running server."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import trio
from evgw.testing import connect_charger

from tests.conformance.v201_frames import V201, full_transaction
from tests.integration.gateway_fixtures import PASSWORD, Running, running

__all__ = ["running"]


def rename(db_file: Path, old: str, new: str) -> None:
    with sqlite3.connect(db_file, timeout=10) as conn:
        conn.execute(f"ALTER TABLE {old} RENAME TO {new}")


async def test_transaction_event_spooled_while_the_store_fails(
    running: Running, tmp_path: Path
) -> None:
    db_file = tmp_path / "evgw.db"
    started, updated, ended = full_transaction()
    url = running.charger_url("CP1")
    async with connect_charger(url, version=V201, user="CP1", password=PASSWORD) as cp:
        await cp.result("TransactionEvent", started)
        await trio.to_thread.run_sync(rename, db_file, "transaction_events", "te_away")
        assert await cp.result("TransactionEvent", updated) == {}  # journaled, not refused
        assert await cp.result("TransactionEvent", ended) == {}
        router = running.server.router
        assert router is not None
        assert len(await router.spool.pending()) == 2
        await trio.to_thread.run_sync(rename, db_file, "te_away", "transaction_events")
        assert await router.replay_spool() == 2
        assert await cp.result("TransactionEvent", ended) == {}  # the charger's own retry
    store = running.server.store
    assert store is not None
    tx = await store.find_transaction_by_ocpp_id("CP1", "TX-1")
    assert tx is not None
    full = await store.get_transaction(tx.id, with_samples=True)
    assert full is not None
    assert (full.status, full.energy_wh, len(full.samples)) == ("completed", 3000, 4)
    assert await router.spool.pending() == []
