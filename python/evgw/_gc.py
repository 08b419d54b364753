"""Garbage-collector settings for a long-running server, and a metric of its pauses.

Per-message garbage is acyclic and freed by reference counting; the cyclic collector only
has to find the rare cycles. With the defaults it runs a young collection every 700
allocations and, every so often, a full pass over the whole heap, which with thousands of
connections takes long enough to stall every charger at once. So: start-up objects are
frozen (never scanned again), young collections run less often than the default, and every
pause is measured (`evgw_gc_pause_seconds`).

How much less often is a trade between the number of pauses and their length. With
(50,000, 20) at 10,000 chargers, evgw-only steady run (`loadtests/scenarios/steady.toml`
with `targets = ["evgw"]`, `duration_s = 150`): young collections took 35-60 ms on average
and the first middle-generation collection, holding everything the fleet had built since
start-up, 0.53-0.58 s, the longest stall of the run. With (10,000, 5) in the same scenario:
9 ms and 68 ms on average, about the same collector time in all (1.96 against 1.84 s), and
the window's p99 round trip 51 ms against 126-182 ms in the runs before.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from evgw import metrics

GEN0_THRESHOLD = 10_000
GEN1_THRESHOLD = 5
GEN2_THRESHOLD = 20

_started: list[float] = []


def _on_gc(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started.append(time.perf_counter())
    elif _started:
        pause = time.perf_counter() - _started.pop()
        metrics.GC_PAUSE_SECONDS.labels(str(info.get("generation", "?"))).observe(pause)


def tune_for_server() -> None:
    """Call once the server is up (after start-up allocated its long-lived objects)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GEN0_THRESHOLD, GEN1_THRESHOLD, GEN2_THRESHOLD)
    if _on_gc not in gc.callbacks:
        gc.callbacks.append(_on_gc)
