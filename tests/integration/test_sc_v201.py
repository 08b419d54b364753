"""Load management with scripted OCPP 2.0.1 stations over real sockets: SmartChargingCtrlr
read at boot, ChargingStationMaxProfile and the fallback TxDefaultProfile on EVSE 0, one
TxProfile per EVSE (id 100 + evse, stack 1, the station's transactionId, the same id on every
update), NotifyChargingLimit / ClearedChargingLimit as hard limits (per EVSE and per
station), NotifyEVChargingNeeds as the EV's range, and ClearChargingProfile when a site goes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import trio
from evgw.testing import ScriptedCharger, connect_charger

from tests.conformance.v201_frames import V201, boot, tx_event
from tests.integration.gateway_fixtures import PASSWORD, Running, start_server
from tests.integration.sc_fixtures import one_node_site, sc_config
from tests.integration.test_sc_dispatch import allocation, setup_site, until

CTRLR = {
    "Enabled": "true",
    "RateUnit": "A",
    "ProfileStackLevel": "3",
    "PeriodsPerSchedule": "5",
}


def get_variables(p: dict[str, Any]) -> dict[str, Any]:
    results = []
    for item in p["getVariableData"]:
        name = item["variable"]["name"]
        found = item["component"]["name"] == "SmartChargingCtrlr" and name in CTRLR
        result = {**item, "attributeStatus": "Accepted" if found else "UnknownVariable"}
        if found:
            result["attributeValue"] = CTRLR[name]
        results.append(result)
    return {"getVariableResult": results}


@asynccontextmanager
async def station(running: Running, charger_id: str) -> AsyncIterator[ScriptedCharger]:
    async with connect_charger(
        running.charger_url(charger_id), version=V201, user=charger_id, password=PASSWORD
    ) as cp:
        cp.responses["GetVariables"] = get_variables
        await cp.result("BootNotification", boot())
        yield cp


def sent(cp: ScriptedCharger, purpose: str, evse: int | None = None) -> list[dict[str, Any]]:
    return [
        {**f[3]["chargingProfile"], "evseId": f[3]["evseId"]}
        for f in cp.received_calls
        if f[2] == "SetChargingProfile"
        and f[3]["chargingProfile"]["chargingProfilePurpose"] == purpose
        and (evse is None or f[3]["evseId"] == evse)
    ]


def tx_limits(cp: ScriptedCharger, evse: int) -> list[float]:
    return [
        p["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"]
        for p in sent(cp, "TxProfile", evse)
    ]


async def start(cp: ScriptedCharger, evse: int, tx_id: str) -> None:
    await cp.result(
        "TransactionEvent",
        tx_event(
            "Started",
            0,
            tx_id,
            idToken={"idToken": "TAG1", "type": "ISO14443"},
            evse={"id": evse, "connectorId": 1},
        ),
    )


def limit(source: str, amps: float, evse: int | None = None) -> dict[str, Any]:
    schedule = {
        "id": 1,
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": amps}],
    }
    body: dict[str, Any] = {
        "chargingLimit": {"chargingLimitSource": source},
        "chargingSchedule": [schedule],
    }
    return body if evse is None else {**body, "evseId": evse}


async def up(
    nursery: trio.Nursery, tmp_path: Path, site: dict[str, Any]
) -> tuple[Running, httpx.AsyncClient]:
    running = await start_server(nursery, sc_config(tmp_path))
    return running, await setup_site(running, "s1", site)


async def test_base_profiles_and_tx_profiles_follow_the_201_rules(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    site = one_node_site(40, "ST1", connectors=2)
    site["chargers"][0]["limit_a"] = 32
    running, api = await up(nursery, tmp_path, site)
    async with station(running, "ST1") as cp:
        await until(lambda: len(sent(cp, "TxDefaultProfile")) == 1)
        asked = [f[3] for f in cp.received_calls if f[2] == "GetVariables"]
        assert {v["variable"]["name"] for v in asked[0]["getVariableData"]} >= set(CTRLR)
        (cs_max,) = sent(cp, "ChargingStationMaxProfile")
        assert (cs_max["evseId"], cs_max["id"], cs_max["chargingProfileKind"]) == (
            0,
            1,
            "Absolute",
        )
        assert "startSchedule" in cs_max["chargingSchedule"][0]
        (fallback,) = sent(cp, "TxDefaultProfile")
        assert (fallback["evseId"], fallback["stackLevel"], fallback["chargingProfileKind"]) == (
            0,
            0,
            "Relative",
        )
        assert "startSchedule" not in fallback["chargingSchedule"][0]
        assert fallback["chargingSchedule"][0]["chargingSchedulePeriod"][0]["limit"] == 16

        await start(cp, 1, "T-A")
        await until(lambda: tx_limits(cp, 1) == [32])
        await start(cp, 2, "T-B")
        await until(lambda: tx_limits(cp, 1)[-1:] == [16] and tx_limits(cp, 2) == [16])
        for evse, tx in ((1, "T-A"), (2, "T-B")):
            profiles = sent(cp, "TxProfile", evse)
            assert {(p["id"], p["stackLevel"], p["transactionId"]) for p in profiles} == {
                (100 + evse, 1, tx)
            }  # the same id on every update (K01.FR.39), never a growing stack level
            assert profiles[-1]["chargingSchedule"][0]["chargingRateUnit"] == "A"
        body = await allocation(api)
        assert [c["limit_a"] for c in body["connectors"]] == [16, 16]
    running.server.stop()


async def test_charging_limits_and_ev_needs_bound_the_allocation(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    running, api = await up(nursery, tmp_path, one_node_site(64, "ST1", connectors=2))
    async with station(running, "ST1") as cp:
        await start(cp, 1, "T-A")
        await start(cp, 2, "T-B")
        await until(lambda: tx_limits(cp, 1)[-1:] == [32] and tx_limits(cp, 2)[-1:] == [32])

        assert await cp.result("NotifyChargingLimit", limit("EMS", 10, evse=1)) == {}
        await until(lambda: tx_limits(cp, 1)[-1:] == [10])  # a hard cap on EVSE 1
        body = await allocation(api)
        assert body["connectors"][0]["cap_a"] == 10

        await cp.result("ClearedChargingLimit", {"chargingLimitSource": "EMS", "evseId": 1})
        await until(lambda: tx_limits(cp, 1)[-1:] == [32])

        await cp.result("NotifyChargingLimit", limit("SO", 20))  # the whole station: 20 A
        await until(lambda: tx_limits(cp, 1)[-1:] == [10] and tx_limits(cp, 2)[-1:] == [10])
        body = await allocation(api)
        rows = [r for r in body["rows"] if r["node"] == "charger:ST1"]
        assert rows
        assert all(r["limit"] == 20 and r["allocated"] <= 20 for r in rows)
        await cp.result("ClearedChargingLimit", {"chargingLimitSource": "SO"})

        needs = {
            "requestedEnergyTransfer": "AC_three_phase",
            "departureTime": (datetime.now(UTC) + timedelta(hours=8)).isoformat(),
            "acChargingParameters": {
                "energyAmount": 20_000,
                "evMinCurrent": 8,
                "evMaxCurrent": 16,
                "evMaxVoltage": 400,
            },
        }
        reply = await cp.result("NotifyEVChargingNeeds", {"evseId": 2, "chargingNeeds": needs})
        assert reply["status"] == "Accepted"
        await until(lambda: tx_limits(cp, 1)[-1:] == [32] and tx_limits(cp, 2)[-1:] == [16])
        body = await allocation(api)
        assert body["connectors"][1]["cap_a"] == 16
        assert not body["alarms"]
    running.server.stop()


async def test_a_deleted_site_clears_what_evgw_installed(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    running, api = await up(nursery, tmp_path, one_node_site(40, "ST1", connectors=2))
    async with station(running, "ST1") as cp:
        await until(lambda: len(sent(cp, "TxDefaultProfile")) == 1)
        assert (await api.delete("/api/v1/sites/s1")).status_code == 204

        def cleared() -> list[int]:
            return [
                f[3]["chargingProfileId"]
                for f in cp.received_calls
                if f[2] == "ClearChargingProfile"
            ]

        await until(lambda: sorted(cleared()) == [1, 2, 101, 102])
    running.server.stop()
