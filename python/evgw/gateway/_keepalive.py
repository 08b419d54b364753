"""One keepalive task for all connections (not one per connection: memory per idle charger).

A connection that sent nothing (no frame, no pong) for `interval` seconds gets a WebSocket
ping; no pong within the connection's timeout closes it. Traffic proves liveness, so busy
chargers are never pinged.
"""

from __future__ import annotations

import time

import trio

from evgw.gateway._registry import Registry

SWEEPS_PER_INTERVAL = 10  # a connection is pinged within interval * 1.1 of silence


async def keep_alive(registry: Registry, interval: float) -> None:
    async with trio.open_nursery() as pings:
        while True:
            await trio.sleep(interval / SWEEPS_PER_INTERVAL)
            now = time.time()
            for conn in registry.all():
                if not conn.ping_in_flight and conn.idle_for(now) >= interval:
                    conn.ping_in_flight = True  # set now: the task starts later
                    pings.start_soon(conn.ping)
