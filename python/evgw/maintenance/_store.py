"""The maintenance tables: append ledger records, read windows of outages and exclusions.

Every function takes a `Db` and runs on the store's threads (``store.read`` / ``store.write``).
Nothing here updates or deletes a row: corrections are new rows that supersede old ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs

from evgw.store import Db

from ._model import Cause, Interval, OutageRecord, PortKey
from ._spans import Span, UsSpan, to_us
from ._uptime import Exclusion

_CURRENT_OUTAGE = (
    "o.void = 0 AND NOT EXISTS (SELECT 1 FROM mnt_outages s WHERE s.supersedes = o.id)"
)
_OUTAGE_COLUMNS = (
    "o.id, o.charger_id, o.evse_id, o.connector_id, o.started_at, o.ended_at, o.cause, o.causes"
)


@attrs.frozen
class ScopedExclusion:
    charger_id: str
    evse_id: int | None  # None: every port of the charger
    connector_id: int | None
    exclusion: Exclusion
    supersedes: str | None = None
    created_by: str = ""
    created_at: datetime | None = None

    def covers(self, port: PortKey) -> bool:
        if port.charger_id != self.charger_id:
            return False
        if self.evse_id is None:
            return True
        same_evse = self.evse_id == port.evse_id
        return same_evse and self.connector_id in (None, port.connector_id)


def append_outages(db: Db, records: Sequence[OutageRecord], now: datetime) -> None:
    db.many(
        "INSERT INTO mnt_outages (id, charger_id, evse_id, connector_id, started_at, ended_at,"
        " cause, causes, supersedes, void, recorded_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (id) DO NOTHING",
        [_outage_row(db, r, now) for r in records],
    )


def _outage_row(db: Db, r: OutageRecord, now: datetime) -> tuple[Any, ...]:
    iv = r.interval
    causes = ",".join(sorted(iv.causes or {iv.cause}))
    port = r.port
    return (
        r.id,
        port.charger_id,
        port.evse_id,
        port.connector_id,
        db.ts(iv.start),
        db.maybe_ts(iv.end),
        str(iv.cause),
        causes,
        r.supersedes,
        int(r.void),
        db.ts(now),
    )


def _record(db: Db, row: Sequence[Any]) -> OutageRecord:
    start = db.dt(row[4])
    assert start is not None
    causes = frozenset(Cause(c) for c in str(row[7]).split(",") if c)
    interval = Interval(start, db.dt(row[5]), Cause(row[6]), causes)
    return OutageRecord(str(row[0]), PortKey(str(row[1]), int(row[2]), int(row[3])), interval)


def open_outages(db: Db) -> list[OutageRecord]:
    sql = f"SELECT {_OUTAGE_COLUMNS} FROM mnt_outages o WHERE o.ended_at IS NULL"
    sql += f" AND {_CURRENT_OUTAGE}"
    return [_record(db, row) for row in db.all(sql)]


def outages_in(
    db: Db, window: Span, charger_id: str | None = None, limit: int = 10**9, offset: int = 0
) -> list[OutageRecord]:
    """Current records that overlap the window, oldest first."""
    sql = (
        f"SELECT {_OUTAGE_COLUMNS} FROM mnt_outages o WHERE o.started_at < ?"
        f" AND (o.ended_at IS NULL OR o.ended_at > ?) AND {_CURRENT_OUTAGE}"
    )
    params: list[Any] = [db.ts(window[1]), db.ts(window[0])]
    if charger_id is not None:
        sql += " AND o.charger_id = ?"
        params.append(charger_id)
    sql += " ORDER BY o.started_at, o.id LIMIT ? OFFSET ?"
    return [_record(db, row) for row in db.all(sql, [*params, limit, offset])]


def _us_sql(db: Db, column: str) -> str:
    """SQL for a timestamp column as integer microseconds since the epoch (no text parsing
    in Python: SQLite keeps fixed-width UTC ISO text, PostgreSQL timestamptz)."""
    if db.backend == "sqlite":
        return (
            f"(CAST(strftime('%s', {column}) AS INTEGER) * 1000000"
            f" + CAST(substr({column}, 21, 6) AS INTEGER))"
        )
    return f"CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS BIGINT)"


def outage_spans(db: Db, window: Span, now: datetime) -> dict[PortKey, list[UsSpan]]:
    """The current outages overlapping the window as microsecond spans per port (open ones
    end `now`); the report's fast path: the database computes the integers and concatenates
    them per port, Python splits one string per port (no row or datetime objects)."""
    start_us, end_us = _us_sql(db, "o.started_at"), _us_sql(db, "o.ended_at")
    pair = f"CAST({start_us} AS TEXT) || ',' || CAST(COALESCE({end_us}, ?) AS TEXT)"
    concat = f"group_concat({pair}, ',')" if db.backend == "sqlite" else f"string_agg({pair}, ',')"
    sql = (
        f"SELECT o.charger_id, o.evse_id, o.connector_id, {concat} FROM mnt_outages o"
        " WHERE o.started_at < ? AND (o.ended_at IS NULL OR o.ended_at > ?)"
        f" AND {_CURRENT_OUTAGE} GROUP BY o.charger_id, o.evse_id, o.connector_id"
    )
    spans: dict[PortKey, list[UsSpan]] = {}
    params = (to_us(now), db.ts(window[1]), db.ts(window[0]))
    for charger, evse, conn, joined in db.all(sql, params):
        flat = list(map(int, joined.split(",")))
        spans[PortKey(charger, evse, conn)] = list(zip(flat[0::2], flat[1::2], strict=True))
    return spans


def add_exclusion(db: Db, ex: ScopedExclusion) -> bool:
    """False when the exclusion it supersedes does not exist (or was superseded already)."""
    if ex.supersedes is not None and not _is_current_exclusion(db, ex.supersedes):
        return False
    e = ex.exclusion
    db.run(
        "INSERT INTO mnt_exclusions (id, charger_id, evse_id, connector_id, started_at, ended_at,"
        " cause, evidence, notes, supersedes, created_by, created_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            e.id,
            ex.charger_id,
            ex.evse_id,
            ex.connector_id,
            db.ts(e.start),
            db.ts(e.end),
            str(e.cause),
            e.evidence,
            e.notes,
            ex.supersedes,
            ex.created_by,
            db.maybe_ts(ex.created_at),
        ),
    )
    return True


def _is_current_exclusion(db: Db, exclusion_id: str) -> bool:
    row = db.one(
        "SELECT 1 FROM mnt_exclusions x WHERE x.id = ? AND NOT EXISTS"
        " (SELECT 1 FROM mnt_exclusions s WHERE s.supersedes = x.id)",
        (exclusion_id,),
    )
    return row is not None


def exclusions_in(db: Db, window: Span, charger_id: str | None = None) -> list[ScopedExclusion]:
    sql = (
        "SELECT x.id, x.charger_id, x.evse_id, x.connector_id, x.started_at, x.ended_at, x.cause,"
        " x.evidence, x.notes, x.supersedes, x.created_by, x.created_at FROM mnt_exclusions x"
        " WHERE x.started_at < ? AND x.ended_at > ?"
        " AND NOT EXISTS (SELECT 1 FROM mnt_exclusions s WHERE s.supersedes = x.id)"
    )
    params: list[Any] = [db.ts(window[1]), db.ts(window[0])]
    if charger_id is not None:
        sql += " AND x.charger_id = ?"
        params.append(charger_id)
    return [_exclusion(db, row) for row in db.all(sql + " ORDER BY x.started_at, x.id", params)]


def _exclusion(db: Db, row: Sequence[Any]) -> ScopedExclusion:
    start, end = db.dt(row[4]), db.dt(row[5])
    assert start is not None
    assert end is not None
    ex = Exclusion(str(row[0]), start, end, Cause(row[6]), row[7], str(row[8]))
    evse = None if row[2] is None else int(row[2])
    conn = None if row[3] is None else int(row[3])
    return ScopedExclusion(str(row[1]), evse, conn, ex, row[9], str(row[10]), db.dt(row[11]))


def known_ports(db: Db) -> list[tuple[PortKey, str | None]]:
    """Ports from the chargers' statuses, with the charger's site (the station id)."""
    rows = db.all(
        "SELECT c.charger_id, c.evse_id, c.connector_id, h.site_id FROM connectors c"
        " JOIN chargers h ON h.id = c.charger_id WHERE c.connector_id > 0"
    )
    return [(PortKey(str(r[0]), int(r[1]), int(r[2])), r[3]) for r in rows]


def charger_sites(db: Db) -> dict[str, str | None]:
    return {str(r[0]): r[1] for r in db.all("SELECT id, site_id FROM chargers")}


def charger_models(db: Db) -> list[tuple[str, str, str]]:
    rows = db.all("SELECT id, vendor, model FROM chargers")
    return [(str(r[0]), r[1] or "", r[2] or "") for r in rows]


def sessions_in(db: Db, window: Span) -> list[tuple[PortKey, int | None]]:
    """(port, energy Wh) of the transactions started in the window and stopped."""
    rows = db.all(
        "SELECT charger_id, evse_id, connector_id, energy_wh FROM transactions"
        " WHERE started_at >= ? AND started_at < ? AND stopped_at IS NOT NULL",
        (db.ts(window[0]), db.ts(window[1])),
    )
    return [(PortKey(str(r[0]), int(r[1]), int(r[2])), r[3]) for r in rows]


def fleet_counts(db: Db) -> tuple[int, dict[str, int]]:
    """Registered chargers, and open tickets by severity (for the gauges)."""
    row = db.one("SELECT COUNT(*) FROM chargers")
    tickets = db.all(
        "SELECT severity, COUNT(*) FROM mnt_tickets WHERE state NOT IN ('resolved', 'closed')"
        " GROUP BY severity"
    )
    return (int(row[0]) if row else 0), {str(s): int(n) for s, n in tickets}
