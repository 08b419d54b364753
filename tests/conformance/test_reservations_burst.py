"""A reserved EVSE under a start burst: the reservation check in the `authorize` hook answers
from memory, so a store whose readers are all busy (as in a burst of 1,000 starting chargers,
where the hook's store read used to miss its 1 s plugin timeout and fail open) cannot let
another token start on it, and neither can a restart. Real server, real sockets, SQLite."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import trio
from evgw import metrics

from tests.conformance.control_fixtures import admin_api, charger
from tests.conformance.test_reservations import body, later, started_on
from tests.integration.gateway_fixtures import (
    Running,
    add_token,
    register,
    running,
    server_config,
    start_server,
)

__all__ = ["running"]

SLOW_READ_S = 0.05
BUSY_READS = 120  # queued reads: ~1.5 s of waiting on the 4 reader threads, above the 1 s limit


@asynccontextmanager
async def busy_readers(run: Running) -> AsyncIterator[None]:
    """Keep the store's readers saturated: every read issued meanwhile queues ~1.5 s."""
    store = run.server.store
    assert store is not None

    async def reader() -> None:
        while True:
            await store.read(lambda db: time.sleep(SLOW_READ_S))

    async with trio.open_nursery() as nursery:
        for _ in range(BUSY_READS):
            nursery.start_soon(reader)
        await trio.sleep(0.2)
        yield
        nursery.cancel_scope.cancel()


def timeouts() -> float:
    return metrics.PLUGIN_FAILURES.labels("authorize", "timeout")._value.get()


async def start(run: Running, charger_id: str, connector: int, tag: str) -> str:
    async with charger(run, "ocpp1.6", charger_id) as cp:
        payload = {"connectorId": connector, "idTag": tag, "meterStart": 0, "timestamp": later(0)}
        reply = await cp.call("StartTransaction", payload, timeout=30)
        assert reply[0] == 3, reply
        return str(reply[2]["idTagInfo"]["status"])


async def burst(run: Running, starts: list[tuple[str, int, str]]) -> list[str]:
    answers = [""] * len(starts)

    async def one(i: int) -> None:
        answers[i] = await start(run, *starts[i])

    async with busy_readers(run), trio.open_nursery() as nursery:
        for i in range(len(starts)):
            nursery.start_soon(one, i)
    return answers


async def test_start_burst_cannot_take_a_reserved_evse(running: Running) -> None:
    await add_token(running, "TAG2")
    for n in range(2, 7):
        await register(running, f"CP{n}")
    async with charger(running, "ocpp1.6"), admin_api(running) as http:
        assert (await http.post("/reservations", json=body())).status_code == 201
    before = timeouts()
    starts = [("CP1", 1, "TAG2"), *((f"CP{n}", 1, "TAG2") for n in range(2, 7))]
    answers = await burst(running, starts)
    assert answers[0] == "Blocked"  # the reserved EVSE: NotAtThisTime in 1.6 spelling
    assert answers[1:] == ["Accepted"] * 5  # the burst itself went through
    assert timeouts() == before  # the hook never waited on the store


async def test_a_restart_keeps_the_reservation(tmp_path: Path) -> None:
    config = server_config(tmp_path)
    async with trio.open_nursery() as nursery:
        first = await start_server(nursery, config)
        await register(first, "CP1")
        await register(first, "CP2")
        await add_token(first, "TAG1")
        await add_token(first, "TAG2")
        async with charger(first, "ocpp1.6"), admin_api(first) as http:
            assert (await http.post("/reservations", json=body())).status_code == 201
        first.server.stop()
    async with trio.open_nursery() as nursery:
        again = await start_server(nursery, config)
        answers = await burst(again, [("CP1", 1, "TAG2"), ("CP2", 1, "TAG2")])
        assert answers == ["Blocked", "Accepted"]
        again.server.stop()


async def test_an_ended_reservation_no_longer_blocks(running: Running) -> None:
    """The index follows the charger's ReservationStatusUpdate and the operator's cancel."""
    await add_token(running, "TAG2")
    async with charger(running) as cp, admin_api(running) as http:
        removed = (await http.post("/reservations", json=body())).json()["id"]
        cancelled = (await http.post("/reservations", json=body(evse_id=2))).json()["id"]

        async def status(evse: int, tx_id: str) -> str:
            reply = await cp.result("TransactionEvent", started_on(evse, "TAG2", tx_id))
            return str(reply["idTokenInfo"]["status"])

        assert (await status(1, "A"), await status(2, "B")) == ("NotAtThisTime",) * 2
        update = {"reservationId": removed, "reservationUpdateStatus": "Removed"}
        assert await cp.result("ReservationStatusUpdate", update) == {}
        assert (await http.delete(f"/reservations/{cancelled}")).status_code == 200
        assert (await status(1, "C"), await status(2, "D")) == ("Accepted",) * 2
