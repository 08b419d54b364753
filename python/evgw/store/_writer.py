"""The single writer thread: group commit with one SAVEPOINT per operation.

Trio tasks enqueue an operation (a function of the connection) and sleep on a trio.Event. The
writer thread takes everything queued (up to ``max_batch``), runs each operation in its own
SAVEPOINT (a failing one is rolled back alone and its caller gets the exception), COMMITs once,
then wakes every waiting task through its trio token. No polling anywhere.

Operations of one kind that arrive in a row (``submit_merged``, e.g. the MeterValues of many
chargers) run as one call over all their items inside one SAVEPOINT: one multi-row INSERT
instead of a statement and a savepoint per message. If that call fails, it is rolled back and
its items run again one by one, each in its own SAVEPOINT, so only the bad one fails.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import trio

from evgw.metrics import (
    STORE_BATCH_SIZE,
    STORE_CHECKPOINT_SECONDS,
    STORE_COMMIT_SECONDS,
    STORE_WRITE_WAIT_SECONDS,
)
from evgw.store._db import DRIVER_ERRORS, Db, is_connection_lost
from evgw.store._errors import StoreError, StoreUnavailable

log = logging.getLogger("evgw.store")
T = TypeVar("T")
X = TypeVar("X")

#: Runs many items of one kind in one go: one result per item, in order.
Merged = Callable[[Db, Sequence[X]], Sequence[T]]


class _Op(Generic[T]):
    __slots__ = (
        "abandoned",
        "error",
        "event",
        "fn",
        "item",
        "merged",
        "queued",
        "result",
        "token",
    )

    def __init__(self, fn: Callable[[Db], T]) -> None:
        self.fn = fn
        self.merged: Merged[Any, T] | None = None  # set by submit_merged, with its item
        self.item: Any = None
        self.event = trio.Event()
        self.token = trio.lowlevel.current_trio_token()
        self.result: T | None = None
        self.error: BaseException | None = None
        self.abandoned = False  # the caller was cancelled before we started it
        self.queued = 0.0  # perf_counter() when it was queued


def _wrap(exc: Exception) -> Exception:
    """Driver errors become StoreError (callers need not know the backend); ours pass through."""
    if isinstance(exc, DRIVER_ERRORS):
        err = StoreError(f"{type(exc).__name__}: {exc}")
        err.__cause__ = exc
        return err
    return exc


def _call_merged(merged: Merged[X, T], db: Db, items: list[X]) -> Sequence[T]:
    results = merged(db, items)
    if len(results) != len(items):
        raise StoreError(f"merged write answered {len(results)} results for {len(items)}")
    return results


def _alone(merged: Merged[X, T], item: X, db: Db) -> T:
    return merged(db, [item])[0]


def _wake(events: list[trio.Event]) -> None:
    for event in events:
        event.set()


class Writer:
    """Owns one connection; ``submit`` from trio, everything else runs on its thread."""

    def __init__(
        self,
        db: Db | None,
        connect: Callable[[], Db],
        *,
        max_batch: int = 256,
        lock: threading.Lock | None = None,
    ) -> None:
        self._db = db
        self._connect = connect
        self._max_batch = max_batch
        self._lock = lock  # held around each batch when the connection is shared with readers
        self._queue: collections.deque[_Op[Any]] = collections.deque()
        self._cond = threading.Condition()
        self._closing = False
        self._dead: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="evgw-store-writer", daemon=True)
        self.commits = 0
        self.writes = 0
        self.last_batch_size = 0

    # trio side ---------------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and self._dead is None and not self._closing

    @property
    def queue_depth(self) -> int:
        return len(self._queue)

    async def submit(self, fn: Callable[[Db], T]) -> T:
        """Run ``fn(db)`` in the next group commit; return once it is committed.

        Cancelling the caller does not undo an operation the writer already started: it may
        still commit. One not started yet is skipped.
        """
        return await self._enqueue(_Op(fn))

    async def submit_merged(self, merged: Merged[X, T], item: X) -> T:
        """Like ``submit(lambda db: merged(db, [item])[0])``, but consecutive operations with
        the same ``merged`` in one group commit run as a single ``merged(db, items)``."""
        op: _Op[T] = _Op(functools.partial(_alone, merged, item))
        op.merged, op.item = merged, item
        return await self._enqueue(op)

    async def _enqueue(self, op: _Op[T]) -> T:
        op.queued = time.perf_counter()
        with self._cond:
            self._check_open()
            self._queue.append(op)
            self._cond.notify()
        try:
            await op.event.wait()
        except trio.Cancelled:
            op.abandoned = True
            raise
        if op.error is not None:
            raise op.error
        return op.result  # type: ignore[return-value]

    def _check_open(self) -> None:
        if self._dead is not None:
            raise StoreUnavailable("store writer thread has stopped") from self._dead
        if self._closing:
            raise StoreUnavailable("store is closed")
        if not self._thread.is_alive():
            raise StoreUnavailable("store writer thread is not running")

    async def aclose(self) -> None:
        """Commit what is queued, then stop the thread and close the connection."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread.is_alive():
            await trio.to_thread.run_sync(self._thread.join, abandon_on_cancel=True)

    # writer thread -----------------------------------------------------------------------------
    def _take(self) -> list[_Op[Any]]:
        with self._cond:
            while not self._queue and not self._closing:
                self._cond.wait()
            n = min(len(self._queue), self._max_batch)
            return [self._queue.popleft() for _ in range(n)]

    def _main(self) -> None:
        batch: list[_Op[Any]] = []
        try:
            self._adopt()
            while True:
                batch = self._take()
                if not batch:
                    break  # closing and drained
                self._run_batch([op for op in batch if not op.abandoned])
                self._release(batch)
                batch = []
                self._tidy()
        except BaseException as exc:  # a bug in the writer itself: fail loudly, never hang
            log.exception("store writer thread died")
            self._dead = exc
            for op in batch:
                op.error = StoreUnavailable("store writer thread died; nothing committed")
            self._release(batch)
        finally:
            self._fail_pending()
            if self._db is not None:
                with self._lock or contextlib.nullcontext():
                    self._db.close()

    def _fail_pending(self) -> None:
        with self._cond:
            self._closing = True
            pending = list(self._queue)
            self._queue.clear()
        for op in pending:
            op.error = StoreUnavailable("store writer thread has stopped")
        self._release(pending)

    def _run_batch(self, batch: list[_Op[Any]]) -> None:
        if not batch:
            return
        started = time.perf_counter()
        STORE_WRITE_WAIT_SECONDS.observe(started - batch[0].queued)  # the oldest one's wait
        try:
            db = self._ensure_db()
            if self._lock is None:
                ok = self._execute(db, batch)
            else:
                with self._lock:
                    ok = self._execute(db, batch)
        except DRIVER_ERRORS as exc:
            self._fail_batch(batch, exc)
            return
        if ok:
            self.commits += 1
            self.writes += ok
            self.last_batch_size = len(batch)
            STORE_COMMIT_SECONDS.observe(time.perf_counter() - started)
            STORE_BATCH_SIZE.observe(len(batch))

    def _adopt(self) -> None:
        if self._db is not None:
            try:
                with self._lock or contextlib.nullcontext():
                    self._db.writer_checkpoints()
            except DRIVER_ERRORS as exc:  # SQLite then checkpoints inside COMMIT, as it would
                log.warning("store: WAL checkpoints stay automatic: %s", exc)

    def _tidy(self) -> None:
        """Housekeeping after the batch's callers were woken (SQLite: the WAL checkpoint), so
        it never delays an answer that was already committed."""
        if self._db is None:
            return
        started = time.perf_counter()
        try:
            with self._lock or contextlib.nullcontext():
                if self._db.after_commit(idle=not self._queue):
                    STORE_CHECKPOINT_SECONDS.observe(time.perf_counter() - started)
        except DRIVER_ERRORS as exc:
            log.warning("store housekeeping failed (retried later): %s", exc)

    def _ensure_db(self) -> Db:
        if self._db is None:
            self._db = self._connect()
            self._adopt()
        assert self._db is not None
        return self._db

    def _execute(self, db: Db, batch: list[_Op[Any]]) -> int:
        """Run the batch in one transaction; answer how many operations committed."""
        db.begin_write()
        try:
            runs = _runs(batch)
            if len(batch) == 1:  # alone: the transaction itself is the savepoint
                good = self._run_alone(db, batch[0])
            elif len(runs) == 1:  # one merged run: likewise, no savepoint (no sub-journal)
                good = self._run_merged_alone(db, runs[0])
            else:
                good = sum(self._run_run(db, run) for run in runs)
            db.commit()
        except BaseException:
            with contextlib.suppress(*DRIVER_ERRORS):  # connection gone: _fail_batch drops it
                db.rollback()
            raise
        return good

    @staticmethod
    def _run_alone(db: Db, op: _Op[Any]) -> int:
        try:
            op.result = op.fn(db)
        except Exception as exc:
            if is_connection_lost(db, exc):
                raise
            db.rollback()
            db.begin_write()  # an empty transaction for _execute to commit
            op.error = _wrap(exc)
            return 0
        return 1

    def _run_run(self, db: Db, run: list[_Op[Any]]) -> int:
        """A run of merged operations in one call; one operation on its own."""
        merged = run[0].merged
        if merged is None or len(run) == 1:
            return sum(self._run_one(db, op) for op in run)
        db.run("SAVEPOINT ops")
        try:
            results = _call_merged(merged, db, [op.item for op in run])
        except Exception as exc:
            if is_connection_lost(db, exc):
                raise
            db.run("ROLLBACK TO SAVEPOINT ops")
            db.run("RELEASE SAVEPOINT ops")
            log.info("merged store write of %d failed (%s); one by one", len(run), exc)
            return sum(self._run_one(db, op) for op in run)
        db.run("RELEASE SAVEPOINT ops")
        for op, result in zip(run, results, strict=True):
            op.result = result
        return len(run)

    def _run_merged_alone(self, db: Db, run: list[_Op[Any]]) -> int:
        """The whole batch is one merged run: no savepoint, whose sub-journal would copy every
        page the run touches; if it fails, the transaction starts over one by one."""
        merged = run[0].merged
        assert merged is not None
        try:
            results = _call_merged(merged, db, [op.item for op in run])
        except Exception as exc:
            if is_connection_lost(db, exc):
                raise
            db.rollback()
            db.begin_write()
            log.info("merged store write of %d failed (%s); one by one", len(run), exc)
            return sum(self._run_one(db, op) for op in run)
        for op, result in zip(run, results, strict=True):
            op.result = result
        return len(run)

    @staticmethod
    def _run_one(db: Db, op: _Op[Any]) -> int:
        db.run("SAVEPOINT op")
        try:
            op.result = op.fn(db)
        except Exception as exc:
            if is_connection_lost(db, exc):
                raise
            db.run("ROLLBACK TO SAVEPOINT op")
            db.run("RELEASE SAVEPOINT op")
            op.error = _wrap(exc)
            return 0
        db.run("RELEASE SAVEPOINT op")
        return 1

    def _fail_batch(self, batch: list[_Op[Any]], exc: Exception) -> None:
        """The transaction failed as a whole (COMMIT, connection): nothing committed."""
        log.warning("store group commit of %d operations failed: %s", len(batch), exc)
        lost = self._db is None or is_connection_lost(self._db, exc)
        for op in batch:
            op.error = StoreUnavailable(f"database error, nothing committed: {exc}")
            op.error.__cause__ = exc
            op.result = None
        if lost and self._db is not None:
            try:
                self._db.close()
            finally:
                self._db = None
            time.sleep(0.05)  # don't spin against a database that is down

    @staticmethod
    def _release(batch: list[_Op[Any]]) -> None:
        by_token: dict[trio.lowlevel.TrioToken, list[trio.Event]] = {}
        for op in batch:
            by_token.setdefault(op.token, []).append(op.event)
        for token, events in by_token.items():
            with contextlib.suppress(trio.RunFinishedError):  # caller's run over: nobody to wake
                token.run_sync_soon(_wake, events)


def _runs(batch: list[_Op[Any]]) -> list[list[_Op[Any]]]:
    """The batch cut into runs: consecutive operations of one merged kind, or one operation
    (the order of the batch is kept)."""
    runs: list[list[_Op[Any]]] = []
    for op in batch:
        if runs and op.merged is not None and runs[-1][0].merged is op.merged:
            runs[-1].append(op)
        else:
            runs.append([op])
    return runs
