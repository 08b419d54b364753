"""A simulated 2.0.1 station moved to another CSMS the way B09 does it: SetNetworkProfile into
slot 1, SetVariables NetworkConfigurationPriority "1,0", Reset. Two real evgw servers, real
sockets: after the reboot the station connects to the second; when slot 1 leads nowhere it
falls back to slot 0 (the URL it started with)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio
from evgw.testing.fleet import ChargerSpec, Fleet, Ocpp201, Recorder

from tests.integration.gateway_fixtures import (
    PASSWORD,
    Running,
    add_token,
    register,
    server_config,
    start_server,
)
from tests.integration.test_fleet_e2e import fleet_env, wait_for

ID = "NET00001"


def network(url: str) -> dict[str, Any]:
    data = {
        "ocppVersion": "OCPP20",
        "ocppTransport": "JSON",
        "ocppCsmsUrl": url,
        "messageTimeout": 30,
        "securityProfile": 1,
        "ocppInterface": "Wired0",
    }
    return {"configurationSlot": 1, "connectionData": data}


PRIORITY = {
    "setVariableData": [
        {
            "component": {"name": "OCPPCommCtrlr"},
            "variable": {"name": "NetworkConfigurationPriority"},
            "attributeValue": "1,0",
        }
    ]
}


async def serve(nursery: trio.Nursery, tmp_path: Path) -> Running:
    await trio.Path(tmp_path).mkdir()
    running = await start_server(nursery, server_config(tmp_path))
    await register(running, ID)
    await add_token(running, "TAG1")
    return running


async def move(running: Running, url: str) -> None:
    """B09 from `running`: the new profile, its priority, then a reset."""
    gateway = running.server.gateway
    assert gateway is not None
    assert await gateway.call(ID, "SetNetworkProfile", network(url)) == {"status": "Accepted"}
    reply = await gateway.call(ID, "SetVariables", PRIORITY)
    assert reply["setVariableResult"][0]["attributeStatus"] == "Accepted"
    assert await gateway.call(ID, "Reset", {"type": "Immediate"}) == {"status": "Accepted"}


def connected(running: Running) -> bool:
    gateway = running.server.gateway
    return gateway is not None and gateway.connection(ID) is not None


async def test_after_a_reset_the_station_uses_the_network_profile_by_priority(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    old, new = await serve(nursery, tmp_path / "old"), await serve(nursery, tmp_path / "new")
    stop, rec = trio.Event(), Recorder()
    spec = ChargerSpec(ID, 0, site=None, password=PASSWORD, ocpp_version="ocpp2.0.1")
    fleet = Fleet(fleet_env(old, tmp_path, stop, rec, protocol=Ocpp201()), [spec])
    async with trio.open_nursery() as inner:
        inner.start_soon(fleet.run)
        await wait_for(lambda: connected(old))
        await move(old, new.ocpp_url)
        await wait_for(lambda: connected(new))
        assert not connected(old)
        # from the new CSMS, a slot 1 that answers nothing: the station falls back to slot 0
        with trio.socket.socket() as unused:
            await unused.bind(("127.0.0.1", 0))
            port = unused.getsockname()[1]
        await move(new, f"ws://127.0.0.1:{port}/ocpp")
        await wait_for(lambda: connected(old))
        assert rec.events["endpoint_fallback"] >= 1
        stop.set()
    assert rec.events["reboots"] == 2
    old.server.stop()
    new.server.stop()
