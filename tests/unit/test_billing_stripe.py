"""The Stripe provider through the official `stripe` package, against a local stand-in that
follows Stripe's documented API (Stripe cannot be reached from here), over a real socket:
holds, incremental authorization, capture <= hold, void, refunds, idempotency keys, declines,
an outage with back-off, and the outbox drained by the component's async task."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from evgw.billing import _ledger as ledger
from evgw.billing import _payments as payments
from evgw.billing._payment_task import drain_due
from evgw.billing._stripe import StripeProvider
from evgw.store import open_store
from evgw.store._db import SqliteDb
from evgw.testing.stripe_standin import StripeStandIn

from tests.unit.billing_db import open_db, writer


@pytest.fixture
def standin() -> Iterator[StripeStandIn]:
    s = StripeStandIn().start()
    yield s
    s.stop()


@pytest.fixture
def db() -> Iterator[SqliteDb]:
    conn = open_db()
    yield conn
    conn.close()


def provider(standin: StripeStandIn) -> StripeProvider:
    return StripeProvider(standin.api_key, api_base=standin.api_base, timeout_s=5)


def hold(db: SqliteDb, psp: StripeProvider, pm: str = "pm_card_visa", amount: int = 5000) -> None:
    write = writer(db)
    write(lambda d: payments.request_hold(d, "S1", amount, "EUR", 2, payment_method=pm))
    assert payments.drain(write, psp) == 1


def test_hold_increment_capture_and_refund(db: SqliteDb, standin: StripeStandIn) -> None:
    psp, write = provider(standin), writer(db)
    hold(db, psp)
    p = payments.get(db, "S1")
    assert p is not None
    assert (p.state, p.held_minor, p.incremental) == ("AUTHORIZED", 5000, True)
    pi = standin.intents[p.reference or ""]
    assert (pi.status, pi.metadata) == ("requires_capture", {"session_id": "S1"})

    key = write(lambda d: payments.request_increment(d, "S1", 7500))
    assert key == "incr:S1:1"
    assert payments.drain(write, psp) == 1
    assert payments.get(db, "S1").held_minor == 7500  # type: ignore[union-attr]
    assert pi.amount == 7500

    write(lambda d: payments.request_capture(d, "S1", 6123))
    assert payments.drain(write, psp) == 1
    assert (pi.status, pi.amount_received) == ("succeeded", 6123)
    write(lambda d: payments.request_refund(d, "S1", "S1-C", 1000))
    assert payments.drain(write, psp) == 1
    assert pi.refunded == 1000
    books = ledger.balances(db)
    assert books[("psp_clearing", "EUR")] == Decimal("51.23")
    assert ledger.trial_balance(db) == {"EUR": 0}
    sent = {key for _, _, key in standin.requests}
    assert {"hold:S1", "incr:S1:1", "capture:S1", "refund:S1-C"} <= sent


def test_a_capture_larger_than_the_hold(db: SqliteDb, standin: StripeStandIn) -> None:
    psp, write = provider(standin), writer(db)
    hold(db, psp)
    with pytest.raises(payments.PaymentRefused, match="exceeds the hold"):
        write(lambda d: payments.request_capture(d, "S1", 5001))
    assert standin.captures() == []  # refused before anything was sent
    # Had it been sent, Stripe refuses it too, and nothing is captured or booked.
    ref = payments.get(db, "S1").reference  # type: ignore[union-attr]
    result = psp.capture("capture:other", ref or "", 5001)
    assert (result.ok, result.error) == (False, "amount_too_large")
    assert standin.intents[ref or ""].status == "requires_capture"
    assert ("psp_clearing", "EUR") not in ledger.balances(db)


def test_a_card_without_incremental_authorization_cannot_be_raised(
    db: SqliteDb, standin: StripeStandIn
) -> None:
    psp, write = provider(standin), writer(db)
    hold(db, psp, pm="pm_card_no_increment")
    assert payments.get(db, "S1").incremental is False  # type: ignore[union-attr]
    with pytest.raises(payments.PaymentRefused, match="incremental"):
        write(lambda d: payments.request_increment(d, "S1", 9000))


def test_a_declined_card_fails_the_hold(db: SqliteDb, standin: StripeStandIn) -> None:
    psp = provider(standin)
    hold(db, psp, pm="pm_card_chargeDeclined")
    p = payments.get(db, "S1")
    assert p is not None
    assert (p.state, p.error) == ("FAILED", "hold: card_declined")


def test_zero_voids_and_a_retried_key_gets_the_first_answer(
    db: SqliteDb, standin: StripeStandIn
) -> None:
    psp, write = provider(standin), writer(db)
    hold(db, psp)
    again = psp.authorize_hold("hold:S1", 5000, "EUR", "pm_card_visa", {"session_id": "S1"})
    assert again.reference == payments.get(db, "S1").reference  # type: ignore[union-attr]
    assert len(standin.intents) == 1  # the same key made one intent
    other = psp.authorize_hold("hold:S1", 6000, "EUR", "pm_card_visa", {"session_id": "S1"})
    assert (other.ok, other.error) == (False, "IdempotencyError")
    write(lambda d: payments.request_capture(d, "S1", 0))
    payments.drain(write, psp)
    p = payments.get(db, "S1")
    assert p is not None
    assert p.state == "VOIDED"
    assert standin.intents[p.reference or ""].status == "canceled"


async def test_an_outage_backs_off_and_never_loses_the_intent(
    tmp_path: object, standin: StripeStandIn
) -> None:
    store = await open_store(f"sqlite:///{tmp_path}/o.db")
    try:
        psp = provider(standin)
        await store.write(lambda d: payments.request_hold(d, "S1", 5000, "EUR", 2))
        standin.down = True
        t0 = datetime.now(UTC)
        assert await drain_due(store, psp, lambda: t0) == 0
        assert await drain_due(store, psp, lambda: t0) == 0  # not due yet: not even tried
        row = await store.read(
            lambda d: d.one(
                "SELECT attempts, last_error FROM billing_outbox WHERE key = ?", ("hold:S1",)
            )
        )
        assert row is not None
        assert int(row[0]) == 1
        assert "ConnectionError" in row[1]
        assert len([r for r in standin.requests if r[2] == "hold:S1"]) == 1
        later = t0 + timedelta(seconds=1.5)
        assert await drain_due(store, psp, lambda: later) == 0  # down again: 2 s now
        standin.down = False
        assert await drain_due(store, psp, lambda: later + timedelta(seconds=1)) == 0
        assert await drain_due(store, psp, lambda: later + timedelta(seconds=2.5)) == 1
        p = await store.read(payments.reader("S1"))
        assert p is not None
        assert p.state == "AUTHORIZED"
        assert len(standin.intents) == 1
    finally:
        await store.aclose()
