"""One scenario against one target: start the CSMS, the fleet and a 1 Hz sampler; hand the
kind-specific measurement a `Harness`; stop everything (bounded)."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import trio
from evgw.testing.fleet import (
    ChargerSpec,
    FaultSettings,
    Fleet,
    FleetEnv,
    ModelSettings,
    Ocpp16,
    Pacer,
    Recorder,
    SimClock,
    check_capacity,
    client_context,
    percentile,
    version_mix,
)

from loadtests import ledger
from loadtests.loopwatch import LoopWatch
from loadtests.targets import PASSWORD, Target

SIM_BOUND_SHARE = 0.9  # simulator busier than this share of one core: it may be the bottleneck
SIM_STALL_S = 0.25  # ... or its event loop stalled this long (it then adds to every round trip)
SIM_LONG_SHARE = 0.01  # ... or spent 1 % of the window in long batches (>= 50 ms): p99 is its own


@attrs.define
class Sample:
    t: float
    server_cpu_s: float
    server_rss_mb: float
    sim_cpu_s: float
    ok: int
    errors: int


@attrs.define
class Harness:
    scenario: dict[str, Any]
    target: Target
    fleet: Fleet
    recorder: Recorder
    stop: trio.Event
    loop: LoopWatch
    samples: list[Sample] = attrs.field(factory=list)

    @property
    def n(self) -> int:
        return len(self.fleet.chargers)

    def sample_now(self) -> Sample:
        stats = self.target.stats()
        ok = sum(v for (_, o), v in self.recorder.outcomes.items() if o == "ok")
        return Sample(
            self.recorder.elapsed(),
            stats.cpu_s,
            stats.rss_mb,
            time.process_time(),
            ok,
            self.recorder.errors(),
        )

    async def sampler(self) -> None:
        while True:
            self.samples.append(self.sample_now())
            await trio.sleep(1.0)

    async def wait_ready(self, count: int, deadline_s: float) -> float | None:
        """Seconds until `count` chargers reported ready (None: not within the deadline)."""
        start = self.recorder.elapsed()
        with trio.move_on_after(deadline_s):
            while len(self.recorder.milestones.get("ready", ())) < count:  # noqa: ASYNC110
                await trio.sleep(0.1)
            return self.recorder.elapsed() - start
        return None


def charger_ids(n: int) -> list[str]:
    return [f"LT{i:05d}" for i in range(n)]


def token_ids(n: int) -> list[str]:
    return [f"TAG{i:05d}" for i in range(n)]


def build_fleet(
    s: dict[str, Any],
    target: Target,
    *,
    out: Path,
    stop: trio.Event,
    rec: Recorder,
    pacer: Pacer | None,
) -> Fleet:
    f = s["fleet"]
    evs = f["evs"] and s[""]["kind"] != "capacity" and pacer is None
    pki = target.pki
    env = FleetEnv(
        url=target.tls_url or target.url,
        clock=SimClock(datetime(2026, 3, 2, 8, tzinfo=UTC), f["speed"]),
        recorder=rec,
        protocol=Ocpp16(),
        output_dir=out,
        stop=stop,
        id_tags=tuple(token_ids(f["tokens"])),
        seed=s[""]["seed"],
        start_hour=f["start_hour"],
        model=ModelSettings(
            connectors=f["connectors"],
            lag_s=f["lag_s"],
            meter_interval_s=f["meter_interval_s"] * f["speed"],
        ),
        faults=FaultSettings(**s["faults"]) if s[""]["kind"] == "chaos" else FaultSettings(),
        call_timeout_s=f["call_timeout_s"],
        tick_s=f["tick_s"],
        heartbeat_s=f["heartbeat_s"],
        ssl_context=client_context(pki.ca_file) if pki else None,
        ca_file=pki.ca_file if pki else None,
        pacer=pacer,
    )
    return Fleet(env, charger_specs(s, evs, pki.client_certs if pki else {}))


def charger_specs(
    s: dict[str, Any], evs: bool, certs: dict[str, tuple[str, str]]
) -> list[ChargerSpec]:
    """Each charger's site, OCPP version (the scenario's mix, seeded) and credentials:
    profiles 1 and 2 a Basic auth password, profile 3 its client certificate."""
    f = s["fleet"]
    password = PASSWORD if f["security_profile"] in (1, 2) else None
    sites = tuple(f["sites"]) if evs else (None,)
    ids = charger_ids(f["chargers"])
    versions = version_mix(len(ids), f["ocpp_versions"], s[""]["seed"])
    return [
        ChargerSpec(
            cid,
            i,
            site=sites[i % len(sites)],
            password=password,
            ocpp_version=versions[i],
            client_cert=certs.get(cid),
        )
        for i, cid in enumerate(ids)
    ]


async def run_against(
    s: dict[str, Any], target_name: str, out: Path, measure: Any
) -> dict[str, Any]:
    """Prepare and start `target_name`, run the fleet, return `measure(harness)`'s result."""
    f = s["fleet"]
    check_capacity(f["chargers"])
    target = Target(target_name, out / target_name)
    await target.prepare(charger_ids(f["chargers"]), token_ids(f["tokens"]), f["security_profile"])
    stop, rec = trio.Event(), Recorder()
    pacer = Pacer() if s[""]["kind"] == "throughput" else None
    async with trio.open_nursery() as nursery:
        await target.start(nursery)
        fleet = build_fleet(s, target, out=out / target_name, stop=stop, rec=rec, pacer=pacer)
        h = Harness(s, target, fleet, rec, stop, LoopWatch(rec.elapsed))
        trio.lowlevel.add_instrument(h.loop)
        nursery.start_soon(h.sampler)
        try:
            result = await measure(h, nursery)
        finally:
            trio.lowlevel.remove_instrument(h.loop)
            stop.set()
            with trio.move_on_after(10):
                await trio.sleep(1.0)
            await target.stop()
            nursery.cancel_scope.cancel()
    figures = common_figures(h)
    if target.db_path is not None:
        figures["transactions"] = ledger.check(rec.ledger, target.db_path)
    return {"target": target_name, **result, **figures}


