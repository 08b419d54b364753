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

#: (version, SQL with the {ts} {id_pk} {bigint} tokens, or {backend: SQL}); see store/_migrations.
MIGRATIONS: list[tuple[int, str | dict[str, str]]] = [(1, _V1)]
