"""Double-entry ledger: every money event is one journal whose entries sum to zero.

Accounts: ``receivable:<token>`` (what a driver or partner owes), ``revenue``, ``vat``. A CDR
posts receivable (incl VAT) = revenue (excl) + VAT; a credit CDR (negative totals) the
reversal. The
journal key is unique and the posting runs in the same database transaction as the CDR, so a
crash cannot leave a CDR without its entries or post one twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from evgw.store import Db


class UnbalancedJournal(ValueError):
    pass


def post(db: Db, key: str, currency: str, entries: list[tuple[str, Decimal]]) -> bool:
    """Post a journal once (False when the key exists). Entries must sum to zero."""
    if sum((amount for _, amount in entries), Decimal(0)) != 0:
        raise UnbalancedJournal(f"journal {key} does not balance: {entries}")
    now = db.ts(datetime.now(UTC))
    row = db.one(
        "INSERT INTO billing_journals (key, currency, created_at) VALUES (?, ?, ?) "
        "ON CONFLICT (key) DO NOTHING RETURNING key",
        (key, currency, now),
    )
    if row is None:
        return False
    db.many(
        "INSERT INTO billing_entries (journal_key, account, amount, currency) VALUES (?, ?, ?, ?)",
        [(key, account, str(amount), currency) for account, amount in entries],
    )
    return True


def post_cdr(db: Db, cdr: dict[str, Any]) -> bool:
    total = cdr["total_cost"]
    incl, excl = Decimal(str(total["incl_vat"])), Decimal(str(total["excl_vat"]))
    token = cdr["cdr_token"]["uid"] or "unknown"
    entries = [
        (f"receivable:{token}", incl),
        ("revenue", -excl),
        ("vat", excl - incl),
    ]
    return post(db, f"cdr:{cdr['id']}", cdr["currency"], entries)


def balances(db: Db) -> dict[tuple[str, str], Decimal]:
    """(account, currency) -> balance."""
    out: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for account, amount, currency in db.all(
        "SELECT account, amount, currency FROM billing_entries"
    ):
        out[(account, currency)] += Decimal(amount)
    return dict(out)


def trial_balance(db: Db) -> dict[str, Decimal]:
    """currency -> sum of every entry (always 0 when the books are right)."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for (_, currency), amount in balances(db).items():
        out[currency] += amount
    return dict(out)
