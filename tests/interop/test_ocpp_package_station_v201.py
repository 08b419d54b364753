"""Interop, OCPP 2.0.1: a charging station built with the independent `ocpp` package (own
process) against a real evgw server on SQLite and PostgreSQL; CSMS-initiated calls go through
the operator API over HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import trio
from evgw.api import create_api_token
from evgw.domain import Role

from tests.integration.gateway_fixtures import Running
from tests.interop.test_ocpp_package_charger import ChargerProcess, server

__all__ = ["server"]

SCRIPT = Path(__file__).with_name("ocpp_charger_v201.py")
PROFILE = {
    "id": 1,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": [
        {
            "id": 1,
            "chargingRateUnit": "A",
            "startSchedule": "2026-11-26T00:00:00Z",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.0}],
        }
    ],
}


async def start_station(
    nursery: trio.Nursery, server: Running
) -> tuple[trio.Process, ChargerProcess]:
    charger = await ChargerProcess.start(nursery, SCRIPT, server)
    return charger.proc, charger


async def command(http: httpx.AsyncClient, action: str, payload: dict[str, Any]) -> Any:
    reply = await http.post(f"/api/v1/chargers/INTEROP1/ocpp/{action}", json=payload)
    assert reply.status_code == 200, reply.text
    return reply.json()["payload"]


async def test_ocpp_package_station_v201_end_to_end(server: Running, nursery: trio.Nursery) -> None:
    store = server.server.store
    assert store is not None
    proc, station = await start_station(nursery, server)
    steps = [await station.next_step() for _ in range(7)]
    assert [s.get("event_type", s["step"]) for s in steps] == [
        *("boot", "authorize", "Started", "Updated", "Ended", "firmware", "ready")
    ]
    by_step = {(s["step"], s.get("event_type")): s for s in steps}
    assert by_step[("boot", None)]["status"] == "Accepted"
    assert by_step[("authorize", None)]["status"] == "Accepted"
    assert by_step[("transaction_event", "Started")]["status"] == "Accepted"
    assert steps[-1]["step"] == "ready"

    token = await create_api_token(store, Role.OPERATOR, "interop")
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=server.api_url, headers=headers, timeout=10) as http:
        start = {"idToken": {"idToken": "TAG1", "type": "ISO14443"}, "remoteStartId": 7}
        assert (await command(http, "RequestStartTransaction", start))["status"] == "Accepted"
        assert (await station.next_step())["action"] == "RequestStartTransaction"
        stop = {"transactionId": "TX-REMOTE"}
        assert await command(http, "RequestStopTransaction", stop) == {"status": "Accepted"}
        assert (await station.next_step())["transaction_id"] == "TX-REMOTE"
        profile = {"evseId": 1, "chargingProfile": PROFILE}
        assert await command(http, "SetChargingProfile", profile) == {"status": "Accepted"}
        assert (await station.next_step())["action"] == "SetChargingProfile"
        report = {"requestId": 5, "reportBase": "FullInventory"}
        assert await command(http, "GetBaseReport", report) == {"status": "Accepted"}
        assert (await station.next_step())["action"] == "GetBaseReport"
        assert (await station.next_step())["parts"] == 2
        model = (await http.get("/api/v1/chargers/INTEROP1/device-model")).json()["items"]
        assert {(i["component"], i["variable"], i["value"]) for i in model} == {
            ("ChargingStation", "Model", "Interop-201"),
            ("SecurityCtrlr", "SecurityProfile", "1"),
            ("DeviceDataCtrlr", "ItemsPerMessage", "4"),
        }
        bad = await http.post("/api/v1/chargers/INTEROP1/ocpp/Reset", json={"type": "Soft"})
        assert bad.status_code == 422  # 1.6 spelling: 2.0.1 has Immediate / OnIdle
        assert await command(http, "Reset", {"type": "Immediate"}) == {"status": "Accepted"}
        assert (await station.next_step())["action"] == "Reset"
        assert (await station.next_step())["step"] == "done"
        with trio.fail_after(10):
            await proc.wait()
        assert proc.returncode == 0

    tx = await store.find_transaction_by_ocpp_id("INTEROP1", "TX-INTEROP")
    assert tx is not None
    full = await store.get_transaction(tx.id, with_samples=True)
    assert full is not None
    assert (full.status, full.energy_wh, full.stop_reason) == ("completed", 1500, "Local")
    assert len(full.samples) == 6
    record = await store.get_charger("INTEROP1")
    assert record is not None
    assert (record.ocpp_version, record.model) == ("ocpp2.0.1", "Interop-201")
