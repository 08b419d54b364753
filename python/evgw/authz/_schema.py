"""Tables owned by authorization (accounts, token restrictions, local-list sync, offline
sessions). Append-only: never edit a shipped step."""

from __future__ import annotations

COMPONENT = "authz"

_V1 = """
CREATE TABLE authz_accounts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    currency TEXT NOT NULL,
    balance TEXT,
    max_session_cost TEXT,
    language TEXT,
    personal_message TEXT,
    updated_at {ts} NOT NULL
);
CREATE TABLE authz_token_evses (
    token_id TEXT NOT NULL,
    charger_id TEXT NOT NULL,
    evse_id INTEGER NOT NULL,
    PRIMARY KEY (token_id, charger_id, evse_id)
);
CREATE TABLE authz_debits (
    transaction_id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL,
    amount TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE TABLE authz_offline (
    transaction_id TEXT PRIMARY KEY,
    charger_id TEXT NOT NULL,
    id_token TEXT NOT NULL,
    auth_status TEXT NOT NULL,
    policy TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at {ts} NOT NULL,
    resolved_at {ts}
);
CREATE INDEX authz_offline_created ON authz_offline (created_at);
CREATE TABLE authz_list_state (
    charger_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    state TEXT NOT NULL,
    entries INTEGER NOT NULL,
    truncated INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    last_error TEXT,
    synced_at {ts},
    updated_at {ts} NOT NULL
);
CREATE TABLE authz_list_entries (
    charger_id TEXT NOT NULL,
    id_token TEXT NOT NULL,
    info TEXT NOT NULL,
    PRIMARY KEY (charger_id, id_token)
);
CREATE TABLE authz_limit_stops (
    transaction_id TEXT PRIMARY KEY,
    limit_amount TEXT NOT NULL,
    cost TEXT NOT NULL,
    sent_at {ts} NOT NULL
)
"""

#: (version, SQL).
MIGRATIONS: list[tuple[int, str]] = [(1, _V1)]
