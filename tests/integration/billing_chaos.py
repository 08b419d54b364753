"""Billing through chaos, with an exact session count: `chargers` chargers each run
`sessions` sessions against an `evgw serve` process that is killed with SIGKILL `kills`
times and restarted; every stop is sent twice (a duplicate stop), unanswered messages are
resent after reconnecting (duplicate starts and stops across the crash). The outcome must be
exactly chargers x sessions completed transactions, one CDR each, and balanced books.

Used by tests/integration/test_billing_chaos.py (small) and by
tests/benchmarks/chaos_billing.py (1,000 sessions).
"""

from __future__ import annotations

import signal
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import trio
from evgw.billing import _ledger as ledger
from evgw.billing import _tariffs as tariffs
from evgw.store import Db, Store, open_store

from tests.integration.test_crash_recovery import Ledger, ServerProcess, SimCharger, _prepare

# 0.20 EUR/kWh, no VAT: each simulated session meters 500 Wh -> 0.10 EUR.
TARIFF = {
    "currency": "EUR",
    "elements": [{"price_components": [{"type": "ENERGY", "price": 0.20, "step_size": 1}]}],
}


def default_tariff(db: Db) -> None:
    tariffs.save(db, "T1", TARIFF, "EUR")
    tariffs.assign(db, "default", "*", "T1")


class BoundedCharger(SimCharger):
    """A SimCharger that runs `limit` sessions, sends every stop twice, then stops."""

    connect_timeout_s = 30.0
    disconnect_timeout_s = 3.0

    def __init__(self, charger_id: str, acks: Ledger, limit: int) -> None:
        super().__init__(charger_id, acks)
        self.limit = limit
        self.done = trio.Event()
        self._dup: tuple[str, dict[str, Any]] | None = None
        self._dup_sent = False
        self.duplicates = 0

    def _next(self) -> tuple[str, dict[str, Any]]:
        if self._dup is not None:
            dup, self._dup = self._dup, None
            self._dup_sent = True
            self.duplicates += 1
            return dup
        return super()._next()

    def _acknowledged(self, action: str, payload: dict[str, Any], reply: dict[str, Any]) -> None:
        super()._acknowledged(action, payload, reply)
        if action != "StopTransaction":
            return
        if self._dup_sent:
            self._dup_sent = False
            if self.n >= self.limit:
                self.done.set()
        else:
            self._dup = (action, payload)


@attrs.frozen
class ChaosResult:
    sessions: int
    completed: int
    cdrs: int
    credit_cdrs: int
    holds: int
    kills: int
    duplicate_stops: int
    trial_balance: dict[str, Decimal]
    receivable: Decimal
    seconds: float

    @property
    def ok(self) -> bool:
        return (
            self.completed == self.sessions
            and self.cdrs == self.sessions
            and self.holds == 0
            and self.credit_cdrs == 0
            and all(v == 0 for v in self.trial_balance.values())
            and self.receivable == Decimal("0.1") * self.sessions
        )


def _counts(db: Db) -> tuple[int, int, int, int]:
    completed = db.one("SELECT COUNT(*) FROM transactions WHERE status = 'completed'")
    cdrs = db.one("SELECT COUNT(*) FROM billing_cdrs WHERE kind = 'cdr'")
    credits = db.one("SELECT COUNT(*) FROM billing_cdrs WHERE kind = 'credit'")
    holds = db.one("SELECT COUNT(*) FROM billing_holds")
    return tuple(int(r[0]) if r else 0 for r in (completed, cdrs, credits, holds))  # type: ignore[return-value]


async def _wait_billed(store: Store, sessions: int, within: float) -> None:
    with trio.fail_after(within):
        for _ in range(int(within / 0.2) + 1):
            completed, cdrs, _, holds = await store.read(_counts)
            if completed >= sessions and cdrs + holds >= completed:
                return
            await trio.sleep(0.2)


async def run_chaos(
    tmp_path: Path, *, chargers: int, sessions: int, kills: int, gap_s: float = 1.5
) -> ChaosResult:
    """`chargers` must be at most test_crash_recovery.CHARGERS (the registered chargers)."""
    config = await _prepare(tmp_path)
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    store = await open_store(url)
    await store.write(default_tariff)
    acks = Ledger()
    fleet = [BoundedCharger(f"CR{i:02d}", acks, sessions) for i in range(chargers)]
    server = ServerProcess(config)
    t0 = time.perf_counter()
    killed = 0
    try:
        async with trio.open_nursery() as nursery:
            await server.start(nursery)
            async with trio.open_nursery() as chargers_nursery:
                for c in fleet:
                    chargers_nursery.start_soon(c.live, server.url, c.done)
                for _ in range(kills):
                    await trio.sleep(gap_s)
                    if all(c.done.is_set() for c in fleet):
                        break
                    await server.kill(signal.SIGKILL)
                    killed += 1
                    await trio.sleep(0.3)
                    await server.start(nursery)
                with trio.fail_after(600):
                    for c in fleet:
                        await c.done.wait()
                await trio.sleep(0.5)  # in-flight closing handshakes
                chargers_nursery.cancel_scope.cancel()
            await _wait_billed(store, chargers * sessions, 120)
            await server.kill(signal.SIGTERM)
        completed, cdrs, credits, holds = await store.read(_counts)
        balances = await store.read(ledger.balances)
        return ChaosResult(
            sessions=chargers * sessions,
            completed=completed,
            cdrs=cdrs,
            credit_cdrs=credits,
            holds=holds,
            kills=killed,
            duplicate_stops=sum(c.duplicates for c in fleet),
            trial_balance=await store.read(ledger.trial_balance),
            receivable=balances.get(("receivable:TAG1", "EUR"), Decimal(0)),
            seconds=time.perf_counter() - t0,
        )
    finally:
        await store.aclose()
