"""The ledger on a real SQLite database: journals balance, post once, and a credit CDR plus
its corrected CDR net to the corrected amount (property-tested)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from evgw.billing import _ledger as ledger
from evgw.billing._issue import credit_body
from evgw.store._db import SqliteDb
from evgw.store._migrations import apply_migrations
from hypothesis import given, settings
from hypothesis import strategies as st


@pytest.fixture
def db() -> Iterator[SqliteDb]:
    conn = SqliteDb(":memory:")
    apply_migrations(conn)
    yield conn
    conn.close()


def cdr(cdr_id: str, token: str, excl_cents: int, vat_percent: int) -> dict[str, Any]:
    excl = Decimal(excl_cents) / 100
    incl = (excl * (100 + vat_percent) / 100).quantize(Decimal("0.01"))
    total = {"excl_vat": float(excl), "incl_vat": float(incl)}
    return {
        "id": cdr_id,
        "currency": "EUR",
        "cdr_token": {"uid": token},
        "total_cost": total,
        "total_energy_cost": total,
    }


def test_a_journal_posts_once_and_must_balance(db: SqliteDb) -> None:
    first = cdr("A", "TAG1", 1000, 19)
    assert ledger.post_cdr(db, first)
    assert not ledger.post_cdr(db, first)  # a retry (or a crash replay) posts nothing
    with pytest.raises(ledger.UnbalancedJournal):
        ledger.post(db, "bad", "EUR", [("revenue", Decimal("-1")), ("vat", Decimal("0.5"))])
    assert ledger.balances(db)[("receivable:TAG1", "EUR")] == Decimal("11.9")
    assert ledger.trial_balance(db) == {"EUR": 0}


sessions = st.lists(
    st.tuples(
        st.sampled_from(["TAG1", "TAG2", "FLEET"]),
        st.integers(0, 100_000),
        st.sampled_from([0, 7, 19, 20]),
        st.one_of(st.none(), st.integers(0, 100_000)),  # a corrected amount, or none
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(sessions)
def test_credit_and_rebill_net_to_the_corrected_amount_and_books_balance(
    rows: list[tuple[str, int, int, int | None]],
) -> None:
    db = SqliteDb(":memory:")
    apply_migrations(db)
    owed: dict[str, Decimal] = {}
    for i, (token, cents, vat, corrected) in enumerate(rows):
        original = cdr(f"S{i}", token, cents, vat)
        ledger.post_cdr(db, original)
        live = original
        if corrected is not None:
            ledger.post_cdr(db, credit_body(original, f"S{i}-C"))
            live = cdr(f"S{i}-2", token, corrected, vat)
            ledger.post_cdr(db, live)
        owed[token] = owed.get(token, Decimal(0)) + Decimal(str(live["total_cost"]["incl_vat"]))
    balances = ledger.balances(db)
    assert ledger.trial_balance(db) in ({}, {"EUR": 0})
    for token, amount in owed.items():
        assert balances[(f"receivable:{token}", "EUR")] == amount
    db.close()
