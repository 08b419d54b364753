"""Card payments behind one port, driven by a durable outbox.

The port (`PaymentProvider`) has the calls every PSP offers: hold, increment, capture, void,
refund, each taking a deterministic idempotency key (`hold:{session}`, `incr:{session}:{n}`,
`capture:{session}`, `void:{session}`, `refund:{credit cdr}`). A provider stores the first
result per key and answers it again (Stripe does), so a retry after a crash never charges
twice.

Order of work for every state change: (1) record the intent in the outbox, committed;
(2) call the provider with the intent's key, outside any database transaction; (3) record
the result, the payment's new state and its ledger journal in one transaction. A crash
between (2) and (3) leaves the intent pending; the next drain calls the provider again with
the same key, gets the stored result, and records it once. A provider outage leaves intents
pending with a growing back-off (`next_at`) and never blocks charging: the drain runs in
the billing component's own task (`_payment_task`).

Providers: `evgw.billing._stripe.StripeProvider` (the `stripe` package) and, for tests, the
in-memory `evgw.billing._psp_double.InMemoryPsp`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
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
    incremental: bool = False  # the hold can be raised (incremental authorization)


@attrs.frozen
class PspState:
    """What the provider says of a payment now (AUTHORIZED | CAPTURED | VOIDED | PENDING)."""

    reference: str
    state: str
    amount_minor: int


class PaymentProvider(Protocol):
    def authorize_hold(
        self,
        key: str,
        amount_minor: int,
        currency: str,
        payment_method: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> PspResult: ...
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
    incremental: bool = False
    increments: int = 0
    account: str | None = None  # the receivable a capture settles
    payment_method: str | None = None
    error: str | None = None

    @property
    def receivable(self) -> str:
        return self.account or f"receivable:session:{self.session_id}"


_COLUMNS = (
    "session_id, currency, exponent, state, reference, held_minor, captured_minor, "
    "refunded_minor, incremental, increments, account, payment_method, error"
)


def _payment(r: tuple[Any, ...]) -> Payment:
    held, captured, refunded = (int(v) for v in r[5:8])
    return Payment(
        session_id=r[0],
        currency=r[1],
        exponent=int(r[2]),
        state=r[3],
        reference=r[4],
        held_minor=held,
        captured_minor=captured,
        refunded_minor=refunded,
        incremental=bool(r[8]),
        increments=int(r[9] or 0),
        account=r[10],
        payment_method=r[11],
        error=r[12],
    )


def get(db: Db, session_id: str) -> Payment | None:
    r = db.one(f"SELECT {_COLUMNS} FROM billing_payments WHERE session_id = ?", (session_id,))
    return None if r is None else _payment(r)


def by_reference(db: Db, reference: str) -> Payment | None:
    r = db.one(f"SELECT {_COLUMNS} FROM billing_payments WHERE reference = ?", (reference,))
    return None if r is None else _payment(r)


def _now(db: Db) -> Any:
    return db.ts(datetime.now(UTC))


def _enqueue(db: Db, key: str, op: str, session_id: str, args: dict[str, Any]) -> None:
    db.run(
        "INSERT INTO billing_outbox (key, op, session_id, args, state, attempts, created_at, "
        "next_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (key) DO NOTHING",
        (key, op, session_id, json.dumps(args, sort_keys=True), _now(db), _now(db)),
    )


def request_hold(
    db: Db,
    session_id: str,
    amount_minor: int,
    currency: str,
    exponent: int,
    *,
    payment_method: str | None = None,
    account: str | None = None,
) -> None:
    """Open a payment for a session and queue its hold (idempotent per session)."""
    if amount_minor < 1:
        raise PaymentRefused("a hold must be at least one minor unit")
    db.run(
        "INSERT INTO billing_payments (session_id, currency, exponent, state, held_minor, "
        "captured_minor, refunded_minor, incremental, increments, account, payment_method, "
        "created_at) VALUES (?, ?, ?, 'PENDING_HOLD', 0, 0, 0, 0, 0, ?, ?, ?) "
        "ON CONFLICT (session_id) DO NOTHING",
        (session_id, currency, exponent, account, payment_method, _now(db)),
    )
    _enqueue(db, f"hold:{session_id}", "hold", session_id, {"amount": amount_minor})


def request_increment(db: Db, session_id: str, new_total_minor: int) -> str:
    """Queue raising the hold to `new_total_minor` (keyed by the increment's number)."""
    p = get(db, session_id)
    if p is None or p.state != "AUTHORIZED":
        raise PaymentRefused(f"no authorized payment for session {session_id!r}")
    if not p.incremental:
        raise PaymentRefused("the card does not support incremental authorization")
    if new_total_minor <= p.held_minor:
        raise PaymentRefused(f"an increment must exceed the hold {p.held_minor}")
    key = f"incr:{session_id}:{p.increments + 1}"
    _enqueue(db, key, "increment", session_id, {"amount": new_total_minor})
    db.run(
        "UPDATE billing_payments SET increments = increments + 1 WHERE session_id = ?",
        (session_id,),
    )
    return key


def request_capture(db: Db, session_id: str, amount_minor: int) -> None:
    """Queue the capture of the final amount; refused above the hold, a zero amount voids."""
    p = get(db, session_id)
    if p is None or p.state != "AUTHORIZED":
        raise PaymentRefused(f"no authorized payment for session {session_id!r}")
    if amount_minor > p.held_minor:
        raise PaymentRefused(f"capture {amount_minor} exceeds the hold {p.held_minor}")
    if amount_minor < 0:
        raise PaymentRefused("a capture cannot be negative")
    if amount_minor == 0:
        _enqueue(db, f"void:{session_id}", "void", session_id, {})
    else:
        _enqueue(db, f"capture:{session_id}", "capture", session_id, {"amount": amount_minor})


def request_void(db: Db, session_id: str) -> None:
    p = get(db, session_id)
    if p is None or p.state not in {"AUTHORIZED", "PENDING_HOLD"}:
        raise PaymentRefused(f"no open hold for session {session_id!r}")
    _enqueue(db, f"void:{session_id}", "void", session_id, {})


def request_refund(db: Db, session_id: str, credit_cdr_id: str, amount_minor: int) -> None:
    """Queue a refund paired with a credit CDR (at most what was captured and not refunded)."""
    p = get(db, session_id)
    if p is None or p.state != "CAPTURED":
        raise PaymentRefused(f"no captured payment for session {session_id!r}")
    if amount_minor > p.captured_minor - p.refunded_minor:
        raise PaymentRefused(f"refund {amount_minor} exceeds what is left to refund")
    _enqueue(db, f"refund:{credit_cdr_id}", "refund", session_id, {"amount": amount_minor})


Intent = tuple[str, str, str, dict[str, Any]]


def pending(db: Db, now: datetime | None = None, limit: int = 100) -> list[Intent]:
    """Pending intents, oldest first; with `now`, only those whose back-off has passed."""
    due = "" if now is None else "AND (next_at IS NULL OR next_at <= ?) "
    params: tuple[Any, ...] = () if now is None else (db.ts(now),)
    rows = db.all(
        "SELECT key, op, session_id, args FROM billing_outbox WHERE state = 'pending' "
        f"{due}ORDER BY created_at, key LIMIT ?",
        (*params, limit),
    )
    return [(r[0], r[1], r[2], json.loads(r[3])) for r in rows]


def _call(psp: PaymentProvider, key: str, op: str, p: Payment, args: dict[str, Any]) -> PspResult:
    ref = p.reference or ""
    if op == "hold":
        meta = {"session_id": p.session_id}
        return psp.authorize_hold(key, args["amount"], p.currency, p.payment_method, meta)
    if op == "increment":
        return psp.increment(key, ref, args["amount"])
    if op == "capture":
        return psp.capture(key, ref, args["amount"])
    if op == "void":
        return psp.void(key, ref)
    return psp.refund(key, ref, args["amount"])


def _money(minor: int, exponent: int) -> Decimal:
    return Decimal(minor).scaleb(-exponent)


def _failed(db: Db, op: str, p: Payment, result: PspResult) -> None:
    state = "FAILED" if op == "hold" else p.state
    db.run(
        "UPDATE billing_payments SET state = ?, error = ? WHERE session_id = ?",
        (state, f"{op}: {result.error}", p.session_id),
    )


_SETS: dict[str, tuple[str | None, str]] = {
    "hold": ("AUTHORIZED", "held_minor = ?, reference = ?, incremental = ?"),
    "increment": (None, "held_minor = ?, incremental = ?"),
    "capture": ("CAPTURED", "captured_minor = ?"),
    "void": ("VOIDED", "held_minor = held_minor"),
    "refund": (None, "refunded_minor = refunded_minor + ?"),
}


def _params(op: str, result: PspResult) -> tuple[Any, ...]:
    if op == "hold":
        return (result.amount_minor, result.reference, int(result.incremental))
    if op == "increment":
        return (result.amount_minor, int(result.incremental))
    return () if op == "void" else (result.amount_minor,)


def _record(db: Db, key: str, op: str, p: Payment, result: PspResult) -> None:
    """The result, the payment's state and its journal, in one transaction (once per key)."""
    done = db.run(
        "UPDATE billing_outbox SET state = ?, attempts = attempts + 1, last_error = ? "
        "WHERE key = ? AND state = 'pending'",
        ("done" if result.ok else "failed", result.error, key),
    )
    if not done:
        return
    if not result.ok:
        _failed(db, op, p, result)
        return
    state, assignment = _SETS[op]
    db.run(
        f"UPDATE billing_payments SET state = ?, {assignment} WHERE session_id = ?",
        (state or p.state, *_params(op, result), p.session_id),
    )
    amount = _money(result.amount_minor, p.exponent)
    if op == "capture":  # cash at the PSP settles what the session's token owes
        entries = [("psp_clearing", amount), (p.receivable, -amount)]
        ledger.post(db, f"payment:{key}", p.currency, entries)
    elif op == "refund":
        entries = [(p.receivable, amount), ("psp_clearing", -amount)]
        ledger.post(db, f"payment:{key}", p.currency, entries)


#: back-off after a provider outage: base * 2^attempts, capped.
BACKOFF_BASE_S = 1.0
BACKOFF_MAX_S = 300.0


def backoff(key: str, error: str, now: datetime) -> Callable[[Db], float]:
    """Count a failed attempt and push the intent's next try out (answers the delay)."""

    def op(db: Db) -> float:
        row = db.one("SELECT attempts FROM billing_outbox WHERE key = ?", (key,))
        attempts = 0 if row is None else int(row[0])
        delay = float(min(BACKOFF_BASE_S * 2**attempts, BACKOFF_MAX_S))
        db.run(
            "UPDATE billing_outbox SET attempts = attempts + 1, last_error = ?, next_at = ? "
            "WHERE key = ? AND state = 'pending'",
            (error[:500], db.ts(now + timedelta(seconds=delay)), key),
        )
        return delay

    return op


def nudge(db: Db, session_id: str) -> None:
    """Retry the session's pending intents now (a webhook said the provider moved on)."""
    db.run(
        "UPDATE billing_outbox SET next_at = ? WHERE session_id = ? AND state = 'pending'",
        (_now(db), session_id),
    )


def reader(session_id: str) -> Callable[[Db], Payment | None]:
    return lambda db: get(db, session_id)


def recorder(key: str, op: str, p: Payment, result: PspResult) -> Callable[[Db], None]:
    def record(db: Db) -> None:
        _record(db, key, op, p, result)

    return record


def drain(write: Write[Any], psp: PaymentProvider) -> int:
    """Work off every pending intent, due or not (tests, tools); answer how many were
    recorded. A provider that raises ConnectionError (an outage) leaves the intent pending."""
    recorded = 0
    for key, op, session_id, args in write(pending):
        payment = write(reader(session_id))
        if payment is None:
            continue
        try:
            result = _call(psp, key, op, payment, args)
        except ConnectionError:
            continue
        write(recorder(key, op, payment, result))
        recorded += 1
    return recorded


def call(psp: PaymentProvider, intent: Intent, payment: Payment) -> PspResult:
    key, op, _, args = intent
    return _call(psp, key, op, payment, args)


def list_payments(db: Db, limit: int, offset: int) -> list[Payment]:
    rows = db.all(
        f"SELECT {_COLUMNS} FROM billing_payments ORDER BY created_at, session_id LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return [_payment(r) for r in rows]


def record_event(db: Db, provider: str, event_id: str, kind: str, reference: str) -> bool:
    """Remember a webhook event once; False when it was seen before (a duplicate)."""
    row = db.one(
        "INSERT INTO billing_provider_events (provider, event_id, type, reference, received_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (provider, event_id) DO NOTHING RETURNING event_id",
        (provider, event_id, kind, reference, _now(db)),
    )
    return row is not None


def reconcile(db: Db, state: PspState) -> str:
    """Apply what the provider says the payment is now. Only moves forward: an open hold the
    provider cancelled (expiry, dashboard) becomes VOIDED; a capture or void the provider
    already did while ours is pending is retried now (same key: its stored result is
    recorded, with the journal, by the outbox). Answers what was done."""
    p = by_reference(db, state.reference)
    if p is None:
        return "unknown_payment"
    if state.state == "VOIDED" and p.state == "AUTHORIZED":
        if db.one(
            "SELECT 1 FROM billing_outbox WHERE session_id = ? AND state = 'pending' "
            "AND op IN ('capture', 'void')",
            (p.session_id,),
        ):
            nudge(db, p.session_id)
            return "retry"
        db.run(
            "UPDATE billing_payments SET state = 'VOIDED', error = 'cancelled at the provider' "
            "WHERE session_id = ?",
            (p.session_id,),
        )
        return "voided"
    if state.state != p.state:
        nudge(db, p.session_id)
        return "retry"
    return "in_step"
