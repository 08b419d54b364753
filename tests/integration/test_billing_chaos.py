"""Billing through chaos: 50 chargers start and stop sessions against an `evgw serve` process,
which is killed with SIGKILL mid-run and restarted; the chargers resend what was not answered
(duplicate starts and stops across the crash). Every completed transaction ends with exactly
one CDR of the exact amount, and the ledger balances."""

from __future__ import annotations

import signal
from decimal import Decimal
from pathlib import Path

import trio
from evgw.billing import _issue as issue
from evgw.billing import _ledger as ledger
from evgw.billing import _tariffs as tariffs
from evgw.store import Db, Store, open_store

from tests.integration.test_crash_recovery import (
    CHARGERS,
    Ledger,
    ServerProcess,
    SimCharger,
    _prepare,
)

# 0.20 EUR/kWh, no VAT: each simulated session meters 500 Wh -> 0.10 EUR.
TARIFF = {
    "currency": "EUR",
    "elements": [{"price_components": [{"type": "ENERGY", "price": 0.20, "step_size": 1}]}],
}


def default_tariff(db: Db) -> None:
    tariffs.save(db, "T1", TARIFF, "EUR")
    tariffs.assign(db, "default", "*", "T1")


def billing_state(db: Db) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    completed = [r[0] for r in db.all("SELECT id FROM transactions WHERE status = 'completed'")]
    cdrs = [(r[0], r[1]) for r in db.all("SELECT transaction_id, kind FROM billing_cdrs")]
    holds = [r[0] for r in db.all("SELECT transaction_id FROM billing_holds")]
    return completed, cdrs, holds


async def wait_billed(store: Store) -> tuple[list[str], list[tuple[str, str]], list[str]]:
    with trio.fail_after(30):
        while True:
            completed, cdrs, holds = await store.read(billing_state)
            if len(cdrs) + len(holds) >= len(completed):
                return completed, cdrs, holds
            await trio.sleep(0.2)


async def test_kill9_and_retries_bill_every_session_exactly_once(tmp_path: Path) -> None:
    config = await _prepare(tmp_path)
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    store = await open_store(url)
    await store.write(default_tariff)
    acks = Ledger()
    server = ServerProcess(config)
    stopping = trio.Event()
    try:
        async with trio.open_nursery() as nursery:
            await server.start(nursery)
            async with trio.open_nursery() as fleet:
                for i in range(CHARGERS):
                    fleet.start_soon(SimCharger(f"CR{i:02d}", acks).live, server.url, stopping)
                await trio.sleep(2)
                await server.kill(signal.SIGKILL)
                await trio.sleep(0.3)
                await server.start(nursery)
                await trio.sleep(2)
                stopping.set()
                # A second for pending messages; a closing handshake may wait up to
                # trio-websocket's 60 s timeout, and what counts is in the database.
                await trio.sleep(1)
                fleet.cancel_scope.cancel()
            completed, cdrs, holds = await wait_billed(store)
            await server.kill(signal.SIGTERM)

        assert len(completed) > CHARGERS, "the fleet did not get going"
        assert holds == []
        assert sorted(tx for tx, _ in cdrs) == sorted(completed)  # one CDR each, none twice
        assert {kind for _, kind in cdrs} == {"cdr"}
        items = await store.read(lambda db: issue.list_cdrs(db, 10_000, 0))
        assert {(c["cdr"]["total_energy"], c["cdr"]["total_cost"]["incl_vat"]) for c in items} == {
            (0.5, 0.1)
        }
        books = await store.read(ledger.balances)
        assert await store.read(ledger.trial_balance) == {"EUR": 0}
        assert books[("receivable:TAG1", "EUR")] == Decimal("0.1") * len(completed)
    finally:
        await store.aclose()
