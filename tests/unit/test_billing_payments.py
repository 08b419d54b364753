"""Payments through the port against the in-memory PSP double (the internet boundary), on a
real SQLite database: hold -> capture, capture above the hold, zero -> void, refunds, a PSP
outage, and a crash between the capture and its ledger entry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from evgw.billing import _ledger as ledger
from evgw.billing import _payments as payments
from evgw.billing._psp_double import InMemoryPsp
from evgw.store._db import SqliteDb
from evgw.store._migrations import apply_migrations


@pytest.fixture
def db() -> Iterator[SqliteDb]:
    conn = SqliteDb(":memory:")
    apply_migrations(conn)
    yield conn
    conn.close()


def writer(db: SqliteDb) -> Callable[[Callable[[SqliteDb], Any]], Any]:
    """Each op in its own committed transaction, like `store.write`."""

    def write(op: Callable[[SqliteDb], Any]) -> Any:
        db.begin_write()
        try:
            out = op(db)
        except BaseException:
            db.rollback()
            raise
        db.commit()
        return out

    return write


def held(db: SqliteDb, psp: InMemoryPsp, session: str = "S1", amount: int = 5000) -> None:
    write = writer(db)
    write(lambda d: payments.request_hold(d, session, amount, "EUR", 2))
    assert payments.drain(write, psp) == 1


def test_hold_then_capture_posts_once_and_retries_are_free(db: SqliteDb) -> None:
    psp, write = InMemoryPsp(), writer(db)
    held(db, psp)
    write(lambda d: payments.request_capture(d, "S1", 4321))
    write(lambda d: payments.request_capture(d, "S1", 4321))  # a duplicate request
    assert payments.drain(write, psp) == 1
    assert payments.drain(write, psp) == 0
    p = payments.get(db, "S1")
    assert p is not None
    assert (p.state, p.held_minor, p.captured_minor) == ("CAPTURED", 5000, 4321)
    assert psp.calls == ["hold:S1", "capture:S1"]
    assert ledger.balances(db)[("psp_clearing", "EUR")] == Decimal("43.21")
    assert ledger.trial_balance(db) == {"EUR": 0}


def test_a_capture_larger_than_the_hold_is_refused_and_nothing_is_sent(db: SqliteDb) -> None:
    psp, write = InMemoryPsp(), writer(db)
    held(db, psp)
    with pytest.raises(payments.PaymentRefused, match="exceeds the hold"):
        write(lambda d: payments.request_capture(d, "S1", 5001))
    assert payments.drain(write, psp) == 0
    assert psp.calls == ["hold:S1"]


def test_a_zero_final_amount_voids_the_hold(db: SqliteDb) -> None:
    psp, write = InMemoryPsp(), writer(db)
    held(db, psp)
    write(lambda d: payments.request_capture(d, "S1", 0))
    payments.drain(write, psp)
    p = payments.get(db, "S1")
    assert p is not None
    assert p.state == "VOIDED"
    assert psp.intents[p.reference or ""].canceled


def test_an_outage_leaves_the_intent_pending_until_the_psp_is_back(db: SqliteDb) -> None:
    psp, write = InMemoryPsp(down=True), writer(db)
    write(lambda d: payments.request_hold(d, "S1", 5000, "EUR", 2))
    assert payments.drain(write, psp) == 0
    p = payments.get(db, "S1")
    assert p is not None
    assert p.state == "PENDING_HOLD"
    psp.down = False
    assert payments.drain(write, psp) == 1
    assert len(psp.intents) == 1


def test_a_crash_between_capture_and_ledger_entry_charges_once(db: SqliteDb) -> None:
    psp, write = InMemoryPsp(), writer(db)
    held(db, psp)
    write(lambda d: payments.request_capture(d, "S1", 4000))
    crashed = {"done": False}

    def crashing_write(op: Callable[[SqliteDb], Any]) -> Any:
        # The first attempt to record the capture dies (process killed after the PSP call).
        is_record = getattr(op, "__name__", "") == "record"
        if is_record and psp.calls[-1:] == ["capture:S1"] and not crashed["done"]:
            crashed["done"] = True
            raise RuntimeError("kill -9")
        return write(op)

    with pytest.raises(RuntimeError):
        payments.drain(crashing_write, psp)
    p = payments.get(db, "S1")
    assert p is not None
    assert p.state == "AUTHORIZED"  # nothing recorded: the intent is still pending
    assert payments.drain(write, psp) == 1  # same key: the PSP answers its stored result
    assert psp.calls.count("capture:S1") == 2
    assert psp.intents[p.reference or ""].captured == 4000  # charged once
    assert ledger.balances(db)[("psp_clearing", "EUR")] == Decimal("40.00")
    assert ledger.trial_balance(db) == {"EUR": 0}


def test_refund_is_keyed_by_the_credit_cdr(db: SqliteDb) -> None:
    psp, write = InMemoryPsp(), writer(db)
    held(db, psp)
    write(lambda d: payments.request_capture(d, "S1", 4000))
    payments.drain(write, psp)
    write(lambda d: payments.request_refund(d, "S1", "S1-C", 1500))
    write(lambda d: payments.request_refund(d, "S1", "S1-C", 1500))
    payments.drain(write, psp)
    p = payments.get(db, "S1")
    assert p is not None
    assert p.refunded_minor == 1500
    assert ledger.balances(db)[("psp_clearing", "EUR")] == Decimal("25.00")
    with pytest.raises(payments.PaymentRefused, match="exceeds"):
        write(lambda d: payments.request_refund(d, "S1", "S1-C2", 2600))
