"""2.0.1 TransactionEventResponse.totalCost on Ended comes from billing (the
``transaction_cost`` hook) and equals the CDR's total incl VAT; a retried Ended gets the same
answer and no second CDR."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio
from evgw.billing import _issue as issue
from evgw.billing import _tariffs as tariffs
from evgw.store import Db
from evgw.testing import connect_charger

from tests.conformance.v201_frames import V201, full_transaction
from tests.integration.gateway_fixtures import (
    PASSWORD,
    Running,
    register,
    server_config,
    start_server,
)

TARIFF = {
    "currency": "EUR",
    "elements": [
        {
            "price_components": [
                {"type": "FLAT", "price": 1.00, "vat": 20.0, "step_size": 1},
                {"type": "ENERGY", "price": 0.25, "vat": 20.0, "step_size": 1},
            ]
        }
    ],
}


def default_tariff(db: Db) -> None:
    tariffs.save(db, "T1", TARIFF, "EUR")
    tariffs.assign(db, "default", "*", "T1")


async def billed_server(nursery: trio.Nursery, tmp_path: Path, **billing: Any) -> Running:
    config = server_config(tmp_path)
    config["billing"] = billing
    run = await start_server(nursery, config)
    await register(run, "CP1")
    assert run.server.store is not None
    await run.server.store.write(default_tariff)
    return run


async def test_total_cost_on_ended_is_the_cdr_total(nursery: trio.Nursery, tmp_path: Path) -> None:
    run = await billed_server(nursery, tmp_path)
    store = run.server.store
    assert store is not None
    started, updated, ended = full_transaction()
    url = run.charger_url("CP1")
    async with connect_charger(url, version=V201, user="CP1", password=PASSWORD) as cp:
        assert "totalCost" not in await cp.result("TransactionEvent", started)
        assert "totalCost" not in await cp.result("TransactionEvent", updated)
        # 1000 -> 4000 Wh: FLAT 1.00 + 3 kWh x 0.25 = 1.75 excl, x 1.20 = 2.10 incl.
        assert await cp.result("TransactionEvent", ended) == {"totalCost": 2.10}
        assert await cp.result("TransactionEvent", ended) == {"totalCost": 2.10}  # retried
    items = await store.read(lambda db: issue.list_cdrs(db, 10, 0))
    assert len(items) == 1
    assert items[0]["cdr"]["total_cost"] == {"excl_vat": 1.75, "incl_vat": 2.10}
    assert items[0]["cdr"]["total_energy"] == 3.0
    run.server.stop()


async def test_cost_updated_sends_the_running_cost_below_the_final(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    run = await billed_server(nursery, tmp_path, cost_update_interval_s=0.2)
    started, updated, ended = full_transaction()
    url = run.charger_url("CP1")
    async with connect_charger(url, version=V201, user="CP1", password=PASSWORD) as cp:
        cp.responses["CostUpdated"] = lambda payload: {}
        await cp.result("TransactionEvent", started)
        await cp.result("TransactionEvent", updated)
        with trio.fail_after(10):
            for _ in range(200):
                if any(f[2] == "CostUpdated" for f in cp.received_calls):
                    break
                await trio.sleep(0.05)
        sent = [f[3] for f in cp.received_calls if f[2] == "CostUpdated"]
        # So far: FLAT 1.00 + 1.5 kWh x 0.25 = 1.375 excl, 1.65 incl.
        assert sent[0] == {"totalCost": 1.65, "transactionId": "TX-1"}
        final = (await cp.result("TransactionEvent", ended))["totalCost"]
    assert final == 2.10
    assert all(s["totalCost"] <= final for s in sent)
    run.server.stop()
