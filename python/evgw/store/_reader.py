"""Reads on their own connection(s), off the trio thread, with a small limiter.

Each read runs ``fn(db)`` inside one transaction, so it sees one consistent snapshot (SQLite
WAL lets readers run beside the writer). An in-memory SQLite database exists only on its one
connection, so then the reader shares the writer's connection and a lock.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

import trio

from evgw.store._db import DRIVER_ERRORS, Db, is_connection_lost
from evgw.store._errors import StoreError, StoreUnavailable

T = TypeVar("T")


class Readers:
    def __init__(
        self,
        connect: Callable[[], Db],
        *,
        size: int = 4,
        shared: Db | None = None,
        lock: threading.Lock | None = None,
    ) -> None:
        self._connect = connect
        self._shared = shared
        self._lock = lock
        self._idle: list[Db] = []
        self._all: list[Db] = []
        self._guard = threading.Lock()
        self._closed = False
        self._limiter = trio.CapacityLimiter(1 if shared is not None else size)

    async def run(self, fn: Callable[[Db], T]) -> T:
        if self._closed:
            raise StoreUnavailable("store is closed")
        return await trio.to_thread.run_sync(self._run, fn, limiter=self._limiter)

    def _run(self, fn: Callable[[Db], T]) -> T:
        with self._connection() as db:
            db.begin_read()
            try:
                result = fn(db)
            finally:
                db.rollback()  # read-only: nothing to keep
            return result

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Db]:
        if self._shared is not None:
            assert self._lock is not None
            with self._lock:
                if self._closed:
                    raise StoreUnavailable("store is closed")
                try:
                    yield self._shared
                except DRIVER_ERRORS as exc:
                    raise StoreError(f"{type(exc).__name__}: {exc}") from exc
            return
        db = self._checkout()
        try:
            yield db
        except DRIVER_ERRORS as exc:
            if is_connection_lost(db, exc):
                self._discard(db)
                raise StoreUnavailable(f"database unreachable: {exc}") from exc
            self._checkin(db)
            raise StoreError(f"{type(exc).__name__}: {exc}") from exc
        except BaseException:
            self._checkin(db)
            raise
        else:
            self._checkin(db)

    def _checkout(self) -> Db:
        with self._guard:
            if self._closed:
                raise StoreUnavailable("store is closed")
            if self._idle:
                return self._idle.pop()
        try:
            db = self._connect()
        except DRIVER_ERRORS as exc:
            raise StoreUnavailable(f"database unreachable: {exc}") from exc
        with self._guard:
            self._all.append(db)
        return db

    def _checkin(self, db: Db) -> None:
        with self._guard:
            if self._closed:
                db.close()
            else:
                self._idle.append(db)

    def _discard(self, db: Db) -> None:
        with self._guard:
            if db in self._all:
                self._all.remove(db)
        with contextlib.suppress(*DRIVER_ERRORS):
            db.close()

    def close(self) -> None:
        """Close idle connections now; busy ones close when their read finishes."""
        with self._guard:
            self._closed = True
            idle, self._idle = self._idle, []
        for db in idle:
            with contextlib.suppress(*DRIVER_ERRORS):
                db.close()
