"""The component seams: domain events from a real 1.6 session, a component's API routes,
its background task and its tables, all in a real server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import trio
from evgw import events as ev
from evgw.api import ApiExtension, ApiRoute, Call, Doc, create_api_token, ok
from evgw.app import Server
from evgw.components import Component, ComponentContext
from evgw.config import config_from_dict
from evgw.domain import Role
from evgw.events import EventBus
from evgw.store import Db
from evgw.testing import connect_charger, wait_until

from tests.integration.gateway_fixtures import (
    PASSWORD,
    Running,
    add_token,
    register,
    server_config,
)
from tests.integration.test_gateway_v16 import BOOT, meter, ts

SPEC = "tests.integration.test_components:make_component"


class Recorder(Component):
    name = "recorder"

    def __init__(self, ctx: ComponentContext) -> None:
        self.ctx = ctx
        self.seen: list[Any] = []
        self.started = False
        for kind in (
            ev.ChargerConnected,
            ev.ChargerBooted,
            ev.ConnectorStatusChanged,
            ev.TransactionStarted,
            ev.MeterValuesReceived,
            ev.TransactionStopped,
            ev.ChargerDisconnected,
        ):
            ctx.events.subscribe(kind, self.seen.append)

    def api(self) -> ApiExtension:
        async def count(call: Call) -> Any:
            rows = await call.store.read(_count_transactions)
            return ok({"events": len(self.seen), "transactions": rows})

        return ApiExtension(
            routes=(ApiRoute("GET", "/recorder", count, Role.VIEWER),),
            operations={("GET", "/recorder"): Doc("Events seen")},
        )

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        self.started = True
        task_status.started()
        await trio.sleep_forever()


def _count_transactions(db: Db) -> int:
    row = db.one("SELECT COUNT(*) FROM transactions")
    return int(row[0]) if row else 0


def make_component(ctx: ComponentContext) -> Component:
    return Recorder(ctx)


async def test_events_api_and_task_of_a_component(nursery: trio.Nursery, tmp_path: Path) -> None:
    server = Server(config_from_dict(server_config(tmp_path)), component_specs=[SPEC])
    running = Running(server, await nursery.start(server.run))
    await register(running, "CP1")
    await add_token(running, "TAG1")
    (recorder,) = server.components
    assert isinstance(recorder, Recorder)
    assert recorder.started

    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        await cp.result("BootNotification", BOOT)
        status = {"connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted"}
        await cp.result("StatusNotification", status)
        start = {"connectorId": 1, "idTag": "TAG1", "meterStart": 1000, "timestamp": ts()}
        tx = (await cp.result("StartTransaction", start))["transactionId"]
        await cp.result("StartTransaction", start)  # a retry: published as a duplicate
        values = {"connectorId": 1, "transactionId": tx, "meterValue": meter(1500, 5)}
        await cp.result("MeterValues", values)
        stop = {"transactionId": tx, "meterStop": 2000, "timestamp": ts(10)}
        await cp.result("StopTransaction", stop)
    await wait_until(lambda: isinstance(recorder.seen[-1], ev.ChargerDisconnected))

    kinds = [type(e).__name__ for e in recorder.seen]
    assert kinds == [
        "ChargerConnected",
        "ChargerBooted",
        "ConnectorStatusChanged",
        "TransactionStarted",
        "TransactionStarted",
        "MeterValuesReceived",
        "TransactionStopped",
        "ChargerDisconnected",
    ]
    _, booted, status_ev, first, retry, values_ev, stopped, _ = recorder.seen
    assert (booted.vendor, booted.status) == ("ACME", "Accepted")
    assert (status_ev.status, status_ev.error_code, status_ev.connector_id) == (
        "Faulted",
        "GroundFailure",
        1,
    )
    assert not first.duplicate
    assert retry.duplicate
    assert retry.transaction_id == first.transaction_id
    assert values_ev.transaction_id == first.transaction_id
    assert values_ev.samples[0].value == "1500"
    assert stopped.transaction_id == first.transaction_id
    assert not stopped.orphan

    store = server.store
    assert store is not None
    secret = await create_api_token(store, Role.VIEWER, "test")
    async with httpx.AsyncClient(base_url=running.api_url) as client:
        reply = await client.get("/api/v1/recorder", headers={"authorization": f"Bearer {secret}"})
        document = (await client.get("/openapi.json")).json()
    assert reply.status_code == 200
    assert reply.json() == {"events": 8, "transactions": 1}
    assert "get" in document["paths"]["/api/v1/recorder"]
    server.stop()


def test_a_failing_subscriber_does_not_stop_the_others() -> None:
    bus = EventBus()
    got: list[object] = []

    def broken(event: object) -> None:
        raise RuntimeError("boom")

    bus.subscribe(ev.SecurityEventReceived, broken)
    bus.subscribe(ev.SecurityEventReceived, got.append)
    event = ev.SecurityEventReceived("CP1", "TamperDetectionActivated", None, datetime.now(UTC))
    bus.publish(event)
    assert got == [event]
    assert not bus.wants(ev.ChargerBooted)
