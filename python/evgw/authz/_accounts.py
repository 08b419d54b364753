"""Accounts (driver, fleet, roaming partner) that own tokens, with their limits.

A token belongs to the account named by its ``owner`` (or its group token's owner). Limits:
``balance`` (prepaid: None means post-paid) is debited by each session's CDR total;
``max_session_cost`` caps one session. Amounts are decimals in the account's currency
(ISO 4217, checked by the pricing engine's currency table), never negative.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from evgw._core import Tariff, TariffError
from evgw.store import Db

KINDS = ("driver", "fleet", "roaming_partner")
STATUSES = ("active", "blocked")


class AccountRejected(ValueError):
    """args: (field, message)."""


@attrs.frozen
class Account:
    id: str
    kind: str
    name: str
    currency: str
    status: str = "active"
    balance: Decimal | None = None
    max_session_cost: Decimal | None = None
    language: str | None = None
    personal_message: str | None = None

    def session_limit(self) -> Decimal | None:
        """What one session may cost: the lower of the cap and the prepaid balance."""
        limits = [x for x in (self.max_session_cost, self.balance) if x is not None]
        return min(limits) if limits else None


def currency_exponent(code: str) -> int:
    """Minor-unit digits of an active ISO 4217 currency; AccountRejected when unknown."""
    probe = {
        "id": "currency-check",
        "currency": code,
        "elements": [{"price_components": [{"type": "FLAT", "price": 0, "step_size": 1}]}],
    }
    try:
        return Tariff(json.dumps(probe)).exponent
    except TariffError:
        raise AccountRejected("currency", f"{code!r} is not an active ISO 4217 code") from None


def amount(name: str, value: object, exponent: int) -> Decimal | None:
    """A non-negative decimal with at most `exponent` fraction digits (text or number)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise AccountRejected(name, "must be a decimal amount (string or number)")
    try:
        parsed = Decimal(str(value))
    except InvalidOperation:
        raise AccountRejected(name, f"{value!r} is not a decimal amount") from None
    if not parsed.is_finite() or parsed < 0:
        raise AccountRejected(name, "must be zero or more")
    if -parsed.as_tuple().exponent > exponent:  # type: ignore[operator]
        raise AccountRejected(name, f"more than {exponent} decimals for this currency")
    return parsed


def _row(r: tuple[Any, ...]) -> Account:
    return Account(
        r[0],
        r[1],
        r[2],
        r[4],
        r[3],
        None if r[5] is None else Decimal(r[5]),
        None if r[6] is None else Decimal(r[6]),
        r[7],
        r[8],
    )


_COLUMNS = "id, kind, name, status, currency, balance, max_session_cost, language, personal_message"


def get(db: Db, account_id: str) -> Account | None:
    r = db.one(f"SELECT {_COLUMNS} FROM authz_accounts WHERE id = ?", (account_id,))
    return None if r is None else _row(r)


def page(db: Db, limit: int, offset: int) -> list[Account]:
    rows = db.all(
        f"SELECT {_COLUMNS} FROM authz_accounts ORDER BY id LIMIT ? OFFSET ?", (limit, offset)
    )
    return [_row(r) for r in rows]


def _text(x: Decimal | None) -> str | None:
    return None if x is None else str(x)


def put(db: Db, a: Account) -> bool:
    """Create (True) or replace (False)."""
    existed = get(db, a.id) is not None
    values = (
        *(a.kind, a.name, a.status, a.currency, _text(a.balance), _text(a.max_session_cost)),
        *(a.language, a.personal_message, db.ts(datetime.now(UTC))),
    )
    if existed:
        db.run(
            "UPDATE authz_accounts SET kind = ?, name = ?, status = ?, currency = ?, balance = ?, "
            "max_session_cost = ?, language = ?, personal_message = ?, updated_at = ? WHERE id = ?",
            (*values, a.id),
        )
    else:
        db.run(
            "INSERT INTO authz_accounts (kind, name, status, currency, balance, max_session_cost, "
            "language, personal_message, updated_at, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*values, a.id),
        )
    return not existed


def delete(db: Db, account_id: str) -> bool:
    return db.run("DELETE FROM authz_accounts WHERE id = ?", (account_id,)) > 0


def token_count(db: Db, account_id: str) -> int:
    r = db.one("SELECT COUNT(*) FROM id_tokens WHERE owner = ?", (account_id,))
    return 0 if r is None else int(r[0])


def debit_sessions(db: Db) -> int:
    """Debit every prepaid account once per CDR of a session of one of its tokens (the CDR's
    total incl VAT); answers how many were debited. The balance may go below zero (a session
    ends where it ends); the next authorization is then NoCredit."""
    rows = db.all(
        "SELECT c.transaction_id, a.id, c.total_incl_vat, a.balance FROM billing_cdrs c "
        "JOIN transactions t ON t.id = c.transaction_id "
        "JOIN id_tokens k ON k.id = t.id_token "
        "JOIN authz_accounts a ON a.id = k.owner "
        "WHERE c.kind = 'cdr' AND a.balance IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM authz_debits d WHERE d.transaction_id = c.transaction_id)"
    )
    now = db.ts(datetime.now(UTC))
    for tx_id, account_id, total, _ in rows:
        db.run(
            "INSERT INTO authz_debits (transaction_id, account_id, amount, created_at) "
            "VALUES (?, ?, ?, ?)",
            (tx_id, account_id, total, now),
        )
        current = db.one("SELECT balance FROM authz_accounts WHERE id = ?", (account_id,))
        assert current is not None
        assert current[0] is not None
        left = Decimal(current[0]) - Decimal(total)
        db.run("UPDATE authz_accounts SET balance = ? WHERE id = ?", (str(left), account_id))
    return len(rows)
