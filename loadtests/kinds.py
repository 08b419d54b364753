"""What each scenario kind measures, given a running `Harness`."""

from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable
from typing import Any

import trio

from loadtests.harness import Harness, window

Measure = Callable[[Harness, trio.Nursery], Awaitable[dict[str, Any]]]


async def _start_fleet(h: Harness, nursery: trio.Nursery) -> float | None:
    nursery.start_soon(h.fleet.run, h.scenario["fleet"]["ramp_s"])
    deadline = h.scenario["fleet"]["ramp_s"] + 120.0
    ready = await h.wait_ready(h.n, deadline)
    settle_gc()
    return ready


def settle_gc() -> None:
    """Move the fleet's long-lived objects out of the collector's sight: with thousands of
    connections a full collection otherwise pauses the simulator for a second or more."""
    gc.collect()
    gc.freeze()


async def steady(h: Harness, nursery: trio.Nursery) -> dict[str, Any]:
    """Connect the fleet, let it warm up, then measure a window of realistic traffic."""
    ready_s = await _start_fleet(h, nursery)
    await trio.sleep(h.scenario["run"]["warmup_s"])
    start = h.sample_now()
    await trio.sleep(h.scenario["run"]["duration_s"] - h.scenario["run"]["warmup_s"])
    end = h.sample_now()
    stats = h.fleet.statistics()
    return {
        "ready_s": ready_s,
        "online_at_end": stats.online,
        "transactions_at_end": stats.transactions,
        "window": window(h, start, end),
    }


async def throughput(h: Harness, nursery: trio.Nursery) -> dict[str, Any]:
    """Ramp the offered MeterValues rate in steps until p99 or errors break the limit."""
    ramp = h.scenario["ramp"]
    ready_s = await _start_fleet(h, nursery)
    await trio.sleep(3.0)  # every charger opens its transaction
    pacer = h.fleet.env.pacer
    assert pacer is not None
    steps: list[dict[str, Any]] = []
    rate = ramp["start_rate"]
    while rate <= ramp["max_rate"]:
        pacer.per_charger_rate = rate / h.n
        await trio.sleep(min(2.0, ramp["step_s"] / 4))
        start = h.sample_now()
        await trio.sleep(ramp["step_s"])
        step = {"offered_per_s": rate, **window(h, start, h.sample_now())}
        steps.append(step)
        if _broken(step, ramp["p99_ms"]):
            break
        rate += ramp["step_rate"]
    pacer.per_charger_rate = 0.0
    return {"ready_s": ready_s, "steps": steps, "knee": knee(steps, ramp["p99_ms"])}


def _broken(step: dict[str, Any], p99_ms: float) -> bool:
    saturated = step["rate_per_s"] < 0.9 * step["offered_per_s"]
    return bool(step["p99_ms"] > p99_ms or step["errors"] > 0 or saturated)


def knee(steps: list[dict[str, Any]], p99_ms: float) -> dict[str, Any] | None:
    """The last step that held p99 and had no errors: its achieved rate is the sustained max."""
    good = [s for s in steps if s["p99_ms"] <= p99_ms and s["errors"] == 0]
    if not good:
        return None
    best = max(good, key=lambda s: s["rate_per_s"])
    return {
        "rate_per_s": best["rate_per_s"],
        "p99_ms": best["p99_ms"],
        "server_cpu_us_per_msg": best["server_cpu_us_per_msg"],
        "sim_bound": best["sim_bound"],
        "limited_by": _limit(steps),
    }


def _limit(steps: list[dict[str, Any]]) -> str:
    last = steps[-1]
    if last["sim_bound"]:
        return "the simulator (most of a core, or its loop stalled or ran long batches)"
    if last["errors"]:
        return "errors"
    if last["p99_ms"] > 0 and last["rate_per_s"] >= 0.9 * last["offered_per_s"]:
        return "p99 latency"
    return "throughput saturated (achieved < 90 % of offered)"


async def bootstorm(h: Harness, nursery: trio.Nursery) -> dict[str, Any]:
    """All chargers lose the network at once, queue transaction messages, then reconnect."""
    storm = h.scenario["storm"]
    ready_s = await _start_fleet(h, nursery)
    await trio.sleep(h.scenario["run"]["warmup_s"])
    refused_before = _refusals(h)
    before = len(h.recorder.milestones.get("ready", ()))
    now = trio.current_time()
    async with trio.open_nursery() as drops:
        for charger in h.fleet.chargers:
            charger.offline_until = now + storm["offline_s"]
            drops.start_soon(charger._drop_connection)
    await trio.sleep(max(0.0, now + storm["offline_s"] - trio.current_time()))
    start = h.sample_now()
    storm_s = await h.wait_ready(before + h.n, storm["deadline_s"] + 60.0)
    end = h.sample_now()
    return {
        "ready_s": ready_s,
        "storm_s": storm_s,
        "chargers": h.n,
        "refusals": _refusals(h) - refused_before,
        "replayed": h.recorder.events["replayed"],
        "within_deadline": storm_s is not None and storm_s <= storm["deadline_s"],
        "window": window(h, start, end),
    }


def _refusals(h: Harness) -> int:
    return sum(n for k, n in h.recorder.events.items() if k.startswith("refused"))


async def capacity(h: Harness, nursery: trio.Nursery) -> dict[str, Any]:
    """Idle connections in steps until the memory budget or the fleet size; KiB per connection."""
    cap = h.scenario["capacity"]
    await trio.sleep(1.0)
    base = h.sample_now().server_rss_mb
    steps: list[dict[str, Any]] = []
    started = 0
    while started < h.n:
        batch = h.fleet.chargers[started : started + cap["step"]]
        for charger in batch:
            nursery.start_soon(charger.live)
        started += len(batch)
        await h.wait_ready(started, 120.0)
        settle_gc()
        await trio.sleep(cap["hold_s"])
        steps.append(_capacity_step(h, started, base))
        if steps[-1]["server_rss_mb"] > cap["budget_mb"]:
            break
    last = steps[-1]
    return {
        "baseline_rss_mb": round(base, 1),
        "steps": steps,
        "connections": last["online"],
        "kib_per_connection": last["kib_per_connection"],
        "within_budget": last["server_rss_mb"] <= cap["budget_mb"],
    }


def _capacity_step(h: Harness, started: int, base: float) -> dict[str, Any]:
    sample = h.sample_now()
    online = h.fleet.statistics().online
    per = (sample.server_rss_mb - base) * 1024 / max(1, online)
    return {
        "started": started,
        "online": online,
        "server_rss_mb": round(sample.server_rss_mb, 1),
        "kib_per_connection": round(per, 1),
        "errors": sample.errors,
    }


KINDS: dict[str, Measure] = {
    "steady": steady,
    "chaos": steady,
    "throughput": throughput,
    "bootstorm": bootstorm,
    "capacity": capacity,
}
