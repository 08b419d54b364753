"""Card payments behind one port, driven by a durable outbox.

The port (`PaymentProvider`) has the calls every PSP offers: hold, increment, capture, void,
refund, each taking a deterministic idempotency key (`hold:{session}`, `incr:{session}:{n}`,
`capture:{session}`, `void:{session}`, `refund:{credit cdr}`). A provider stores the first
result per key and answers it again (Stripe does), so a retry after a crash never charges
twice.

Order of work for every state change: (1) record the intent in the outbox, committed;
(2) call the provider with the intent's key, outside any database transaction; (3) record
the result, the payment's new state and its ledger journal in one transaction. A crash
between (2) and (3) leaves the intent pending; the next `drain` calls the provider again with
the same key, gets the stored result, and records it once. A provider outage leaves intents
pending and never blocks charging.

Only the port and an in-memory provider that behaves like Stripe's idempotent API exist
(`evgw.billing._psp_double`); no real PSP adapter is wired yet.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol, TypeVar

import attrs

from evgw.store import Db

from . import _ledger as ledger

T = TypeVar("T")
Write = Callable[[Callable[[Db], T]], T]


@attrs.frozen
class PspResult:
    ok: bool
    reference: str
    amount_minor: int
    error: str | None = None


class PaymentProvider(Protocol):
    def authorize_hold(self, key: str, amount_minor: int, currency: str) -> PspResult: ...
    def increment(self, key: str, reference: str, new_total_minor: int) -> PspResult: ...
    def capture(self, key: str, reference: str, amount_minor: int) -> PspResult: ...
    def void(self, key: str, reference: str) -> PspResult: ...
    def refund(self, key: str, reference: str, amount_minor: int) -> PspResult: ...


class PaymentRefused(ValueError):
    pass


@attrs.frozen
class Payment:
    session_id: str
    currency: str
    exponent: int
    state: str  # PENDING_HOLD | AUTHORIZED | CAPTURED | VOIDED | FAILED
    reference: str | None
    held_minor: int
    captured_minor: int
    refunded_minor: int


_COLUMNS = (
    "session_id, currency, exponent, state, reference, held_minor, captured_minor, refunded_minor"
)


def get(db: Db, session_id: str) -> Payment | None:
    r = db.one(f"SELECT {_COLUMNS} FROM billing_payments WHERE session_id = ?", (session_id,))
    return None if r is None else Payment(r[0], r[1], int(r[2]), r[3], r[4], *map(int, r[5:8]))


def _enqueue(db: Db, key: str, op: str, session_id: str, args: dict[str, Any]) -> None:
    db.run(
        "INSERT INTO billing_outbox (key, op, session_id, args, state, attempts, created_at) "
        "VALUES (?, ?, ?, ?, 'pending', 0, ?) ON CONFLICT (key) DO NOTHING",
        (key, op, session_id, json.dumps(args, sort_keys=True), db.ts(datetime.now(UTC))),
    )


def request_hold(db: Db, session_id: str, amount_minor: int, currency: str, exponent: int) -> None:
    """Open a payment for a session and queue its hold (idempotent per session)."""
    db.run(
        "INSERT INTO billing_payments (session_id, currency, exponent, state, held_minor, "
        "captured_minor, refunded_minor) VALUES (?, ?, ?, 'PENDING_HOLD', 0, 0, 0) "
        "ON CONFLICT (session_id) DO NOTHING",
        (session_id, currency, exponent),
    )
    _enqueue(db, f"hold:{session_id}", "hold", session_id, {"amount": amount_minor})


def request_capture(db: Db, session_id: str, amount_minor: int) -> None:
    """Queue the capture of the final amount; refused above the hold, a zero amount voids."""
    p = get(db, session_id)
    if p is None or p.state != "AUTHORIZED":
        raise PaymentRefused(f"no authorized payment for session {session_id!r}")
    if amount_minor > p.held_minor:
        raise PaymentRefused(f"capture {amount_minor} exceeds the hold {p.held_minor}")
    if amount_minor == 0:
        _enqueue(db, f"void:{session_id}", "void", session_id, {})
    else:
        _enqueue(db, f"capture:{session_id}", "capture", session_id, {"amount": amount_minor})


def request_refund(db: Db, session_id: str, credit_cdr_id: str, amount_minor: int) -> None:
    """Queue a refund paired with a credit CDR (at most what was captured and not refunded)."""
    p = get(db, session_id)
    if p is None or p.state != "CAPTURED":
        raise PaymentRefused(f"no captured payment for session {session_id!r}")
    if amount_minor > p.captured_minor - p.refunded_minor:
        raise PaymentRefused(f"refund {amount_minor} exceeds what is left to refund")
    _enqueue(db, f"refund:{credit_cdr_id}", "refund", session_id, {"amount": amount_minor})


def _pending(db: Db) -> list[tuple[str, str, str, dict[str, Any]]]:
    rows = db.all(
        "SELECT key, op, session_id, args FROM billing_outbox WHERE state = 'pending' "
        "ORDER BY created_at, key"
    )
    return [(r[0], r[1], r[2], json.loads(r[3])) for r in rows]


def _call(psp: PaymentProvider, key: str, op: str, p: Payment, args: dict[str, Any]) -> PspResult:
    ref = p.reference or ""
    if op == "hold":
        return psp.authorize_hold(key, args["amount"], p.currency)
    if op == "capture":
        return psp.capture(key, ref, args["amount"])
    if op == "void":
        return psp.void(key, ref)
    return psp.refund(key, ref, args["amount"])


def _money(minor: int, exponent: int) -> Decimal:
    return Decimal(minor).scaleb(-exponent)


def _record(db: Db, key: str, op: str, p: Payment, result: PspResult) -> None:
    """The result, the payment's state and its journal, in one transaction (once per key)."""
    done = db.run(
        "UPDATE billing_outbox SET state = ?, attempts = attempts + 1 "
        "WHERE key = ? AND state = 'pending'",
        ("done" if result.ok else "failed", key),
    )
    if not done:
        return
    if not result.ok:
        state = "FAILED" if op == "hold" else p.state
        db.run("UPDATE billing_payments SET state = ? WHERE session_id = ?", (state, p.session_id))
        return
    sets = {
        "hold": (
            "AUTHORIZED",
            "held_minor = ?, reference = ?",
            (result.amount_minor, result.reference),
        ),
        "capture": ("CAPTURED", "captured_minor = ?", (result.amount_minor,)),
        "void": ("VOIDED", "held_minor = held_minor", ()),
        "refund": (p.state, "refunded_minor = refunded_minor + ?", (result.amount_minor,)),
    }
    state, assignment, params = sets[op]
    db.run(
        f"UPDATE billing_payments SET state = ?, {assignment} WHERE session_id = ?",
        (state, *params, p.session_id),
    )
    amount = _money(result.amount_minor, p.exponent)
    if op == "capture":  # cash at the PSP settles what the session's token owes
        entries = [("psp_clearing", amount), (f"receivable:session:{p.session_id}", -amount)]
        ledger.post(db, f"payment:{key}", p.currency, entries)
    elif op == "refund":
        entries = [(f"receivable:session:{p.session_id}", amount), ("psp_clearing", -amount)]
        ledger.post(db, f"payment:{key}", p.currency, entries)


def _reader(session_id: str) -> Callable[[Db], Payment | None]:
    return lambda db: get(db, session_id)


def _recorder(key: str, op: str, p: Payment, result: PspResult) -> Callable[[Db], None]:
    def record(db: Db) -> None:
        _record(db, key, op, p, result)

    return record


def drain(write: Write[Any], psp: PaymentProvider) -> int:
    """Work off the pending intents; answer how many were recorded. A provider that raises
    ConnectionError (an outage) leaves the intent pending for the next drain."""
    recorded = 0
    for key, op, session_id, args in write(_pending):
        payment = write(_reader(session_id))
        if payment is None:
            continue
        try:
            result = _call(psp, key, op, payment, args)
        except ConnectionError:
            continue
        write(_recorder(key, op, payment, result))
        recorded += 1
    return recorded
