"""The simulator's loops: chargers keep their own tick phase through a stall, and the load
test harness sees the simulator's long scheduler batches."""

from __future__ import annotations

import time

import pytest
import trio
from evgw.testing.fleet._sim import next_slot

from loadtests.loopwatch import LONG_S, LoopWatch


def test_next_slot_is_the_next_point_of_the_grid() -> None:
    assert next_slot(10.0, 5.0, 10.1) == 15.0
    assert next_slot(10.0, 5.0, 14.9) == 15.0
    assert next_slot(10.0, 5.0, 15.0) == 20.0  # due now: the next one


def test_ticks_missed_in_a_stall_are_skipped_and_each_charger_keeps_its_phase() -> None:
    # Two chargers ticking every 5 s at phases 1.0 and 3.0; the loop stalls from 0.5 to 4.2
    # (both ticks fall in it). With sleep(5) after the late tick they would both tick at
    # 9.2 from then on, in one batch; on their grids they stay 2 s apart.
    after_stall = 4.2
    a, b = next_slot(1.0, 5.0, after_stall), next_slot(3.0, 5.0, after_stall)
    assert (a, b) == (6.0, 8.0)
    assert next_slot(1.0, 5.0, 33.3) == 36.0  # several missed ticks: still on the grid


async def test_the_loop_watch_records_long_batches_only() -> None:
    started = trio.current_time()
    watch = LoopWatch(lambda: trio.current_time() - started)
    trio.lowlevel.add_instrument(watch)
    try:
        await trio.sleep(0.01)  # an I/O wait ends the batch before
        time.sleep(LONG_S * 2)  # noqa: ASYNC251  (holds the loop on purpose: one long batch)
        await trio.sleep(0.01)
        for _ in range(20):  # short batches are not kept
            await trio.sleep(0.001)
    finally:
        trio.lowlevel.remove_instrument(watch)
    assert len(watch.long) == 1
    at, took = watch.long[0]
    assert took >= LONG_S * 2
    longest, share = watch.window(0.0, trio.current_time() - started)
    assert longest == pytest.approx(took)
    assert 0 < share <= 1
    assert watch.window(at + 1, at + 2) == (0.0, 0.0)
