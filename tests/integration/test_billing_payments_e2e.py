"""Payments end to end over real sockets: an `evgw` server with the Stripe provider pointed at
a local stand-in of Stripe's API (Stripe cannot be reached from here), a 1.6 charger, the
operator API. The ad-hoc flow (hold -> remote start -> increment or stop -> capture -> DONE),
Stripe webhooks (bad signature, duplicate, out of order), and the running cost pushed to a
charger that supports the California pricing messages."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from evgw.domain import Role
from evgw.testing import connect_charger
from evgw.testing._charger import ScriptedCharger
from evgw.testing.stripe_standin import StripeStandIn, sign

from tests.conformance.v201_frames import V201, boot, full_transaction
from tests.integration.gateway_fixtures import (
    PASSWORD,
    Running,
    add_token,
    api_client,
    register,
    server_config,
    start_server,
)
from tests.integration.metrics_scrape import Samples, delta, scrape, value
from tests.integration.test_gateway_v16 import BOOT

SECRET = "whsec_standin"
# 0.50 EUR/kWh + 20 % VAT = 0.60 EUR/kWh incl
TARIFF = {
    "currency": "EUR",
    "elements": [
        {"price_components": [{"type": "ENERGY", "price": 0.50, "vat": 20.0, "step_size": 1}]}
    ],
}


@pytest.fixture
def standin() -> Iterator[StripeStandIn]:
    s = StripeStandIn().start()
    yield s
    s.stop()


@pytest.fixture
async def running(
    nursery: trio.Nursery, tmp_path: Path, standin: StripeStandIn
) -> AsyncIterator[Running]:
    config = server_config(tmp_path)
    config["billing"] = {
        "sweep_interval_s": 0.2,
        "cost_update_interval_s": 0.3,
        "payments": {
            "provider": "stripe",
            "stripe_api_key": standin.api_key,
            "stripe_api_base": standin.api_base,
            "stripe_webhook_secret": SECRET,
            "drain_interval_s": 0.1,
            "watch_interval_s": 0.1,
        },
    }
    run = await start_server(nursery, config)
    await register(run, "CP1")
    await add_token(run, "TAG1")
    yield run
    run.server.stop()


@pytest.fixture
async def api(running: Running) -> AsyncIterator[httpx.AsyncClient]:
    async with await api_client(running, Role.OPERATOR) as client:
        assert (await client.put("/tariffs/T1", json=TARIFF)).status_code == 201
        body = {"scope": "default", "target": "*", "tariff_id": "T1"}
        assert (await client.put("/tariff-assignments", json=body)).status_code == 200
        yield client


async def until(check: Callable[[], Awaitable[Any]], within: float = 10.0) -> Any:
    with trio.fail_after(within):
        for _ in range(int(within / 0.05) + 1):
            if found := await check():
                return found
            await trio.sleep(0.05)
    raise AssertionError("unreachable: fail_after fires first")


def now_ts(offset_s: float = 0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset_s)).isoformat()


def register_value(tx: int, wh: int, offset_s: float = 0) -> dict[str, Any]:
    sampled = [{"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]
    return {
        "connectorId": 1,
        "transactionId": tx,
        "meterValue": [{"timestamp": now_ts(offset_s), "sampledValue": sampled}],
    }


def calls(cp: ScriptedCharger, action: str) -> list[dict[str, Any]]:
    return [f[3] for f in cp.received_calls if f[2] == action]


async def adhoc(api: httpx.AsyncClient, adhoc_id: str) -> dict[str, Any]:
    got: dict[str, Any] = (await api.get(f"/payments/adhoc/{adhoc_id}")).json()
    return got


@asynccontextmanager
async def booted_16(
    running: Running, responses: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] | None = None
) -> AsyncIterator[ScriptedCharger]:
    """CP1 on 1.6, booted; it answers GetConfiguration with no keys unless `responses` says
    otherwise."""
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        cp.responses["GetConfiguration"] = lambda p: {"configurationKey": []}
        cp.responses.update(responses or {})
        await cp.result("BootNotification", BOOT)
        yield cp


async def start_paid_session(
    api: httpx.AsyncClient, cp: ScriptedCharger, pm: str, hold: int
) -> tuple[str, int, str]:
    made = await api.post(
        "/payments/adhoc",
        json={"charger_id": "CP1", "connector_id": 1, "payment_method": pm, "amount_minor": hold},
    )
    assert made.status_code == 201, made.text
    adhoc_id = made.json()["id"]
    start = await until(lambda: _first(calls(cp, "RemoteStartTransaction")))
    id_tag = start["idTag"]
    assert id_tag == made.json()["id_token"]
    begin = {"connectorId": 1, "idTag": id_tag, "meterStart": 100_000, "timestamp": now_ts(-3600)}
    reply = await cp.result("StartTransaction", begin)
    assert reply["idTagInfo"]["status"] == "Accepted"
    await until(lambda: _state(api, adhoc_id, "CHARGING"))
    return adhoc_id, reply["transactionId"], id_tag


async def _first(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    return items[0] if items else None


async def _any(items: list[dict[str, Any]]) -> bool:
    return bool(items)


async def _state(api: httpx.AsyncClient, adhoc_id: str, state: str) -> bool:
    got = await adhoc(api, adhoc_id)
    return bool(got["state"] == state)


async def test_adhoc_hold_increment_capture(
    running: Running, api: httpx.AsyncClient, standin: StripeStandIn
) -> None:
    before = await scrape(running.api_url)
    async with booted_16(running) as cp:
        adhoc_id, tx, _ = await start_paid_session(api, cp, "pm_card_visa", 1000)
        # 14 kWh x 0.60 = 8.40 EUR: above 80 % of the 10.00 hold -> raised by half, to 15.00
        await cp.result("MeterValues", register_value(tx, 114_000, -1800))
        got = await until(lambda: _held(api, adhoc_id, 1500))
        assert got["payment"]["increments"] == 1
        pi = standin.intents[got["payment"]["reference"]]
        assert pi.amount == 1500
        # 20 kWh in all: 12.00 EUR, under 80 % of 15.00: charging goes on
        await cp.result("MeterValues", register_value(tx, 120_000))
        stop = {"transactionId": tx, "meterStop": 120_000, "timestamp": now_ts(1)}
        await cp.result("StopTransaction", stop)
        await cp.result("StopTransaction", stop)  # a duplicate stop: one capture
        await until(lambda: _state(api, adhoc_id, "DONE"))
        done = await adhoc(api, adhoc_id)
        assert done["payment"]["state"] == "CAPTURED"
        assert done["payment"]["captured_minor"] == 1200
        receipt = (await api.get(done["receipt"].removeprefix("/api/v1"))).json()
        assert receipt["total_incl_vat"] == "12.00"
        assert receipt["payment"]["captured"] == "12.00"
        assert (pi.status, pi.amount_received) == ("succeeded", 1200)
        assert standin.captures() == [f"capture:{adhoc_id}"]
        books = (await api.get("/billing/ledger")).json()
        assert Decimal(books["trial_balance"]["EUR"]) == 0
        token = done["id_token"]
        owed = [b for b in books["balances"] if b["account"] == f"receivable:{token}"]
        assert [Decimal(b["balance"]) for b in owed] == [0]  # the card paid the CDR
    after = await until(lambda: _outbox_empty(running))
    for op in ("hold", "capture"):
        assert delta(before, after, CALLS, op=op, result="ok") == 1
    # 12.00 of 15.00 is the 80 % mark: a watcher pass before the stop raises the hold again
    increments = done["payment"]["increments"]
    assert delta(before, after, CALLS, op="increment", result="ok") == increments >= 1
    assert value(after, "evgw_billing_payment_outbox_oldest_seconds") == 0


CALLS = "evgw_billing_payment_calls_total"


async def _outbox_empty(running: Running) -> Samples | None:
    """/metrics once the payment task has seen its outbox empty."""
    found = await scrape(running.api_url)
    return found if value(found, "evgw_billing_payment_outbox_pending") == 0 else None


async def _held(api: httpx.AsyncClient, adhoc_id: str, minor: int) -> dict[str, Any] | None:
    got = await adhoc(api, adhoc_id)
    return got if got["payment"]["held_minor"] == minor else None


async def test_adhoc_stops_the_session_when_the_hold_cannot_be_raised(
    running: Running, api: httpx.AsyncClient, standin: StripeStandIn
) -> None:
    async with booted_16(running) as cp:
        adhoc_id, tx, _ = await start_paid_session(api, cp, "pm_card_no_increment", 1000)
        # 16 kWh: 9.60 EUR, 96 % of the hold: stop
        await cp.result("MeterValues", register_value(tx, 116_000, -1800))
        stop_req = await until(lambda: _first(calls(cp, "RemoteStopTransaction")))
        assert stop_req == {"transactionId": tx}
        assert (await adhoc(api, adhoc_id))["state"] == "STOPPING"
        # the car drew a little more before it stopped: 17 kWh = 10.20 EUR > the hold
        stop = {"transactionId": tx, "meterStop": 117_000, "timestamp": now_ts(1)}
        await cp.result("StopTransaction", stop)
        await until(lambda: _state(api, adhoc_id, "DONE"))
        done = await adhoc(api, adhoc_id)
        assert done["payment"]["captured_minor"] == 1000  # never more than the hold
        assert "20 minor units above the hold" in done["detail"]


async def test_a_hold_without_a_session_is_voided_and_a_refused_start_fails(
    running: Running, api: httpx.AsyncClient, standin: StripeStandIn
) -> None:
    refuse = {"RemoteStartTransaction": lambda p: {"status": "Rejected"}}
    async with booted_16(running, refuse):
        body = {"charger_id": "CP1", "payment_method": "pm_card_visa", "amount_minor": 2000}
        made = (await api.post("/payments/adhoc", json=body)).json()
        await until(lambda: _state(api, made["id"], "FAILED"))
        failed = await adhoc(api, made["id"])
        assert failed["detail"] == "charger answered Rejected"
        await until(lambda: _payment_state(api, made["id"], "VOIDED"))
        declined = {**body, "payment_method": "pm_card_chargeDeclined"}
        before = await scrape(running.api_url)
        made = (await api.post("/payments/adhoc", json=declined)).json()
        await until(lambda: _state(api, made["id"], "FAILED"))
        assert (await adhoc(api, made["id"]))["payment"]["error"] == "hold: card_declined"
        after = await scrape(running.api_url)
        assert (
            delta(before, after, "evgw_billing_payment_calls_total", op="hold", result="failed")
            == 1
        )
    unknown = {"charger_id": "NOPE", "payment_method": "pm_card_visa"}
    assert (await api.post("/payments/adhoc", json=unknown)).status_code == 409
    assert (await api.post("/payments/adhoc", json={"charger_id": "CP1"})).status_code == 422


async def _payment_state(api: httpx.AsyncClient, adhoc_id: str, state: str) -> bool:
    return bool((await adhoc(api, adhoc_id))["payment"]["state"] == state)


async def deliver(
    running: Running, event: dict[str, Any], secret: str = SECRET, at: int | None = None
) -> httpx.Response:
    raw = json.dumps(event).encode()
    headers = {"stripe-signature": sign(raw, secret, at), "content-type": "application/json"}
    async with httpx.AsyncClient() as client:  # no bearer token: Stripe has none
        return await client.post(
            f"{running.api_url}/api/v1/billing/webhooks/stripe", content=raw, headers=headers
        )


async def test_webhooks_signature_duplicates_and_order(
    running: Running, api: httpx.AsyncClient, standin: StripeStandIn
) -> None:
    async with booted_16(running) as cp:
        adhoc_id, tx, _ = await start_paid_session(api, cp, "pm_card_visa", 1000)
        stop = {"transactionId": tx, "meterStop": 105_000, "timestamp": now_ts(1)}
        await cp.result("StopTransaction", stop)
        await until(lambda: _state(api, adhoc_id, "DONE"))
    created, succeeded = standin.events[0], standin.events[-1]
    assert (created["type"], succeeded["type"]) == (
        "payment_intent.amount_capturable_updated",
        "payment_intent.succeeded",
    )
    bad = await deliver(running, succeeded, secret="whsec_wrong")
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "bad_signature"
    stale = await deliver(running, succeeded, at=int(datetime.now(UTC).timestamp()) - 3600)
    assert stale.status_code == 400
    tampered = json.dumps(succeeded).encode()
    headers = {"stripe-signature": sign(tampered, SECRET)}
    async with httpx.AsyncClient() as client:
        r = await client.post(
            f"{running.api_url}/api/v1/billing/webhooks/stripe",
            content=tampered.replace(b"succeeded", b"canceled"),
            headers=headers,
        )
    assert r.status_code == 400
    # Out of order: the capture's event first, then the older hold event; then a duplicate.
    first = await deliver(running, succeeded)
    assert first.json() == {"received": True, "outcome": "in_step"}
    older = await deliver(running, created)
    assert older.json()["outcome"] == "in_step"  # state is re-read: CAPTURED stays
    again = await deliver(running, succeeded)
    assert again.json()["outcome"] == "duplicate"
    done = await adhoc(api, adhoc_id)
    assert done["payment"]["state"] == "CAPTURED"
    assert done["payment"]["captured_minor"] == 300  # 5 kWh x 0.60


async def test_a_hold_cancelled_at_stripe_is_voided_by_its_webhook(
    running: Running, api: httpx.AsyncClient, standin: StripeStandIn
) -> None:
    async with booted_16(running) as cp:
        adhoc_id, _, _ = await start_paid_session(api, cp, "pm_card_visa", 1000)
        ref = (await adhoc(api, adhoc_id))["payment"]["reference"]
        standin.intents[ref].status = "canceled"  # e.g. the hold expired at Stripe
        event = {**standin.events[0], "id": "evt_expired", "type": "payment_intent.canceled"}
        r = await deliver(running, event)
        assert r.json()["outcome"] == "voided"
        assert (await adhoc(api, adhoc_id))["payment"]["state"] == "VOIDED"


async def test_running_cost_reaches_a_california_charger(
    running: Running, api: httpx.AsyncClient
) -> None:
    california = [{"key": "CustomDisplayCostAndPrice", "readonly": True, "value": "true"}]
    config = {"GetConfiguration": lambda p: {"configurationKey": california}}
    async with booted_16(running, config) as cp:
        begin = {
            "connectorId": 1,
            "idTag": "TAG1",
            "meterStart": 100_000,
            "timestamp": now_ts(-3600),
        }
        tx = (await cp.result("StartTransaction", begin))["transactionId"]
        await cp.result("MeterValues", register_value(tx, 102_500, -1800))
        sent = await until(lambda: _first(calls(cp, "DataTransfer")))
        assert (sent["vendorId"], sent["messageId"]) == (
            "org.openchargealliance.costmsg",
            "RunningCost",
        )
        data = json.loads(sent["data"])
        assert data["transactionId"] == tx
        assert data["meterValue"] == 102_500
        await cp.result("MeterValues", register_value(tx, 104_000))
        stop = {"transactionId": tx, "meterStop": 104_000, "timestamp": now_ts(1)}
        await cp.result("StopTransaction", stop)
        final = await until(lambda: _final_cost(cp))
        assert final["cost"] == 2.4  # 4 kWh x 0.60
        running_values = [
            json.loads(c["data"])["cost"]
            for c in calls(cp, "DataTransfer")
            if c["messageId"] == "RunningCost"
        ]
        assert running_values
        assert all(v <= final["cost"] for v in running_values)


async def test_a_charger_without_cost_display_is_asked_once_and_never_sent_costs(
    running: Running, api: httpx.AsyncClient
) -> None:
    async with booted_16(running) as cp:
        begin = {"connectorId": 1, "idTag": "TAG1", "meterStart": 0, "timestamp": now_ts(-600)}
        tx = (await cp.result("StartTransaction", begin))["transactionId"]
        await cp.result("MeterValues", register_value(tx, 2_000, -300))
        await until(lambda: _any(calls(cp, "GetConfiguration")))  # its payload is {}: falsy
        await trio.sleep(1.5)  # five rounds at 0.3 s
        asked = calls(cp, "GetConfiguration")  # every key at once, shared (_config_cache)
        assert len(asked) == 1  # per connection, not per round
        assert not [c for c in calls(cp, "DataTransfer") if c["messageId"] == "RunningCost"]


async def _final_cost(cp: ScriptedCharger) -> dict[str, Any] | None:
    for c in calls(cp, "DataTransfer"):
        if c["messageId"] == "FinalCost":
            found: dict[str, Any] = json.loads(c["data"])
            return found
    return None


async def test_adhoc_on_a_2_0_1_station(
    running: Running, api: httpx.AsyncClient, standin: StripeStandIn
) -> None:
    url = running.charger_url("CP1")
    async with connect_charger(url, version=V201, user="CP1", password=PASSWORD) as cp:
        cp.responses["CostUpdated"] = lambda p: {}
        await cp.result("BootNotification", boot())
        body = {"charger_id": "CP1", "payment_method": "pm_card_visa", "amount_minor": 1000}
        made = (await api.post("/payments/adhoc", json=body)).json()
        start = await until(lambda: _first(calls(cp, "RequestStartTransaction")))
        assert start["idToken"] == {"idToken": made["id_token"], "type": "Central"}
        assert start["evseId"] == 1
        started, updated, ended = full_transaction("TX-PAY", made["id_token"])
        started["idToken"]["type"] = "Central"
        await cp.result("TransactionEvent", started)
        await until(lambda: _state(api, made["id"], "CHARGING"))
        await cp.result("TransactionEvent", updated)
        # 1000 -> 4000 Wh: 3 kWh x 0.60 = 1.80 EUR, the CDR's total and the capture.
        assert (await cp.result("TransactionEvent", ended))["totalCost"] == 1.8
        await until(lambda: _state(api, made["id"], "DONE"))
        done = await adhoc(api, made["id"])
        assert done["payment"]["captured_minor"] == 180
        assert standin.intents[done["payment"]["reference"]].amount_received == 180
