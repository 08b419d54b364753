"""Chargers that connect and drop together (a network outage): every one is admitted and
counted, and every one's last-seen time is written when it leaves (the disconnects share
their writes: none may be lost)."""

from __future__ import annotations

from datetime import UTC, datetime

import trio
from evgw.testing import connect_charger, wait_until

from tests.integration.gateway_fixtures import PASSWORD, Running, register, running

__all__ = ["running"]

N = 30


async def test_a_fleet_that_drops_together_is_seen_until_it_left(running: Running) -> None:
    ids = [f"ST{i:02d}" for i in range(N)]
    for cid in ids:
        await register(running, cid)
    store, gateway = running.server.store, running.server.gateway
    assert store is not None
    assert gateway is not None
    online = trio.Event()

    async def one(cid: str) -> None:
        async with connect_charger(running.charger_url(cid), user=cid, password=PASSWORD) as cp:
            boot = {"chargePointVendor": "v", "chargePointModel": "m"}
            assert (await cp.result("BootNotification", boot))["status"] == "Accepted"
            await online.wait()

    async with trio.open_nursery() as nursery:
        for cid in ids:
            nursery.start_soon(one, cid)
        await wait_until(lambda: gateway.connected_count() == N, within=30)
        assert len(gateway.connections()) == N
        left = datetime.now(UTC)
        online.set()  # all close at once
    await wait_until(lambda: gateway.connected_count() == 0, within=10)
    with trio.fail_after(10):
        while True:
            records = [await store.get_charger(cid) for cid in ids]
            seen = [r.last_seen_at for r in records if r is not None and r.last_seen_at]
            if len(seen) == N and min(seen) >= left:
                break
            await trio.sleep(0.05)
