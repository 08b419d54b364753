"""Reads on their own connection(s), off the trio thread, served by the pool's own threads.

Each read runs ``fn(db)`` inside one transaction, so it sees one consistent snapshot (SQLite
WAL lets readers run beside the writer). An in-memory SQLite database exists only on its one
connection, so then the reader shares the writer's connection and a lock.

Reads wait in one queue that `size` threads take from, like the writer's. A thread is free for
the next read as soon as it has answered one: with ``trio.to_thread`` and a limiter, a slot
came back only once the trio loop ran the hand-back, so under a burst of sessions (a loop busy
with thousands of chargers) four slots served a few reads per loop turn and reads queued for
hundreds of milliseconds behind reads that had long finished.
"""

from __future__ import annotations

import collections
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

import trio

from evgw.metrics import STORE_READ_SECONDS, STORE_READ_WAIT_SECONDS
from evgw.store._db import DRIVER_ERRORS, Db, is_connection_lost
from evgw.store._errors import StoreError, StoreUnavailable

T = TypeVar("T")


class _Read(Generic[T]):
    __slots__ = ("abandoned", "error", "event", "fn", "queued", "result", "token")

    def __init__(self, fn: Callable[[Db], T]) -> None:
        self.fn = fn
        self.event = trio.Event()
        self.token = trio.lowlevel.current_trio_token()
        self.queued = time.perf_counter()
        self.result: T | None = None
        self.error: BaseException | None = None
        self.abandoned = False  # the caller was cancelled: skip it if not started

    def answer(self) -> None:
        with contextlib.suppress(trio.RunFinishedError):
            self.token.run_sync_soon(self.event.set)


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
        self._size = 1 if shared is not None else max(1, size)
        self._queue: collections.deque[_Read[Any]] = collections.deque()
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._waiting = 0  # threads parked on the condition

    async def run(self, fn: Callable[[Db], T]) -> T:
        """Run ``fn(db)`` in a read transaction on a reader thread; answer its result.
        Cancelling the caller drops a read not started yet; one already running finishes
        in its thread and its result is dropped (reads change nothing)."""
        read: _Read[T] = _Read(fn)
        with self._cond:
            if self._closed:
                raise StoreUnavailable("store is closed")
            self._queue.append(read)
            if self._waiting:
                self._cond.notify()
            elif len(self._threads) < self._size:
                self._spawn()
        try:
            await read.event.wait()
        except trio.Cancelled:
            read.abandoned = True
            raise
        if read.error is not None:
            raise read.error
        return read.result  # type: ignore[return-value]

    def _spawn(self) -> None:
        thread = threading.Thread(
            target=self._serve, name=f"evgw-store-reader-{len(self._threads)}", daemon=True
        )
        self._threads.append(thread)
        thread.start()

    # reader threads ----------------------------------------------------------------------------
    def _take(self) -> _Read[Any] | None:
        with self._cond:
            while not self._queue:
                if self._closed:
                    return None
                self._waiting += 1
                try:
                    self._cond.wait()
                finally:
                    self._waiting -= 1
            return self._queue.popleft()

    def _serve(self) -> None:
        while (read := self._take()) is not None:
            if read.abandoned:
                continue
            started = time.perf_counter()
            STORE_READ_WAIT_SECONDS.observe(started - read.queued)
            try:
                read.result = self._run(read.fn)
            except BaseException as exc:  # handed to the caller, as trio.to_thread would
                read.error = exc
            STORE_READ_SECONDS.observe(time.perf_counter() - started)
            read.answer()

    def _run(self, fn: Callable[[Db], T]) -> T:
        with self._connection() as db:
            db.begin_read()
            try:
                return fn(db)
            finally:
                db.rollback()  # read-only: nothing to keep

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
        """Refuse new reads and fail queued ones; close idle connections now, busy ones when
        their read finishes. The threads end once the queue is empty."""
        with self._cond:
            self._closed = True
            pending = list(self._queue)
            self._queue.clear()
            self._cond.notify_all()
        for read in pending:
            read.error = StoreUnavailable("store is closed")
            read.answer()
        with self._guard:
            idle, self._idle = self._idle, []
        for db in idle:
            with contextlib.suppress(*DRIVER_ERRORS):
                db.close()
