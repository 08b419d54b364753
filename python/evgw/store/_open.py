"""``open_store`` / ``migrate``: URL -> backend, migrations, threads."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

import trio

from evgw.store._db import DRIVER_ERRORS, Db, PostgresDb, SqliteDb
from evgw.store._errors import StoreUnavailable
from evgw.store._interface import Store
from evgw.store._migrations import apply_migrations
from evgw.store._reader import Readers
from evgw.store._sqlstore import SqlStore
from evgw.store._writer import Writer


def connector_for(url: str) -> Callable[[], Db]:
    """A function opening a new connection for ``url``.

    ``sqlite:///relative/path.db``, ``sqlite:////absolute/path.db``, ``sqlite:///:memory:``;
    ``postgresql://user:pass@host:port/db`` (``postgres://`` too; libpq query parameters such
    as ``?sslmode=require`` or ``?options=-csearch_path%3Dschema`` pass through).
    """
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if not path:
            raise ValueError(f"no database path in {url!r}")
        return functools.partial(SqliteDb, path)
    if url.startswith(("postgresql://", "postgres://")):
        return functools.partial(PostgresDb, url)
    raise ValueError(f"unsupported store URL {url!r} (use sqlite:///... or postgresql://...)")


def _connect_and_migrate(connect: Callable[[], Db]) -> tuple[Db, list[str]]:
    db = connect()
    try:
        return db, apply_migrations(db)
    except BaseException:
        db.close()
        raise


async def _prepare(url: str) -> tuple[Callable[[], Db], Db, list[str]]:
    connect = connector_for(url)
    try:
        db, applied = await trio.to_thread.run_sync(_connect_and_migrate, connect)
    except DRIVER_ERRORS as exc:
        raise StoreUnavailable(f"cannot open store: {exc}") from exc
    return connect, db, applied


async def migrate(url: str) -> list[str]:
    """Bring the schema up to date; answer the versions applied by this call ([] if current)."""
    _connect, db, applied = await _prepare(url)
    await trio.to_thread.run_sync(db.close)
    return applied


async def open_store(url: str, *, readers: int = 4, max_batch: int = 256) -> Store:
    """Open (creating and migrating as needed) the store at ``url``; close with ``aclose()``."""
    connect, db, _applied = await _prepare(url)
    shared = isinstance(db, SqliteDb) and db.memory
    lock = threading.Lock() if shared else None
    writer = Writer(db, connect, max_batch=max_batch, lock=lock)
    pool = Readers(connect, size=readers, shared=db if shared else None, lock=lock)
    writer.start()
    return SqlStore(db.backend, writer, pool)
