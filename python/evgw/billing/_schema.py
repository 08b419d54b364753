"""Tables owned by this part (Billing and payment). Append-only: never edit a shipped step."""

from __future__ import annotations

COMPONENT = "billing"

_V1 = """
CREATE TABLE billing_tariffs (
    id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    currency TEXT NOT NULL,
    body TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE TABLE billing_tariff_versions (
    tariff_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at {ts} NOT NULL,
    PRIMARY KEY (tariff_id, version)
);
CREATE TABLE billing_assignments (
    scope TEXT NOT NULL,
    target TEXT NOT NULL,
    tariff_id TEXT NOT NULL,
    updated_at {ts} NOT NULL,
    PRIMARY KEY (scope, target)
);
CREATE TABLE billing_sessions (
    transaction_id TEXT PRIMARY KEY,
    tariff_id TEXT,
    tariff_version INTEGER,
    tariff_sha256 TEXT,
    tariff_body TEXT,
    time_zone TEXT NOT NULL,
    late_snapshot INTEGER NOT NULL,
    created_at {ts} NOT NULL
);
CREATE TABLE billing_cdrs (
    id TEXT PRIMARY KEY,
    transaction_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    pricing_version INTEGER NOT NULL,
    credit_of TEXT,
    currency TEXT NOT NULL,
    total_excl_vat TEXT NOT NULL,
    total_incl_vat TEXT NOT NULL,
    body TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE UNIQUE INDEX billing_cdrs_once ON billing_cdrs (transaction_id, kind, pricing_version);
CREATE INDEX billing_cdrs_created ON billing_cdrs (created_at, id);
CREATE TABLE billing_holds (
    transaction_id TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL,
    created_at {ts} NOT NULL
)
"""

# The ledger: journals (unique key, one per money event) and their entries (sum 0).
_V2 = """
CREATE TABLE billing_journals (
    key TEXT PRIMARY KEY,
    currency TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE TABLE billing_entries (
    id {id_pk},
    journal_key TEXT NOT NULL REFERENCES billing_journals (key),
    account TEXT NOT NULL,
    amount TEXT NOT NULL,
    currency TEXT NOT NULL
);
CREATE INDEX billing_entries_account ON billing_entries (account, currency)
"""

# Payments: one per session, and the outbox of provider calls (unique idempotency key).
_V3 = """
CREATE TABLE billing_payments (
    session_id TEXT PRIMARY KEY,
    currency TEXT NOT NULL,
    exponent INTEGER NOT NULL,
    state TEXT NOT NULL,
    reference TEXT,
    held_minor {bigint} NOT NULL,
    captured_minor {bigint} NOT NULL,
    refunded_minor {bigint} NOT NULL
);
CREATE TABLE billing_outbox (
    key TEXT PRIMARY KEY,
    op TEXT NOT NULL,
    session_id TEXT NOT NULL,
    args TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX billing_outbox_pending ON billing_outbox (state, created_at)
"""

# Payments, part 2: outbox back-off, incremental holds, the receivable a capture settles,
# webhook events seen (unique per provider), ad-hoc payments, receipts numbered in sequence,
# meter public keys (OCMF), releases of held sessions.
_V4 = """
ALTER TABLE billing_outbox ADD COLUMN next_at {ts};
ALTER TABLE billing_outbox ADD COLUMN last_error TEXT;
ALTER TABLE billing_payments ADD COLUMN incremental INTEGER;
ALTER TABLE billing_payments ADD COLUMN increments INTEGER;
ALTER TABLE billing_payments ADD COLUMN account TEXT;
ALTER TABLE billing_payments ADD COLUMN payment_method TEXT;
ALTER TABLE billing_payments ADD COLUMN error TEXT;
ALTER TABLE billing_payments ADD COLUMN created_at {ts};
CREATE UNIQUE INDEX billing_payments_reference ON billing_payments (reference);
CREATE TABLE billing_provider_events (
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    type TEXT NOT NULL,
    reference TEXT NOT NULL,
    received_at {ts} NOT NULL,
    PRIMARY KEY (provider, event_id)
);
CREATE TABLE billing_adhoc (
    id TEXT PRIMARY KEY,
    charger_id TEXT NOT NULL,
    evse_id INTEGER NOT NULL,
    connector_id INTEGER NOT NULL,
    id_token TEXT NOT NULL,
    transaction_id TEXT,
    state TEXT NOT NULL,
    detail TEXT,
    created_at {ts} NOT NULL,
    start_sent_at {ts},
    stop_sent_at {ts}
);
CREATE UNIQUE INDEX billing_adhoc_token ON billing_adhoc (id_token);
CREATE TABLE billing_receipts (
    number {id_pk},
    transaction_id TEXT NOT NULL UNIQUE,
    cdr_id TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE TABLE billing_meter_keys (
    meter_serial TEXT PRIMARY KEY,
    public_key TEXT NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE TABLE billing_releases (
    transaction_id TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    released_at {ts} NOT NULL
)
"""

#: (version, SQL with the {ts} {id_pk} {bigint} tokens, or {backend: SQL}); see store/_migrations.
MIGRATIONS: list[tuple[int, str | dict[str, str]]] = [(1, _V1), (2, _V2), (3, _V3), (4, _V4)]
