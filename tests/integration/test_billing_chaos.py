"""Billing through chaos: chargers start and stop sessions against an `evgw serve` process,
which is killed with SIGKILL mid-run and restarted; every stop is sent twice and the chargers
resend what was not answered (duplicate starts and stops across the crash). Exactly the
sessions run end as completed transactions with one CDR each, of the exact amount, and the
ledger balances. The 1,000-session run: tests/benchmarks/chaos_billing.py."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from evgw.billing import _issue as issue
from evgw.store import open_store

from tests.integration.billing_chaos import run_chaos


async def test_kill9_duplicates_and_retries_bill_every_session_exactly_once(
    tmp_path: Path,
) -> None:
    result = await run_chaos(tmp_path, chargers=20, sessions=10, kills=1, gap_s=0.4)
    assert result.kills >= 1, "the server was never killed: the fleet finished too early"
    assert result.duplicate_stops == 200
    assert (result.sessions, result.completed, result.cdrs) == (200, 200, 200)
    assert (result.holds, result.credit_cdrs) == (0, 0)
    assert result.trial_balance == {"EUR": Decimal(0)}
    assert result.receivable == Decimal("20.0")
    store = await open_store(f"sqlite:///{tmp_path / 'crash.db'}")
    try:
        items = await store.read(lambda db: issue.list_cdrs(db, 10_000, 0))
    finally:
        await store.aclose()
    assert len({c["transaction_id"] for c in items}) == 200  # one CDR per session
    amounts = {(c["cdr"]["total_energy"], c["cdr"]["total_cost"]["incl_vat"]) for c in items}
    assert amounts == {(0.5, 0.1)}
