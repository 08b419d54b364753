"""Server GC settings: thresholds raised, start-up frozen, every pause measured."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from evgw import _gc, metrics


@pytest.fixture
def restore_gc() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.set_threshold(*threshold)
    gc.unfreeze()
    if _gc._on_gc in gc.callbacks:
        gc.callbacks.remove(_gc._on_gc)


def _pauses(generation: str) -> float:
    value = metrics.REGISTRY.get_sample_value(
        "evgw_gc_pause_seconds_count", {"generation": generation}
    )
    return value or 0.0


@pytest.mark.usefixtures("restore_gc")
def test_tuning_freezes_raises_thresholds_and_measures_pauses() -> None:
    _gc.tune_for_server()
    assert gc.get_threshold()[0] == _gc.GEN0_THRESHOLD
    assert gc.get_freeze_count() > 0
    before = _pauses("2")
    gc.collect()
    assert _pauses("2") == before + 1
    _gc.tune_for_server()  # idempotent: one callback, not two
    assert gc.callbacks.count(_gc._on_gc) == 1
