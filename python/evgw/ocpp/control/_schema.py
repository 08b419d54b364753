"""Tables of the CSMS-initiated OCPP services (security-profile upgrades, reservations,
display messages, customer information). Append-only: never edit a shipped step."""

from __future__ import annotations

COMPONENT = "ocpp_control"

_V1 = """
CREATE TABLE ocpp_profile_upgrades (
    charger_id TEXT PRIMARY KEY,
    target_profile INTEGER NOT NULL,
    requested_at {ts} NOT NULL
);
CREATE TABLE ocpp_reservations (
    id {bigint} PRIMARY KEY,
    charger_id TEXT NOT NULL,
    evse_id INTEGER,
    connector_type TEXT,
    id_token TEXT NOT NULL,
    token_type TEXT NOT NULL,
    group_id TEXT,
    expires_at {ts} NOT NULL,
    status TEXT NOT NULL,
    charger_status TEXT,
    transaction_id TEXT,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX ocpp_reservations_by_charger ON ocpp_reservations (charger_id, status);
CREATE TABLE ocpp_display_messages (
    charger_id TEXT NOT NULL,
    message_id {bigint} NOT NULL,
    source TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_at {ts} NOT NULL,
    PRIMARY KEY (charger_id, message_id)
);
CREATE TABLE ocpp_requests (
    charger_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    request_id {bigint} NOT NULL,
    status TEXT NOT NULL,
    params TEXT NOT NULL,
    result TEXT,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    PRIMARY KEY (charger_id, kind, request_id)
);
CREATE TABLE ocpp_request_parts (
    charger_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    request_id {bigint} NOT NULL,
    seq_no {bigint} NOT NULL,
    tbc INTEGER NOT NULL,
    data TEXT NOT NULL,
    received_at {ts} NOT NULL,
    PRIMARY KEY (charger_id, kind, request_id, seq_no)
);
INSERT INTO counters (name, value) VALUES ('ocpp_reservation', 0);
INSERT INTO counters (name, value) VALUES ('ocpp_request', 0)
"""

# The live reservations by status: the expiry sweep and the in-memory index's reload read
# them every 30 s without scanning the whole history.
_V2 = """
CREATE INDEX ocpp_reservations_by_status ON ocpp_reservations (status, expires_at)
"""

#: (version, SQL with the {ts} {id_pk} {bigint} tokens, or {backend: SQL}); see store/_migrations.
MIGRATIONS: list[tuple[int, str | dict[str, str]]] = [
    (1, _V1),
    (2, _V2),
]
