"""The operator drives simulated chargers of both versions through a real evgw (real sockets,
the operator API): reservations (a start by another token refused, cancel, expiry), a display
message set and reported back, a device-model report (2.0.1) and a configuration report
(1.6)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import trio
from evgw.testing.fleet import ChargerSpec, Fleet, FleetEnv, Ocpp16, Recorder, SimCharger, SimClock

from tests.conformance.control_fixtures import admin_api
from tests.integration.authz_fixtures import eventually
from tests.integration.gateway_fixtures import (
    PASSWORD,
    Running,
    add_token,
    register,
    server_config,
    start_server,
)
from tests.integration.test_fleet_e2e import wait_for

SPECS = [
    ChargerSpec("SIM16", 0, site=None, password=PASSWORD, ocpp_version="ocpp1.6"),
    ChargerSpec("SIM201", 1, site=None, password=PASSWORD, ocpp_version="ocpp2.0.1"),
]
START = {
    "ocpp1.6": ("RemoteStartTransaction", lambda tag: {"idTag": tag, "connectorId": 1}),
    "ocpp2.0.1": (
        "RequestStartTransaction",
        lambda tag: {
            "idToken": {"idToken": tag, "type": "Central"},
            "remoteStartId": 3,
            "evseId": 1,
        },
    ),
}


def later(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


@asynccontextmanager
async def simulated(running: Running, tmp_path: Path) -> AsyncIterator[Fleet]:
    """The two chargers on a real-time clock (the reservation expiries are wall-clock times)."""
    env = FleetEnv(
        url=running.ocpp_url,
        clock=SimClock(datetime.now(UTC)),
        recorder=Recorder(),
        protocol=Ocpp16(),
        output_dir=tmp_path / "out",
        stop=trio.Event(),
        tick_s=0.1,
        heartbeat_s=30.0,
        call_timeout_s=5.0,
    )
    fleet = Fleet(env, SPECS)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(fleet.run)
        await wait_for(lambda: fleet.statistics().online == len(SPECS))
        yield fleet
        env.stop.set()
    assert env.recorder.errors() == 0, env.recorder.error_samples


async def evse_status(http: httpx.AsyncClient, charger_id: str, evse: int) -> str | None:
    charger = (await http.get(f"/chargers/{charger_id}")).json()
    found = [c["status"] for c in charger["connectors"] if c["evse_id"] == evse]
    return found[0] if found else None


async def reservation_round(http: httpx.AsyncClient, sim: SimCharger) -> None:
    """Reserve EVSE 1 for TAG1: Reserved; TAG2 cannot start there; cancelled: Available; a
    second reservation expires on the charger."""
    cid, version = sim.spec.charger_id, sim.protocol.subprotocol
    body = {"charger_id": cid, "evse_id": 1, "id_token": "TAG1", "expires_at": later(600)}
    made = await http.post("/reservations", json=body)
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    assert made.json()["charger_status"] == "Accepted"
    assert await eventually(lambda: _is(http, cid, 1, "Reserved"))
    action, payload = START[version]
    refused = await http.post(f"/chargers/{cid}/ocpp/{action}", json=payload("TAG2"))
    assert refused.json()["payload"]["status"] == "Rejected"
    assert sim.model.connectors[1].tx is None
    cancelled = await http.delete(f"/reservations/{rid}")
    assert cancelled.status_code == 200, cancelled.text
    assert await eventually(lambda: _is(http, cid, 1, "Available"))
    body["expires_at"] = later(1.5)
    short = await http.post("/reservations", json=body)
    assert short.status_code == 201, short.text
    assert await eventually(lambda: _is(http, cid, 1, "Reserved"))
    assert await eventually(lambda: _is(http, cid, 1, "Available"))  # expired on the charger
    assert sim.model.held_reservations() == []


async def _is(http: httpx.AsyncClient, charger_id: str, evse: int, status: str) -> bool:
    return await evse_status(http, charger_id, evse) == status


async def display_round(http: httpx.AsyncClient, charger_id: str) -> None:
    message = {"priority": "InFront", "message": {"format": "UTF8", "content": "Welcome"}}
    made = await http.post(f"/chargers/{charger_id}/display-messages", json={"message": message})
    assert made.status_code == 201, made.text
    mid = made.json()["message"]["id"]
    asked = await http.post(f"/chargers/{charger_id}/display-message-reports", json={})
    assert asked.status_code == 202, asked.text
    url = f"/chargers/{charger_id}/display-message-reports/{asked.json()['request_id']}"

    async def complete() -> Any:
        state = (await http.get(url)).json()
        return state if state["status"] == "complete" else None

    state = await eventually(complete)
    assert [m["id"] for part in state["result"] for m in part] == [mid]
    assert state["result"][0][0]["message"]["content"] == "Welcome"
    cleared = await http.delete(f"/chargers/{charger_id}/display-messages/{mid}")
    assert cleared.json()["status"] == "Accepted"


async def report_round(http: httpx.AsyncClient, charger_id: str) -> None:
    wanted = [{"component": {"name": "ReservationCtrlr"}}]
    body = {"requestId": 77, "componentVariable": wanted}
    asked = await http.post(f"/chargers/{charger_id}/ocpp/GetReport", json=body)
    assert asked.json()["payload"] == {"status": "Accepted"}

    async def assembled() -> Any:
        items = (await http.get(f"/chargers/{charger_id}/device-model")).json()["items"]
        return [i for i in items if i["component"] == "ReservationCtrlr"]

    found = await eventually(assembled)
    assert {i["variable"] for i in found} == {"Enabled", "NonEvseSpecific"}


async def test_operator_drives_simulated_chargers(nursery: trio.Nursery, tmp_path: Path) -> None:
    running = await start_server(nursery, server_config(tmp_path))
    for spec in SPECS:
        await register(running, spec.charger_id)
    for tag in ("TAG1", "TAG2"):
        await add_token(running, tag)
    async with simulated(running, tmp_path) as fleet, admin_api(running) as http:
        for sim in fleet.chargers:
            await reservation_round(http, sim)
        await display_round(http, "SIM201")
        message = {"priority": "InFront", "message": {"format": "UTF8", "content": "Hi"}}
        refused = await http.post("/chargers/SIM16/display-messages", json={"message": message})
        assert refused.status_code == 409  # 1.6 has no display messages
        assert refused.json()["error"]["code"] == "not_supported_by_version"
        await report_round(http, "SIM201")
        config = await http.post("/chargers/SIM16/ocpp/GetConfiguration", json={})
        keys = {k["key"]: k["value"] for k in config.json()["payload"]["configurationKey"]}
        assert keys["ReserveConnectorZeroSupported"] == "true"
    running.server.stop()
