"""A few simulated chargers against a real evgw Server (in-process, real sockets, seconds).

The fleet lives an accelerated JPL morning: EVs arrive, authorize, start, send meter values;
the CSMS then resets one charger, limits another with a profile, and asks for diagnostics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
from evgw.testing.fleet._protocol import OcppProtocol

from tests.integration.gateway_fixtures import (
    PASSWORD,
    Running,
    add_token,
    register,
    server_config,
    start_server,
)

CHARGERS = 3
SPEED = 300.0  # five simulated minutes per second


def fleet_env(
    running: Running,
    tmp_path: Path,
    stop: trio.Event,
    rec: Recorder,
    protocol: OcppProtocol | None = None,
    **kw: Any,
) -> FleetEnv:
    return FleetEnv(
        url=running.ocpp_url,
        clock=SimClock(datetime(2026, 3, 2, 17, tzinfo=UTC), speed=SPEED),  # 09:00 in Pasadena
        recorder=rec,
        protocol=protocol or Ocpp16(),
        output_dir=tmp_path / "out",
        stop=stop,
        id_tags=("TAG1",),
        seed=11,
        start_hour=9.0,
        model=ModelSettings(connectors=2, lag_s=30.0, meter_interval_s=300.0),
        tick_s=0.2,
        heartbeat_s=1.0,
        reboot_s=0.3,
        call_timeout_s=5.0,
        **kw,
    )


async def wait_for(condition: Callable[[], bool]) -> None:
    """Poll a condition that simulator state (not an event we own) makes true; 10 s bound."""
    with trio.fail_after(10):
        while not condition():  # noqa: ASYNC110
            await trio.sleep(0.05)


async def exercise(running: Running, fleet: Fleet, tmp_path: Path) -> None:
    gateway = running.server.gateway
    assert gateway is not None
    await wait_for(lambda: fleet.statistics().online == CHARGERS)
    await trio.sleep(2.0)
    first, second = fleet.chargers[0], fleet.chargers[1]
    free = next(c.id for c in first.model.connectors.values() if c.tx is None)
    reply = await gateway.call(
        first.spec.charger_id, "RemoteStartTransaction", {"connectorId": free, "idTag": "TAG1"}
    )
    assert reply == {"status": "Accepted"}
    tx = first.model.connectors[free].tx
    assert tx is not None
    await wait_for(lambda: tx.csms_id is not None)
    booted = fleet.env.recorder.outcomes[("BootNotification", "ok")]
    assert await gateway.call(first.spec.charger_id, "Reset", {"type": "Soft"}) == {
        "status": "Accepted"
    }
    await wait_for(lambda: fleet.env.recorder.outcomes[("BootNotification", "ok")] > booted)
    await wait_for(lambda: first.link is not None)
    profile = {
        "chargingProfileId": 5,
        "stackLevel": 1,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 6.0}],
        },
    }
    reply = await gateway.call(
        second.spec.charger_id,
        "SetChargingProfile",
        {"connectorId": 0, "csChargingProfiles": profile},
    )
    assert reply == {"status": "Accepted"}
    reply = await gateway.call(
        second.spec.charger_id, "GetDiagnostics", {"location": "ftp://diagnostics.invalid/upload"}
    )
    assert reply["fileName"].startswith("diagnostics-")
    await trio.sleep(2.0)  # > lag (30 simulated s = 0.1 s) and the upload steps
    for conn in second.model.connectors.values():
        assert conn.power_w <= 6.0 * 3 * 230.0 + 1e-6
    assert list((tmp_path / "out" / "diagnostics").iterdir())


async def test_fleet_runs_against_a_real_server(nursery: trio.Nursery, tmp_path: Path) -> None:
    running = await start_server(nursery, server_config(tmp_path))
    specs = fleet_specs(CHARGERS, prefix="E2E", password=PASSWORD)
    for spec in specs:
        await register(running, spec.charger_id)
    await add_token(running, "TAG1")
    stop, rec = trio.Event(), Recorder()
    fleet = Fleet(fleet_env(running, tmp_path, stop, rec), specs)
    async with trio.open_nursery() as inner:
        inner.start_soon(fleet.run)
        await exercise(running, fleet, tmp_path)
        stop.set()
    assert rec.errors() == 0, rec.error_samples
    for action in (
        "BootNotification",
        "StatusNotification",
        "Heartbeat",
        "Authorize",
        "StartTransaction",
        "MeterValues",
    ):
        assert rec.outcomes[(action, "ok")] > 0, action
    assert rec.events["reboots"] == 1
    store = running.server.store
    assert store is not None
    txs = [t for s in specs for t in await store.list_transactions(charger_id=s.charger_id)]
    assert len(txs) == rec.outcomes[("StartTransaction", "ok")]
    stopped = [t for t in txs if t.status == "completed"]
    assert "SoftReset" in [t.stop_reason for t in stopped]
    running.server.stop()
