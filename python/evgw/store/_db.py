"""One database connection behind a backend-neutral face: SQL with ``?`` placeholders, UTC
timestamps in and aware datetimes out. Used only from the store's own threads."""

from __future__ import annotations

import abc
import sqlite3
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg

Row = tuple[Any, ...]
Params = Sequence[Any]


def utc(dt: datetime) -> datetime:
    """Normalise to UTC; a naive datetime is taken to be UTC already."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


class Db(abc.ABC):
    """A connection in autocommit mode; transactions are explicit (``begin``/``commit``)."""

    backend: str
    #: DDL tokens substituted into migration templates.
    ddl_types: dict[str, str]

    @abc.abstractmethod
    def one(self, sql: str, params: Params = ()) -> Row | None: ...

    @abc.abstractmethod
    def all(self, sql: str, params: Params = ()) -> list[Row]: ...

    @abc.abstractmethod
    def run(self, sql: str, params: Params = ()) -> int:
        """Execute; answer the number of rows changed."""

    @abc.abstractmethod
    def many(self, sql: str, rows: Iterable[Params]) -> None: ...

    @abc.abstractmethod
    def ts(self, dt: datetime) -> object:
        """A datetime as this backend stores it (UTC)."""

    @abc.abstractmethod
    def dt(self, value: object) -> datetime | None:
        """A stored timestamp as an aware UTC datetime."""

    @abc.abstractmethod
    def begin_write(self) -> None: ...

    @abc.abstractmethod
    def lock_schema(self) -> None:
        """Serialise migrations across processes (inside the current transaction)."""

    @abc.abstractmethod
    def close(self) -> None: ...

    def hold_migration_lock(self, held: bool) -> None:
        """Take (True) or release (False) a lock held across every migration step of one run,
        so concurrent migrators never split the steps between them. SQLite: nothing needed
        beyond BEGIN IMMEDIATE per step (a later migrator re-checks each step)."""
        return

    def begin_read(self) -> None:
        self.run("BEGIN")

    def commit(self) -> None:
        self.run("COMMIT")

    def rollback(self) -> None:
        self.run("ROLLBACK")

    def maybe_ts(self, dt: datetime | None) -> object:
        return None if dt is None else self.ts(dt)

    def writer_checkpoints(self) -> None:
        """This connection becomes the writer's (SQLite: it checkpoints the WAL itself)."""
        return

    def after_commit(self, *, idle: bool) -> bool:
        """Called by the writer after each group commit, once its callers are woken; `idle`:
        nothing else is queued. Answers whether it did any work (a WAL checkpoint)."""
        return False


# The writer's WAL checkpoints (SqliteDb.writer_checkpoints): after this many commits when
# nothing is queued (in a gap; a lone MeterValues commit adds ~7 pages, so about as often as
# SQLite's own 1,000-page checkpoint: more often would copy the same hot index pages again),
# or this many when busy (a bound on the WAL: a busy group commit adds tens of pages).
CHECKPOINT_IDLE_COMMITS = 100
CHECKPOINT_BUSY_COMMITS = 200


class SqliteDb(Db):
    backend = "sqlite"
    ddl_types = {"ts": "TEXT", "id_pk": "INTEGER PRIMARY KEY", "bigint": "INTEGER"}

    def __init__(self, path: str, *, busy_timeout_ms: int = 10_000) -> None:
        self.memory = path == ":memory:"
        self._checkpoints = False  # see writer_checkpoints
        self._commits = 0  # since the last checkpoint
        self.conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=busy_timeout_ms / 1000
        )
        self.run(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if not self.memory:
            self._enable_wal(busy_timeout_ms / 1000)
        self.run("PRAGMA synchronous = FULL")
        self.run("PRAGMA foreign_keys = ON")

    def one(self, sql: str, params: Params = ()) -> Row | None:
        row: Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def _enable_wal(self, within_s: float) -> None:
        """Switching a fresh file to WAL needs it to itself, and SQLite answers "database is
        locked" at once (no busy handler) while another connection is opening it: retry."""
        deadline = time.monotonic() + within_s
        while True:
            try:
                self.one("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)
            else:
                return

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        return self.conn.execute(sql, params).fetchall()

    def run(self, sql: str, params: Params = ()) -> int:
        return self.conn.execute(sql, params).rowcount

    def many(self, sql: str, rows: Iterable[Params]) -> None:
        self.conn.executemany(sql, rows)

    def ts(self, dt: datetime) -> object:
        # Fixed width, so text order is time order.
        return utc(dt).isoformat(timespec="microseconds")

    def dt(self, value: object) -> datetime | None:
        if value is None:
            return None
        return utc(datetime.fromisoformat(str(value)))

    def begin_write(self) -> None:
        self.run("BEGIN IMMEDIATE")  # take the write lock now: no upgrade deadlocks

    def writer_checkpoints(self) -> None:
        """This connection is the writer's: it checkpoints the WAL itself, in `after_commit`,
        instead of inside a COMMIT (SQLite's automatic checkpoint), where copying ~1,000 pages
        and an fsync of the database held up every answer waiting on that commit."""
        if not self.memory:
            self.run("PRAGMA wal_autocheckpoint = 0")
            self._checkpoints = True

    def after_commit(self, *, idle: bool) -> bool:
        if not self._checkpoints:
            return False
        self._commits += 1
        if self._commits < (CHECKPOINT_IDLE_COMMITS if idle else CHECKPOINT_BUSY_COMMITS):
            return False
        self._commits = 0
        self.one("PRAGMA wal_checkpoint(PASSIVE)")
        return True

    def lock_schema(self) -> None:
        """BEGIN IMMEDIATE already excludes every other writer."""

    def close(self) -> None:
        self.conn.close()


class PostgresDb(Db):
    backend = "postgresql"
    ddl_types = {
        "ts": "TIMESTAMPTZ",
        "id_pk": "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        "bigint": "BIGINT",
    }
    _cache: dict[str, str] = {}

    def __init__(self, url: str, *, connect_timeout: int = 10) -> None:
        self.conn = psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout)
        self.conn.execute("SET TIME ZONE 'UTC'")

    @classmethod
    def _sql(cls, sql: str) -> str:
        out = cls._cache.get(sql)
        if out is None:
            out = cls._cache[sql] = sql.replace("?", "%s")
        return out

    def one(self, sql: str, params: Params = ()) -> Row | None:
        return self.conn.execute(self._sql(sql), params).fetchone()

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        return self.conn.execute(self._sql(sql), params).fetchall()

    def run(self, sql: str, params: Params = ()) -> int:
        return self.conn.execute(self._sql(sql), params).rowcount

    def many(self, sql: str, rows: Iterable[Params]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(self._sql(sql), rows)

    def ts(self, dt: datetime) -> object:
        return utc(dt)

    def dt(self, value: object) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a timestamp, got {value!r}")
        return utc(value)

    def begin_write(self) -> None:
        self.run("BEGIN")

    def lock_schema(self) -> None:
        self.one("SELECT pg_advisory_xact_lock(?)", (0x65766777,))  # "evgw"

    def hold_migration_lock(self, held: bool) -> None:
        # Session-level, re-entrant with the per-step transaction lock above.
        self.one(f"SELECT pg_advisory_{'' if held else 'un'}lock(?)", (0x65766777,))

    def close(self) -> None:
        self.conn.close()


DRIVER_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, psycopg.Error)


def is_connection_lost(db: Db, exc: BaseException) -> bool:
    """True when the connection itself is unusable (reconnect), not just one statement."""
    if isinstance(db, PostgresDb):
        return isinstance(exc, psycopg.OperationalError) or db.conn.closed
    return False
