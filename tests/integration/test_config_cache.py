"""One GetConfiguration per connection, shared (gateway `_config_cache`): a 1.6 charger in a
load-managed site with running costs on (smart charging reads its capabilities at boot,
billing its California Pricing support every push round) receives one GetConfiguration per
connection; a failed read is asked again, an answer without the key is not. Real server, real
sockets, a scripted charger."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import trio
from evgw.domain import Role
from evgw.testing import ScriptedCharger, connect_charger, wait_until

from tests.integration.gateway_fixtures import (
    PASSWORD,
    Running,
    add_token,
    api_client,
    register,
    start_server,
)
from tests.integration.sc_fixtures import admin, one_node_site, sc_config
from tests.integration.test_gateway_v16 import BOOT, ts

CALIFORNIA = {"key": "CustomDisplayCostAndPrice", "readonly": True, "value": "true"}
UNITS = {"key": "ChargingScheduleAllowedChargingRateUnit", "readonly": True, "value": "Current"}
TARIFF = {
    "currency": "EUR",
    "elements": [{"price_components": [{"type": "ENERGY", "price": 0.5, "step_size": 1}]}],
}
Responder = Callable[[dict[str, Any]], dict[str, Any]]


async def serve(nursery: trio.Nursery, tmp_path: Path) -> Running:
    """Load management on CP1's site and running costs every 0.2 s under a default tariff."""
    config = sc_config(tmp_path)
    config["billing"] = {"cost_update_interval_s": 0.2}
    running = await start_server(nursery, config)
    await register(running, "CP1")
    await add_token(running, "TAG1")
    async with await admin(running) as api:
        site = one_node_site(32.0, "CP1")
        assert (await api.put("/api/v1/sites/s1", json=site)).status_code == 201
    async with await api_client(running, Role.OPERATOR) as api:
        assert (await api.put("/tariffs/T1", json=TARIFF)).status_code == 201
        body = {"scope": "default", "target": "*", "tariff_id": "T1"}
        assert (await api.put("/tariff-assignments", json=body)).status_code == 200
    return running


@asynccontextmanager
async def charger(running: Running, answer: Responder) -> AsyncIterator[ScriptedCharger]:
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        cp.responses["GetConfiguration"] = answer
        cp.responses["DataTransfer"] = lambda p: {"status": "Accepted"}
        await cp.result("BootNotification", BOOT)
        yield cp


def received(cp: ScriptedCharger, action: str) -> list[dict[str, Any]]:
    return [f[3] for f in cp.received_calls if f[2] == action]


def running_costs(cp: ScriptedCharger) -> int:
    return sum(1 for p in received(cp, "DataTransfer") if p["messageId"] == "RunningCost")


async def charge(cp: ScriptedCharger) -> int:
    start = {"connectorId": 1, "idTag": "TAG1", "meterStart": 1000, "timestamp": ts()}
    tx: int = (await cp.result("StartTransaction", start))["transactionId"]
    sampled = [{"value": "3000", "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]
    meter = {"connectorId": 1, "transactionId": tx, "meterValue": [{"timestamp": ts()}]}
    meter["meterValue"][0]["sampledValue"] = sampled
    await cp.result("MeterValues", meter)
    return tx


async def test_one_read_per_connection_shared_by_smart_charging_and_billing(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    running = await serve(nursery, tmp_path)
    answer: Responder = lambda p: {"configurationKey": [CALIFORNIA, UNITS]}  # noqa: E731
    for connection in (1, 2):  # the second connection is a new boot: read again, once
        async with charger(running, answer) as cp:
            await wait_until(lambda: received(cp, "SetChargingProfile"))  # smart charging read
            await charge(cp)
            await wait_until(lambda: running_costs(cp) >= 3)  # three push rounds
            assert len(received(cp, "GetConfiguration")) == 1, connection
            assert received(cp, "GetConfiguration")[0] == {}  # every key, in one read
            units = {p["csChargingProfiles"]["chargingSchedule"]["chargingRateUnit"]
                     for p in received(cp, "SetChargingProfile")}  # fmt: skip
            assert units == {"A"}
    running.server.stop()


async def test_a_failed_read_is_asked_again_a_missing_key_is_not(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    running = await serve(nursery, tmp_path)
    answers: list[dict[str, Any]] = [
        {"configurationKey": "not a list"},  # violates the response schema: a failed read
        {"configurationKey": [UNITS]},  # no CustomDisplayCostAndPrice: kept, no running cost
    ]
    async with charger(running, lambda p: answers.pop(0) if len(answers) > 1 else answers[0]) as cp:
        await charge(cp)
        await wait_until(lambda: len(received(cp, "GetConfiguration")) >= 2)
        await trio.sleep(1.0)  # five push rounds: none reads again, none sends a cost
        assert len(received(cp, "GetConfiguration")) == 2
        assert running_costs(cp) == 0
    running.server.stop()


async def test_a_change_of_configuration_is_read_again(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    running = await serve(nursery, tmp_path)
    california = [False]

    def answer(p: dict[str, Any]) -> dict[str, Any]:
        return {"configurationKey": [CALIFORNIA] if california[0] else [UNITS]}

    async with charger(running, answer) as cp:
        await charge(cp)
        await wait_until(lambda: received(cp, "GetConfiguration"))
        await trio.sleep(0.5)
        assert running_costs(cp) == 0
        california[0] = True
        gateway = running.server.gateway
        assert gateway is not None
        change = {"key": "CustomDisplayCostAndPrice", "value": "true"}
        assert await gateway.call("CP1", "ChangeConfiguration", change) == {"status": "Accepted"}
        await wait_until(lambda: running_costs(cp) >= 1)
        assert len(received(cp, "GetConfiguration")) == 2
        data = json.loads(received(cp, "DataTransfer")[0]["data"])
        assert data["meterValue"] == 3000
    running.server.stop()
