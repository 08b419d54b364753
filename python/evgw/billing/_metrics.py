"""Prometheus collectors of billing (on `evgw.metrics.REGISTRY`). Counters move after the
store committed what they count; the pricing histogram times the computation itself."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from prometheus_client import Counter, Gauge, Histogram

from evgw.metrics import REGISTRY
from evgw.store import Db

SESSIONS = Counter(
    "evgw_billing_sessions_total",
    "Completed sessions the billing pass handled, by outcome (issued, exists, held, not_billable)",
    ["outcome"],
    registry=REGISTRY,
)
CDRS_ISSUED = Counter(
    "evgw_billing_cdrs_issued_total", "CDRs issued (one per billed session)", registry=REGISTRY
)
REVENUE = Counter(
    "evgw_billing_revenue_total",
    "Total incl. VAT of the CDRs issued (a correction's repriced CDR too), by currency (in the"
    " currency's main unit); net revenue: minus evgw_billing_credited_total",
    ["currency"],
    registry=REGISTRY,
)
CREDITED = Counter(
    "evgw_billing_credited_total",
    "Total incl. VAT of the credit notes issued (the credit CDR of each correction, as a"
    " positive amount), by currency: subtract from evgw_billing_revenue_total for net revenue",
    ["currency"],
    registry=REGISTRY,
)
PRICING_SECONDS = Histogram(
    "evgw_billing_pricing_seconds",
    "Pricing one session from the store (final: for its CDR; running: a live cost)",
    ["kind"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
    registry=REGISTRY,
)
HELD = Gauge(
    "evgw_billing_held_sessions",
    "Sessions held from automatic billing (meter flags, signature, no tariff...)",
    registry=REGISTRY,
)
PAYMENT_CALLS = Counter(
    "evgw_billing_payment_calls_total",
    "Payment provider calls by operation (hold, increment, capture, void, refund) and result"
    " (ok, failed: refused by the provider, error: unreachable, retried with back-off)",
    ["op", "result"],
    registry=REGISTRY,
)
OUTBOX_PENDING = Gauge(
    "evgw_billing_payment_outbox_pending",
    "Payment provider calls waiting in the outbox",
    registry=REGISTRY,
)
OUTBOX_OLDEST = Gauge(
    "evgw_billing_payment_outbox_oldest_seconds",
    "Age of the oldest payment call waiting in the outbox (0: none)",
    registry=REGISTRY,
)


def issued_totals(db: Db, tx_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(currency, total incl. VAT) of the CDRs of these sessions."""
    out: list[tuple[str, str]] = []
    for tx_id in tx_ids:
        out += db.all(
            "SELECT currency, total_incl_vat FROM billing_cdrs"
            " WHERE transaction_id = ? AND kind = 'cdr' AND pricing_version = 1",
            (tx_id,),
        )
    return out


def count_billed(outcomes: Sequence[str], totals: Sequence[tuple[str, str]]) -> None:
    for outcome in outcomes:
        SESSIONS.labels(outcome).inc()
    CDRS_ISSUED.inc(len(totals))
    for currency, total in totals:
        REVENUE.labels(currency).inc(float(Decimal(total)))


def cdr_totals(db: Db, cdr_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(currency, total incl. VAT) of these CDRs (a credit CDR's total is negative)."""
    out: list[tuple[str, str]] = []
    for cdr_id in cdr_ids:
        out += db.all("SELECT currency, total_incl_vat FROM billing_cdrs WHERE id = ?", (cdr_id,))
    return out


def count_correction(credit: Sequence[tuple[str, str]], issued: Sequence[tuple[str, str]]) -> None:
    """A correction committed: its credit note and its repriced CDR."""
    for currency, total in credit:
        CREDITED.labels(currency).inc(abs(float(Decimal(total))))
    CDRS_ISSUED.inc(len(issued))
    for currency, total in issued:
        REVENUE.labels(currency).inc(float(Decimal(total)))


def held_count(db: Db) -> int:
    row = db.one("SELECT COUNT(*) FROM billing_holds")
    return 0 if row is None else int(row[0])


def outbox_state(db: Db) -> tuple[int, datetime | None]:
    """(pending calls, when the oldest was written)."""
    row = db.one("SELECT COUNT(*), MIN(created_at) FROM billing_outbox WHERE state = 'pending'")
    return (0, None) if row is None else (int(row[0]), db.dt(row[1]))


def show_outbox(pending: int, oldest: datetime | None, now: datetime) -> None:
    OUTBOX_PENDING.set(pending)
    OUTBOX_OLDEST.set(0.0 if oldest is None else max(0.0, (now - oldest).total_seconds()))
