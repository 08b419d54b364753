"""Tables owned by this part (Maintenance). Append-only: never edit a shipped step."""

from __future__ import annotations

COMPONENT = "maintenance"

_V1 = """
CREATE TABLE mnt_outages (
    id TEXT PRIMARY KEY,
    charger_id TEXT NOT NULL,
    evse_id INTEGER NOT NULL,
    connector_id INTEGER NOT NULL,
    started_at {ts} NOT NULL,
    ended_at {ts},
    cause TEXT NOT NULL,
    causes TEXT NOT NULL,
    supersedes TEXT,
    void INTEGER NOT NULL,
    recorded_at {ts} NOT NULL
);
CREATE INDEX mnt_outages_time ON mnt_outages (started_at);
CREATE INDEX mnt_outages_port ON mnt_outages (charger_id, evse_id, connector_id, started_at);
CREATE INDEX mnt_outages_supersedes ON mnt_outages (supersedes);
CREATE INDEX mnt_outages_open ON mnt_outages (ended_at);
CREATE TABLE mnt_exclusions (
    id TEXT PRIMARY KEY,
    charger_id TEXT NOT NULL,
    evse_id INTEGER,
    connector_id INTEGER,
    started_at {ts} NOT NULL,
    ended_at {ts} NOT NULL,
    cause TEXT NOT NULL,
    evidence TEXT,
    notes TEXT NOT NULL,
    supersedes TEXT,
    created_by TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE INDEX mnt_exclusions_time ON mnt_exclusions (started_at);
CREATE INDEX mnt_exclusions_supersedes ON mnt_exclusions (supersedes)
"""

_V2 = """
CREATE TABLE mnt_tickets (
    id TEXT PRIMARY KEY,
    dedupe_key TEXT NOT NULL,
    charger_id TEXT,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    state TEXT NOT NULL,
    title TEXT NOT NULL,
    tags TEXT NOT NULL,
    repair_cost TEXT,
    opened_at {ts} NOT NULL,
    due_at {ts} NOT NULL,
    updated_at {ts} NOT NULL,
    updated_by TEXT NOT NULL
);
CREATE INDEX mnt_tickets_key ON mnt_tickets (dedupe_key, state);
CREATE INDEX mnt_tickets_opened ON mnt_tickets (opened_at);
CREATE TABLE mnt_ticket_events (
    id {id_pk},
    ticket_id TEXT NOT NULL,
    at {ts} NOT NULL,
    who TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX mnt_ticket_events_ticket ON mnt_ticket_events (ticket_id, id);
CREATE TABLE mnt_remediations (
    id TEXT PRIMARY KEY,
    charger_id TEXT NOT NULL,
    evse_id INTEGER NOT NULL,
    connector_id INTEGER NOT NULL,
    error_code TEXT,
    playbook TEXT NOT NULL,
    step INTEGER NOT NULL,
    state TEXT NOT NULL,
    started_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX mnt_remediations_state ON mnt_remediations (state);
CREATE TABLE mnt_audit (
    id {id_pk},
    remediation_id TEXT,
    charger_id TEXT NOT NULL,
    at {ts} NOT NULL,
    step TEXT NOT NULL,
    outcome TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX mnt_audit_charger ON mnt_audit (charger_id, at)
"""

_V3 = """
CREATE TABLE mnt_file_links (
    token TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    charger_id TEXT NOT NULL,
    ref TEXT NOT NULL,
    max_bytes {bigint} NOT NULL,
    expires_at {ts} NOT NULL,
    used_at {ts},
    created_at {ts} NOT NULL
);
CREATE TABLE mnt_firmware_images (
    id TEXT PRIMARY KEY,
    vendor TEXT NOT NULL,
    model TEXT NOT NULL,
    version TEXT NOT NULL,
    size {bigint},
    sha256 TEXT,
    signature TEXT,
    signing_certificate TEXT,
    created_by TEXT NOT NULL,
    created_at {ts} NOT NULL
);
CREATE UNIQUE INDEX mnt_firmware_images_version ON mnt_firmware_images (vendor, model, version);
CREATE TABLE mnt_campaigns (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    image_id TEXT NOT NULL,
    state TEXT NOT NULL,
    spec TEXT NOT NULL,
    reason TEXT,
    created_by TEXT NOT NULL,
    created_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE TABLE mnt_campaign_targets (
    campaign_id TEXT NOT NULL,
    charger_id TEXT NOT NULL,
    wave INTEGER NOT NULL,
    state TEXT NOT NULL,
    detail TEXT NOT NULL,
    request_id INTEGER NOT NULL,
    updated_at {ts} NOT NULL,
    PRIMARY KEY (campaign_id, charger_id)
);
CREATE TABLE mnt_diagnostics (
    id TEXT PRIMARY KEY,
    charger_id TEXT NOT NULL,
    ticket_id TEXT,
    request_id INTEGER NOT NULL,
    state TEXT NOT NULL,
    detail TEXT NOT NULL,
    filename TEXT,
    size {bigint},
    sha256 TEXT,
    requested_at {ts} NOT NULL,
    updated_at {ts} NOT NULL
);
CREATE INDEX mnt_diagnostics_charger ON mnt_diagnostics (charger_id, requested_at)
"""

#: (version, SQL with the {ts} {id_pk} {bigint} tokens, or {backend: SQL}); see store/_migrations.
MIGRATIONS: list[tuple[int, str | dict[str, str]]] = [(1, _V1), (2, _V2), (3, _V3)]
