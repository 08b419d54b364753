"""End to end: simulated chargers (EVs that follow profiles after a lag and draw at most the
limit) behind one site, evgw's load management on a real server. Every connector is
started at once; the measured site load may exceed the limit only in short episodes (a
session starting on its fallback share before the others' reductions reach their EVs),
never for longer than the EV response lag plus the dispatch path."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import trio
from evgw.testing.fleet import (
    Fleet,
    FleetEnv,
    ModelSettings,
    Ocpp16,
    Recorder,
    SimClock,
    fleet_specs,
)

from tests.integration.gateway_fixtures import PASSWORD, Running, add_token, register, start_server
from tests.integration.sc_fixtures import admin, one_node_site, sc_config

CHARGERS = 6  # 12 connectors of 32 A: 384 A uncontrolled
LIMIT_A = 100.0
SPEED = 10.0
LAG_SIM_S = 5.0  # the EVs' response lag (simulated seconds)
DISPATCH_S = 1.0  # tick + event + round trip + meter period allowance, real seconds
RUN_S = 8.0


def env(running: Running, tmp_path: Path, stop: trio.Event) -> FleetEnv:
    return FleetEnv(
        url=running.ocpp_url,
        clock=SimClock(datetime.now(UTC), speed=SPEED),
        recorder=Recorder(),
        protocol=Ocpp16(),
        output_dir=tmp_path / "out",
        stop=stop,
        id_tags=("TAG1",),
        seed=4,
        model=ModelSettings(connectors=2, lag_s=LAG_SIM_S, meter_interval_s=5.0),
        tick_s=0.05,
        heartbeat_s=30.0,
        call_timeout_s=5.0,
    )


def site_load(fleet: Fleet) -> list[float]:
    per_phase = [0.0, 0.0, 0.0]
    for charger in fleet.chargers:
        for conn in charger.model.connectors.values():
            for phase, amps in enumerate(conn.current_a()):
                per_phase[phase] += amps
    return per_phase


async def watch(fleet: Fleet, samples: list[tuple[float, float]]) -> None:
    while True:
        samples.append((trio.current_time(), max(site_load(fleet))))
        await trio.sleep(0.02)


def longest_overload(samples: list[tuple[float, float]]) -> float:
    longest, since = 0.0, None
    for t, amps in samples:
        if amps > LIMIT_A + 0.5:
            since = t if since is None else since
            longest = max(longest, t - since)
        else:
            since = None
    return longest


async def start_everything(running: Running, fleet: Fleet) -> None:
    gateway = running.server.gateway
    assert gateway is not None
    for charger in fleet.chargers:
        for cid in charger.model.connectors:
            payload = {"connectorId": cid, "idTag": "TAG1"}
            reply = await gateway.call(charger.spec.charger_id, "RemoteStartTransaction", payload)
            assert reply == {"status": "Accepted"}


async def test_the_site_is_held_at_its_limit(nursery: trio.Nursery, tmp_path: Path) -> None:
    running = await start_server(nursery, sc_config(tmp_path, tx_profile_duration_s=86_400))
    specs = fleet_specs(CHARGERS, prefix="LM", sites=(None,), password=PASSWORD)
    for spec in specs:
        await register(running, spec.charger_id)
    await add_token(running, "TAG1")
    api = await admin(running)
    site = one_node_site(LIMIT_A, *(s.charger_id for s in specs), connectors=2)
    assert (await api.put("/api/v1/sites/depot", json=site)).status_code == 201
    stop, samples = trio.Event(), []
    fleet = Fleet(env(running, tmp_path, stop), specs)
    async with trio.open_nursery() as inner:
        inner.start_soon(fleet.run)
        with trio.fail_after(10):
            while fleet.statistics().online < CHARGERS:  # noqa: ASYNC110
                await trio.sleep(0.05)
        inner.start_soon(watch, fleet, samples)
        await start_everything(running, fleet)
        await trio.sleep(RUN_S)
        allocation = (await api.get("/api/v1/sites/depot/allocation")).json()
        stop.set()
        inner.cancel_scope.cancel()
    running.server.stop()
    settled = [amps for t, amps in samples if t > samples[-1][0] - RUN_S / 2]
    assert max(settled) > LIMIT_A * 0.8, "the site is used, not just kept empty"
    assert longest_overload(samples) <= LAG_SIM_S / SPEED + DISPATCH_S
    assert max(settled) <= LIMIT_A + 0.5
    assert all(r["allocated"] <= r["limit"] + 1e-6 for r in allocation["rows"])
    assert fleet.env.recorder.errors() == 0, fleet.env.recorder.error_samples
