"""I (tariff and cost) plumbing: TransactionEventResponse.totalCost on Ended comes from the
``transaction_cost`` plugin hook (billing's seam); a retried Ended gets the same answer."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import trio
from evgw.plugins import CostRequest
from evgw.testing import connect_charger

from tests.conformance.v201_frames import V201, full_transaction
from tests.integration.gateway_fixtures import PASSWORD, register, server_config, start_server


class CostPlugin:
    def __init__(self) -> None:
        self.asked: list[CostRequest] = []

    async def transaction_cost(self, request: CostRequest) -> Decimal | None:
        self.asked.append(request)
        return Decimal("12.34") if request.ocpp_transaction_id == "TX-1" else None


async def test_TC_I_total_cost_on_ended(nursery: trio.Nursery, tmp_path: Path) -> None:
    config = server_config(tmp_path)
    config["plugins"]["modules"] = ["tests.conformance.test_v201_cost:CostPlugin"]
    run = await start_server(nursery, config)
    await register(run, "CP1")
    started, updated, ended = full_transaction()
    other_ended = {**ended, "transactionInfo": {"transactionId": "TX-2"}}
    url = run.charger_url("CP1")
    async with connect_charger(url, version=V201, user="CP1", password=PASSWORD) as cp:
        assert "totalCost" not in await cp.result("TransactionEvent", started)
        assert "totalCost" not in await cp.result("TransactionEvent", updated)
        assert await cp.result("TransactionEvent", ended) == {"totalCost": 12.34}
        assert await cp.result("TransactionEvent", ended) == {"totalCost": 12.34}  # retried
        assert await cp.result("TransactionEvent", other_ended) == {}  # no price: no field
    run.server.stop()
