"""Versioned schema migrations, shared by SQLite and PostgreSQL.

Each step is SQL text with ``{ts}`` (timestamp type), ``{id_pk}`` (auto-increment key) and
``{bigint}`` tokens filled per backend; a step may instead give per-backend text. Steps are
append-only: never edit one that has shipped, add a new one.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime

from evgw.store._db import Db

Step = str | dict[str, str]

_V1 = """
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value {bigint} NOT NULL
);
INSERT INTO counters (name, value) VALUES ('ocpp16_tx', 0);
CREATE TABLE chargers (
    id TEXT PRIMARY KEY,
    security_profile INTEGER NOT NULL,
    password_hash TEXT,
    boot_policy TEXT NOT NULL,
    site_id TEXT,
    serial_number TEXT,
    vendor TEXT,
    model TEXT,
    firmware_version TEXT,
    reported_serial_number TEXT,
    ocpp_version TEXT,
    last_boot_at {ts},
    last_seen_at {ts},
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE TABLE connectors (
    charger_id TEXT NOT NULL REFERENCES chargers (id) ON DELETE CASCADE,
    evse_id INTEGER NOT NULL,
    connector_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    error_code TEXT,
    info TEXT,
    updated_at {ts} NOT NULL,
    PRIMARY KEY (charger_id, evse_id, connector_id)
);
CREATE TABLE id_tokens (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    expires_at {ts},
    group_id TEXT,
    owner TEXT,
    updated_at {ts} NOT NULL
);
CREATE TABLE transactions (
    id TEXT PRIMARY KEY,
    ocpp16_id {bigint} UNIQUE,
    charger_id TEXT NOT NULL,
    evse_id INTEGER NOT NULL,
    connector_id INTEGER NOT NULL,
    id_token TEXT,
    stop_id_token TEXT,
    meter_start_wh {bigint},
    meter_stop_wh {bigint},
    energy_wh {bigint},
    started_at {ts},
    stopped_at {ts},
    stop_reason TEXT,
    status TEXT NOT NULL,
    reservation_id INTEGER,
    auth_status TEXT,
    reported_id TEXT,
    start_received_at {ts},
    stop_received_at {ts},
    created_at {ts} NOT NULL
);
CREATE UNIQUE INDEX transactions_start_key ON transactions
    (charger_id, evse_id, connector_id, id_token, meter_start_wh, started_at);
CREATE UNIQUE INDEX transactions_orphan_key ON transactions
    (charger_id, reported_id, meter_stop_wh, stopped_at);
CREATE INDEX transactions_charger ON transactions (charger_id, created_at);
CREATE INDEX transactions_status ON transactions (status, created_at);
CREATE TABLE meter_samples (
    id {id_pk},
    transaction_id TEXT,
    charger_id TEXT NOT NULL,
    evse_id INTEGER NOT NULL,
    connector_id INTEGER NOT NULL,
    ts {ts} NOT NULL,
    measurand TEXT NOT NULL,
    value TEXT NOT NULL,
    unit TEXT,
    phase TEXT,
    context TEXT,
    location TEXT,
    format TEXT
);
CREATE INDEX meter_samples_tx ON meter_samples (transaction_id, ts);
CREATE INDEX meter_samples_charger ON meter_samples (charger_id, ts);
CREATE TABLE raw_frames (
    id {id_pk},
    charger_id TEXT NOT NULL,
    received_at {ts} NOT NULL,
    action TEXT NOT NULL,
    transaction_id TEXT,
    raw TEXT NOT NULL
);
CREATE INDEX raw_frames_charger ON raw_frames (charger_id, received_at);
CREATE TABLE review_flags (
    id {id_pk},
    kind TEXT NOT NULL,
    charger_id TEXT,
    transaction_id TEXT,
    detail TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX review_flags_tx ON review_flags (transaction_id);
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE TABLE security_events (
    id {id_pk},
    charger_id TEXT,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    at {ts} NOT NULL,
    recorded_at {ts} NOT NULL
);
CREATE INDEX security_events_charger ON security_events (charger_id, at);
"""

# OCPP 2.x transactions: the charger's transactionId and every TransactionEvent's seqNo
# (idempotency on (charger, transactionId, seqNo)).
_V2 = """
ALTER TABLE transactions ADD COLUMN ocpp_tx_id TEXT;
CREATE UNIQUE INDEX transactions_ocpp_tx ON transactions (charger_id, ocpp_tx_id);
CREATE TABLE transaction_events (
    charger_id TEXT NOT NULL,
    ocpp_tx_id TEXT NOT NULL,
    seq_no {bigint} NOT NULL,
    transaction_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    trigger_reason TEXT NOT NULL,
    ts {ts} NOT NULL,
    offline INTEGER NOT NULL,
    received_at {ts} NOT NULL,
    PRIMARY KEY (charger_id, ocpp_tx_id, seq_no)
);
CREATE INDEX transaction_events_tx ON transaction_events (transaction_id, seq_no)
"""

# A sampled value is stored once: a charger that retries a MeterValues (or the spool that
# replays one) must not add its samples again; a signed value beside its plain reading
# (format SignedData) is a different sample. Earlier duplicates are removed first.
_V3 = """
DELETE FROM meter_samples WHERE id NOT IN (
    SELECT MIN(id) FROM meter_samples
    GROUP BY charger_id, ts, evse_id, connector_id, measurand,
        COALESCE(phase, ''), COALESCE(context, ''), COALESCE(location, ''), COALESCE(format, '')
);
DROP INDEX meter_samples_charger;
CREATE UNIQUE INDEX meter_samples_natural ON meter_samples (
    charger_id, ts, evse_id, connector_id, measurand,
    COALESCE(phase, ''), COALESCE(context, ''), COALESCE(location, ''), COALESCE(format, '')
)
"""

# The 1.6 natural keys (a retried StartTransaction / orphan StopTransaction is the same
# transaction) hold for 1.6 rows only: 2.x transactions are told apart by their
# transactionId, and two of them may share a start (a station whose meter and clock restart).
_V4 = """
DROP INDEX transactions_start_key;
CREATE UNIQUE INDEX transactions_start_key ON transactions
    (charger_id, evse_id, connector_id, id_token, meter_start_wh, started_at)
    WHERE ocpp_tx_id IS NULL;
DROP INDEX transactions_orphan_key;
CREATE UNIQUE INDEX transactions_orphan_key ON transactions
    (charger_id, reported_id, meter_stop_wh, stopped_at)
    WHERE ocpp_tx_id IS NULL
"""

# Meter samples packed per meterValue (see _meter_rows): one row per (charger, EVSE,
# connector, timestamp, transaction) with its sampled values as compact JSON, in the order
# they were stored; only the rows outside a transaction are indexed by charger. Duplicates
# are no longer refused by an index but skipped by the readers.
_V5_TABLE = """
CREATE TABLE meter_values (
    id {id_pk},
    transaction_id TEXT,
    charger_id TEXT NOT NULL,
    evse_id INTEGER NOT NULL,
    connector_id INTEGER NOT NULL,
    ts {ts} NOT NULL,
    samples TEXT NOT NULL
);
"""
_V5_INDEXES = """;
DROP TABLE meter_samples;
CREATE INDEX meter_values_tx ON meter_values (transaction_id, ts);
CREATE INDEX meter_values_unlinked ON meter_values (charger_id, evse_id, connector_id, ts)
    WHERE transaction_id IS NULL
"""
_V5_GROUPS = "GROUP BY transaction_id, charger_id, evse_id, connector_id, ts ORDER BY MIN(id)"
_V5_COPY = (
    "INSERT INTO meter_values (transaction_id, charger_id, evse_id, connector_id, ts, samples) "
    "SELECT transaction_id, charger_id, evse_id, connector_id, ts, {packed} FROM {source} "
)
_V5 = {
    "sqlite": _V5_TABLE
    + _V5_COPY.format(
        packed="json_group_array(json_array("
        "measurand, value, unit, phase, context, location, format))",
        source="(SELECT * FROM meter_samples ORDER BY id)",
    )
    + _V5_GROUPS
    + _V5_INDEXES,
    "postgresql": _V5_TABLE
    + _V5_COPY.format(
        packed="json_agg(json_build_array("
        "measurand, value, unit, phase, context, location, format) ORDER BY id)::text",
        source="meter_samples",
    )
    + _V5_GROUPS
    + _V5_INDEXES,
}

#: (version, SQL for every backend, or {backend: SQL}).
MIGRATIONS: list[tuple[int, Step]] = [
    (1, _V1),
    (2, _V2),
    (3, _V3),
    (4, _V4),
    (5, _V5),
]

#: Modules of the parts that own tables beside the core (each has ``COMPONENT: str`` and
#: ``MIGRATIONS: list[tuple[int, Step]]``, append-only like the core list). Their steps run
#: after the core's, in this order, and are recorded per component.
COMPONENT_SCHEMAS: tuple[str, ...] = (
    "evgw.ocpp.v201._schema",
    "evgw.ocpp.control._schema",
    "evgw.smartcharging._schema",
    "evgw.billing._schema",
    "evgw.authz._schema",
    "evgw.maintenance._schema",
)

_BOOKKEEPING = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    applied_at {ts} NOT NULL
);
CREATE TABLE IF NOT EXISTS component_migrations (
    component TEXT NOT NULL,
    version INTEGER NOT NULL,
    applied_at {ts} NOT NULL,
    PRIMARY KEY (component, version)
)
"""


def _statements(db: Db, step: Step) -> list[str]:
    text = step if isinstance(step, str) else step[db.backend]
    text = text.format(**db.ddl_types)
    return [s.strip() for s in text.split(";") if s.strip()]


def _component_steps() -> list[tuple[str, int, Step]]:
    steps: list[tuple[str, int, Step]] = [("core", v, step) for v, step in MIGRATIONS]
    for name in COMPONENT_SCHEMAS:
        module = importlib.import_module(name)
        steps += [(module.COMPONENT, v, step) for v, step in module.MIGRATIONS]
    return steps


def _apply_step(db: Db, component: str, version: int, step: Step) -> bool:
    """One step in its own transaction, under the schema lock; False if it was applied."""
    if component == "core":
        done_sql = "SELECT 1 FROM schema_migrations WHERE version = ?"
        done_params: tuple[object, ...] = (version,)
        mark_sql = "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"
    else:
        done_sql = "SELECT 1 FROM component_migrations WHERE component = ? AND version = ?"
        done_params = (component, version)
        mark_sql = (
            "INSERT INTO component_migrations (component, version, applied_at) VALUES (?, ?, ?)"
        )
    db.begin_write()
    try:
        db.lock_schema()  # another process may be migrating: re-check under the lock
        if db.one(done_sql, done_params) is not None:
            db.commit()
            return False
        for statement in _statements(db, step):
            db.run(statement)
        db.run(mark_sql, (*done_params, db.ts(datetime.now(UTC))))
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return True


def apply_migrations(db: Db) -> list[str]:
    """Apply the missing steps, each in its own transaction; answer the steps applied now
    as ``"component:version"`` (core steps as ``"core:N"``)."""
    db.begin_write()
    try:
        db.lock_schema()
        for statement in _statements(db, _BOOKKEEPING):
            db.run(statement)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    db.hold_migration_lock(True)
    try:
        return [
            f"{component}:{version}"
            for component, version, step in _component_steps()
            if _apply_step(db, component, version, step)
        ]
    finally:
        db.hold_migration_lock(False)


def current_version(db: Db) -> int:
    row = db.one("SELECT MAX(version) FROM schema_migrations")
    return int(row[0]) if row and row[0] is not None else 0