def common_figures(h: Harness) -> dict[str, Any]:
    rec = h.recorder
    by_action: dict[str, dict[str, int]] = {}
    for (action, outcome), n in sorted(rec.outcomes.items()):
        by_action.setdefault(action, {})[outcome] = n
    last = h.samples[-1] if h.samples else None
    return {
        "actions": by_action,
        "rtt_ms_by_action": latency_by_action(rec),
        "events": dict(rec.events),
        "error_samples": rec.error_samples[:20],
        "server_rss_mb_max": max((x.server_rss_mb for x in h.samples), default=0.0),
        "server_cpu_s_total": last.server_cpu_s if last else 0.0,
        "timeline": [attrs.asdict(x) for x in h.samples],
    }


def latency_by_action(rec: Recorder) -> dict[str, dict[str, float]]:
    """p50/p99 round trip per action over the whole run (e.g. 1.6 StartTransaction against
    2.0.1 TransactionEvent in a mixed fleet)."""
    out = {}
    for action, values in sorted(rec.by_action.items()):
        ordered = sorted(values)
        out[action] = {
            "count": len(ordered),
            "p50_ms": round(percentile(ordered, 50) * 1000, 2),
            "p99_ms": round(percentile(ordered, 99) * 1000, 2),
        }
    return out


def window(h: Harness, start: Sample, end: Sample) -> dict[str, Any]:
    """Figures for the interval between two samples."""
    dt = max(1e-9, end.t - start.t)
    summary = h.recorder.window(start.t, end.t)
    msgs = max(1, summary.count)
    sim_share = (end.sim_cpu_s - start.sim_cpu_s) / dt
    stall = _sim_stall_s(h, start.t, end.t)
    longest, long_share = h.loop.window(start.t, end.t)
    return {
        "seconds": round(dt, 1),
        "messages": summary.count,
        "rate_per_s": round(summary.rate_per_s, 1),
        "errors": summary.errors,
        "p50_ms": round(summary.p50_ms, 2),
        "p95_ms": round(summary.p95_ms, 2),
        "p99_ms": round(summary.p99_ms, 2),
        "max_ms": round(summary.max_ms, 2),
        "server_cpu_share": round((end.server_cpu_s - start.server_cpu_s) / dt, 3),
        "server_cpu_us_per_msg": round((end.server_cpu_s - start.server_cpu_s) / msgs * 1e6, 1),
        "server_rss_mb": round(end.server_rss_mb, 1),
        "sim_cpu_share": round(sim_share, 3),
        "sim_stall_max_s": round(max(stall, longest), 2),
        "sim_long_batch_share": round(long_share, 4),
        "sim_bound": sim_share > SIM_BOUND_SHARE
        or max(stall, longest) > SIM_STALL_S
        or long_share >= SIM_LONG_SHARE,
    }


def _sim_stall_s(h: Harness, start: float, end: float) -> float:
    """Longest delay of the 1 Hz sampler in the window: the simulator's loop was blocked."""
    ts = [x.t for x in h.samples if start <= x.t <= end]
    return max((b - a - 1.0 for a, b in itertools.pairwise(ts)), default=0.0)
