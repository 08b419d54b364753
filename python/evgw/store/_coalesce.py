"""Reads of single rows by key that arrive together share one reader call.

In a reconnect storm thousands of connections each read their charger's registration; one
thread hop and one query per key would cost more than the query. Here the first caller reads
at once (alone, no added latency); callers arriving while a read is in flight wait and go
together in the next one (up to `max_batch` keys, one `WHERE key IN (...)` query), like the
writer's group commit. A caller's read always starts after it asked: nothing older is served.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

import trio

from evgw.store._db import Db

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

Fetch = Callable[[Db, list[K]], dict[K, V]]  # keys -> rows found (missing keys: absent)
Run = Callable[[Callable[[Db], dict[K, V]]], Awaitable[dict[K, V]]]


class _Wait(Generic[V]):
    __slots__ = ("done", "error", "found", "lead", "value")

    def __init__(self) -> None:
        self.done = trio.Event()
        self.lead = False  # woken to run the next read, not with a result
        self.found = False
        self.value: V | None = None
        self.error: BaseException | None = None


class Coalescer(Generic[K, V]):
    def __init__(self, run: Run[K, V], fetch: Fetch[K, V], max_batch: int = 500) -> None:
        self._run = run
        self._fetch = fetch
        self._max_batch = max_batch
        self._waiting: dict[K, list[_Wait[V]]] = {}
        self._busy = False
        self.reads = 0  # reader calls made (for tests and statistics)

    async def get(self, key: K) -> V | None:
        wait: _Wait[V] = _Wait()
        self._waiting.setdefault(key, []).append(wait)
        if self._busy:
            try:
                await wait.done.wait()
            except BaseException:
                self._forget(key, wait)
                if wait.lead:
                    self._hand_on()
                raise
            if not wait.lead:
                return self._result(wait)
        self._busy = True
        try:
            await self._read_batch(wait)
        finally:
            self._hand_on()
        return self._result(wait)

    @staticmethod
    def _result(wait: _Wait[V]) -> V | None:
        if wait.error is not None:
            raise wait.error
        return wait.value

    async def _read_batch(self, own: _Wait[V]) -> None:
        keys = list(self._waiting)[: self._max_batch]
        batch = {k: self._waiting.pop(k) for k in keys}
        self.reads += 1
        try:
            rows = await self._run(lambda db: self._fetch(db, keys))
        except Exception as exc:  # the store failed: every caller of this read gets it
            for waits in batch.values():
                for w in waits:
                    w.error = exc
                    w.done.set()
            raise
        except BaseException:  # the leader was cancelled: the others go in the next read
            for key, waits in batch.items():
                others = [w for w in waits if w is not own]
                if others:
                    self._waiting.setdefault(key, []).extend(others)
            raise
        for key, waits in batch.items():
            for w in waits:
                w.value = rows.get(key)
                w.done.set()

    def _hand_on(self) -> None:
        """The next read is run by the oldest waiter (or nobody: idle again)."""
        for waits in self._waiting.values():
            for w in waits:
                if not w.done.is_set():
                    w.lead = True
                    w.done.set()
                    return
        self._busy = False

    def _forget(self, key: K, wait: _Wait[V]) -> None:
        waits = self._waiting.get(key)
        if waits is not None and wait in waits:
            waits.remove(wait)
            if not waits:
                del self._waiting[key]
