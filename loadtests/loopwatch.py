"""The simulator's own event loop, watched: every stretch it spent running tasks without
reading the network (one scheduler batch). A reply that arrives during a long batch waits
for it, so the batch adds to the round trip the simulator records: a run whose simulator had
many long batches measured the simulator, and the report says so."""

from __future__ import annotations

import time
from collections.abc import Callable

import attrs
import trio

LONG_S = 0.05  # batches at least this long are kept (and counted as "long")


@attrs.define(eq=False)  # an instrument is hashed by identity
class LoopWatch(trio.abc.Instrument):
    """Install with `trio.lowlevel.add_instrument`; `clock` is the recorder's elapsed time."""

    clock: Callable[[], float]
    long: list[tuple[float, float]] = attrs.field(factory=list)  # (ended at, seconds)
    _woke: float | None = None

    def after_io_wait(self, timeout: float) -> None:
        self._woke = time.perf_counter()

    def before_io_wait(self, timeout: float) -> None:
        if self._woke is None:
            return
        took = time.perf_counter() - self._woke
        self._woke = None
        if took >= LONG_S:
            self.long.append((self.clock(), took))

    def window(self, start: float, end: float) -> tuple[float, float]:
        """(longest batch, share of the window spent in long batches) between two times."""
        inside = [took for at, took in self.long if start <= at <= end]
        return max(inside, default=0.0), sum(inside) / max(1e-9, end - start)
