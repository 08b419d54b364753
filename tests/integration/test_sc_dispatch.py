"""Profile dispatch against scripted 1.6 chargers over real sockets: base profiles at boot,
reductions before increases, a charger that rejects every profile, one that accepts but
draws more, and a limit change that makes a site infeasible."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import trio
from evgw.testing import ScriptedCharger, connect_charger, wait_until

from tests.integration.gateway_fixtures import PASSWORD, Running, add_token, register, start_server
from tests.integration.sc_fixtures import admin, one_node_site, sc_config
from tests.integration.test_gateway_v16 import BOOT, ts

Frame = list[Any]


def tx_limits(cp: ScriptedCharger, connector: int) -> list[float]:
    """The TxProfile limits the charger received for a connector, in order."""
    return [
        f[3]["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
        for f in cp.received_calls
        if f[2] == "SetChargingProfile"
        and f[3]["csChargingProfiles"]["chargingProfilePurpose"] == "TxProfile"
        and f[3]["connectorId"] == connector
    ]


def profiles(cp: ScriptedCharger, purpose: str) -> list[dict[str, Any]]:
    return [
        f[3]["csChargingProfiles"]
        for f in cp.received_calls
        if f[2] == "SetChargingProfile"
        and f[3]["csChargingProfiles"]["chargingProfilePurpose"] == purpose
    ]


async def setup_site(running: Running, site_id: str, site: dict[str, Any]) -> httpx.AsyncClient:
    for spec in site["chargers"]:
        await register(running, spec["id"])
    await add_token(running, "TAG1")
    api = await admin(running)
    assert (await api.put(f"/api/v1/sites/{site_id}", json=site)).status_code == 201
    return api


async def setup(
    nursery: trio.Nursery, tmp_path: Path, site: dict[str, Any]
) -> tuple[Running, httpx.AsyncClient]:
    running = await start_server(nursery, sc_config(tmp_path))
    return running, await setup_site(running, "s1", site)


@asynccontextmanager
async def charger(running: Running, charger_id: str) -> AsyncIterator[ScriptedCharger]:
    async with connect_charger(
        running.charger_url(charger_id), user=charger_id, password=PASSWORD
    ) as cp:
        await cp.result("BootNotification", BOOT)
        yield cp


async def start(cp: ScriptedCharger, connector: int) -> int:
    payload = {"connectorId": connector, "idTag": "TAG1", "meterStart": 0, "timestamp": ts()}
    tx: int = (await cp.result("StartTransaction", payload))["transactionId"]
    return tx


async def currents(cp: ScriptedCharger, connector: int, tx: int, amps: float) -> None:
    values = [
        {"value": f"{amps}", "measurand": "Current.Import", "unit": "A", "phase": phase}
        for phase in ("L1", "L2", "L3")
    ]
    meter = [{"timestamp": ts(), "sampledValue": values}]
    await cp.result(
        "MeterValues", {"connectorId": connector, "transactionId": tx, "meterValue": meter}
    )


async def allocation(api: httpx.AsyncClient) -> dict[str, Any]:
    body: dict[str, Any] = (await api.get("/api/v1/sites/s1/allocation")).json()
    return body


async def until(check: Callable[[], bool]) -> None:
    await wait_until(check, within=10.0)


async def test_base_profiles_then_reductions_before_increases(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    running, api = await setup(nursery, tmp_path, one_node_site(36, "CP1", connectors=3))
    async with charger(running, "CP1") as cp:
        await until(lambda: len(profiles(cp, "TxDefaultProfile")) == 1)
        fallback = profiles(cp, "TxDefaultProfile")[0]
        assert fallback["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] == 12  # 36 A / 3
        assert fallback["stackLevel"] == 0
        await start(cp, 1)
        await until(lambda: tx_limits(cp, 1) == [32])
        await start(cp, 2)
        await until(lambda: tx_limits(cp, 2) == [18])
        assert tx_limits(cp, 1) == [32, 18]
        order = [f[3]["connectorId"] for f in cp.received_calls if f[2] == "SetChargingProfile"]
        # 18 A is above connector 2's 12 A fallback: a raise, sent after 1's reduction
        assert order.index(2) > order.index(1, order.index(1) + 1)
        await trio.sleep(0.5)
        assert tx_limits(cp, 1) == [32, 18]  # nothing resent while nothing changed
        body = await allocation(api)
        assert [c["reason"] for c in body["connectors"]] == ["charging", "charging", "idle"]
        assert body["rows"][0]["allocated"] == 36
    running.server.stop()


async def test_a_charger_rejecting_profiles_is_counted_at_its_maximum(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    running, api = await setup(nursery, tmp_path, one_node_site(40, "CP1", "CP2"))
    async with charger(running, "CP1") as bad, charger(running, "CP2") as good:
        bad.responses["SetChargingProfile"] = lambda _p: {"status": "Rejected"}
        await start(bad, 1)
        await start(good, 1)
        await until(lambda: tx_limits(good, 1)[-1:] == [8])  # 40 - the 32 A assumed for CP1
        body = await allocation(api)
        stuck = body["connectors"][0]
        assert (stuck["reason"], stuck["fixed_why"], stuck["limit_a"]) == (
            "fixed_load",
            "rejected",
            32,
        )
        await trio.sleep(0.5)
        assert len(tx_limits(bad, 1)) == 1  # no retry storm before retry_rejected_s
    running.server.stop()


async def test_a_profile_answered_too_late_is_retried_soon(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    """The cause of a flake under load: one reply later than call_timeout_s left the
    connector a fixed load at its maximum for retry_rejected_s (the site in alarm)."""
    running, api = await setup(nursery, tmp_path, one_node_site(40, "CP1", "CP2"))
    async with charger(running, "CP1") as bad, charger(running, "CP2") as slow:
        bad.responses["SetChargingProfile"] = lambda _p: {"status": "Rejected"}
        await until(lambda: len(profiles(slow, "TxDefaultProfile")) == 1)
        slow.auto_answer = False
        await start(bad, 1)
        await start(slow, 1)
        await until(lambda: len(tx_limits(slow, 1)) == 1)
        await trio.sleep(2.2)  # past call_timeout_s: evgw gave up on this call
        first = slow.received_calls[-1]
        await slow.ws.send_message(json.dumps([3, first[1], {"status": "Accepted"}]))  # late
        slow.auto_answer = True
        # retried (its first profile may already have been the 8 A reduction)
        await until(lambda: len(tx_limits(slow, 1)) >= 2 and tx_limits(slow, 1)[-1] == 8)
        with trio.fail_after(10):
            while (body := await allocation(api))["connectors"][1]["fixed_why"] is not None:  # noqa: ASYNC110
                await trio.sleep(0.05)
        assert body["connectors"][1]["sent_limit_a"] == 8
        assert not body["alarms"]
    running.server.stop()


async def test_a_charger_drawing_more_than_its_limit_is_counted_as_it_draws(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    running, api = await setup(nursery, tmp_path, one_node_site(40, "CP1", "CP2"))
    async with charger(running, "CP1") as greedy, charger(running, "CP2") as good:
        tx = await start(greedy, 1)
        await start(good, 1)
        await until(lambda: tx_limits(greedy, 1)[-1:] == [20] and tx_limits(good, 1)[-1:] == [20])
        await trio.sleep(0.4)  # past the response lag
        await currents(greedy, 1, tx, 29.0)
        await until(lambda: tx_limits(good, 1)[-1:] == [11])  # 40 - 29
        body = await allocation(api)
        assert body["connectors"][0]["fixed_why"] == "noncompliant"
        assert all(r["allocated"] <= r["limit"] for r in body["rows"])
    running.server.stop()


async def test_an_infeasible_site_pauses_all_managed_load_and_alarms(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    running, api = await setup(nursery, tmp_path, one_node_site(32, "CP1", "CP2"))
    async with charger(running, "CP1") as one, charger(running, "CP2") as two:
        await start(one, 1)
        await start(two, 1)
        await until(lambda: tx_limits(one, 1)[-1:] == [16] and tx_limits(two, 1)[-1:] == [16])
        reply = await api.put("/api/v1/sites/s1/nodes/grid/unmanaged", json={"unmanaged_a": 40})
        assert reply.status_code == 200
        await until(lambda: tx_limits(one, 1)[-1:] == [0] and tx_limits(two, 1)[-1:] == [0])
        body = await allocation(api)
        assert body["alarms"]
        assert "grid" in body["alarms"][0]
        assert {c["reason"] for c in body["connectors"]} == {"site_over_limit"}
        bad = await api.put("/api/v1/sites/s1/nodes/grid/unmanaged", json={"unmanaged_a": -1})
        assert bad.status_code == 422
        missing = await api.put("/api/v1/sites/s1/nodes/nope/unmanaged", json={"unmanaged_a": 1})
        assert missing.status_code == 404
    running.server.stop()


async def test_a_site_put_below_its_unmanaged_load_alarms_and_pauses_everything(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    """An API limit change that makes the site infeasible even at 0 A for managed load."""
    site = one_node_site(40, "CP1", "CP2")
    site["nodes"][0]["unmanaged_a"] = 12
    running, api = await setup(nursery, tmp_path, site)
    async with charger(running, "CP1") as one, charger(running, "CP2") as two:
        await start(one, 1)
        await start(two, 1)
        await until(lambda: tx_limits(one, 1)[-1:] == [14] and tx_limits(two, 1)[-1:] == [14])
        site["nodes"][0]["limit_a"] = 10  # below the 12 A the building draws
        assert (await api.put("/api/v1/sites/s1", json=site)).status_code == 200
        await until(lambda: tx_limits(one, 1)[-1:] == [0] and tx_limits(two, 1)[-1:] == [0])
        body = await allocation(api)
        assert body["alarms"]
        assert {c["reason"] for c in body["connectors"]} == {"site_over_limit"}
        assert {c["limit_a"] for c in body["connectors"]} == {0}

        def fallback_limits() -> list[float]:
            return [
                p["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"]
                for p in profiles(one, "TxDefaultProfile")
            ]

        await until(lambda: fallback_limits() == [14, 0])  # re-installed at the new safe share
        await trio.sleep(0.5)
        assert tx_limits(one, 1)[-1] == 0  # and held there: nothing raised under the alarm
    running.server.stop()


async def test_an_unanswered_fallback_profile_is_installed_again(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    running, _api = await setup(nursery, tmp_path, one_node_site(40, "CP1"))
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        cp.auto_answer = False
        await cp.result("BootNotification", BOOT)
        await until(lambda: any(f[2] == "GetConfiguration" for f in cp.received_calls))
        asked = next(f for f in cp.received_calls if f[2] == "GetConfiguration")
        await cp.ws.send_message(json.dumps([3, asked[1], {"configurationKey": []}]))
        await until(lambda: len(profiles(cp, "TxDefaultProfile")) == 1)
        await trio.sleep(2.2)  # past call_timeout_s: no answer
        cp.auto_answer = True
        await until(lambda: len(profiles(cp, "TxDefaultProfile")) == 2)  # retried
        await trio.sleep(1.0)
        assert len(profiles(cp, "TxDefaultProfile")) == 2  # accepted: no more
    running.server.stop()
