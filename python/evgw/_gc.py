"""Garbage-collector settings for a long-running server, and a metric of its pauses.

Per-message garbage is acyclic and freed by reference counting; the cyclic collector only
has to find the rare cycles. With the defaults it runs a young collection every 700
allocations and, every so often, a full pass over the whole heap, which with thousands of
connections takes long enough to stall every charger at once. So: start-up objects are
frozen (never scanned again), young collections run less often (fewer short-lived objects
survive into the old generation), and every pause is measured (`evgw_gc_pause_seconds`).
"""

from __future__ import annotations

import gc
import time
from typing import Any

from evgw import metrics

GEN0_THRESHOLD = 50_000
GEN1_THRESHOLD = 20
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
