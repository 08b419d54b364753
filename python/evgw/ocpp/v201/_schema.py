"""Tables owned by the OCPP 2.0.1 / 2.1 part. Append-only: never edit a shipped step."""

from __future__ import annotations

COMPONENT = "ocpp201"

# Device model: NotifyReport parts as received, the report's assembly state, and the
# assembled variables (one row per component/variable/attribute) per charger.
_V1 = """
CREATE TABLE ocpp201_report_parts (
    charger_id TEXT NOT NULL,
    request_id {bigint} NOT NULL,
    seq_no {bigint} NOT NULL,
    tbc INTEGER NOT NULL,
    generated_at {ts} NOT NULL,
    data TEXT NOT NULL,
    received_at {ts} NOT NULL,
    PRIMARY KEY (charger_id, request_id, seq_no)
);
CREATE TABLE ocpp201_reports (
    charger_id TEXT NOT NULL,
    request_id {bigint} NOT NULL,
    status TEXT NOT NULL,
    parts INTEGER NOT NULL,
    last_seq_no {bigint},
    variables INTEGER NOT NULL,
    updated_at {ts} NOT NULL,
    PRIMARY KEY (charger_id, request_id)
);
CREATE TABLE ocpp201_variables (
    charger_id TEXT NOT NULL,
    component TEXT NOT NULL,
    component_instance TEXT NOT NULL,
    evse_id INTEGER NOT NULL,
    connector_id INTEGER NOT NULL,
    variable TEXT NOT NULL,
    variable_instance TEXT NOT NULL,
    attribute_type TEXT NOT NULL,
    value TEXT,
    mutability TEXT,
    characteristics TEXT,
    updated_at {ts} NOT NULL,
    PRIMARY KEY (charger_id, component, component_instance, evse_id, connector_id, variable,
                 variable_instance, attribute_type)
)
"""

# Password rotation (1.6 AuthorizationKey and 2.x BasicAuthPassword): the new password's hash
# while the charger has accepted it but not yet connected with it.
_V2 = """
CREATE TABLE ocpp201_pending_passwords (
    charger_id TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    created_at {ts} NOT NULL
)
"""

#: (version, SQL with the {ts} {id_pk} {bigint} tokens, or {backend: SQL}); see store/_migrations.
MIGRATIONS: list[tuple[int, str | dict[str, str]]] = [
    (1, _V1),
    (2, _V2),
]
