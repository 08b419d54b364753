"""Idle detection: a silent charger that answers pings stays; one that does not is closed."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio
from evgw import metrics
from evgw.testing import connect_charger, wait_until

from tests.integration.gateway_fixtures import (
    PASSWORD,
    Running,
    register,
    server_config,
    start_server,
)

INTERVAL = 0.2
PONG_TIMEOUT = 0.3


@pytest.fixture
async def quick(nursery: trio.Nursery, tmp_path: Path) -> AsyncIterator[Running]:
    config = server_config(tmp_path, ping_interval_s=INTERVAL, pong_timeout_s=PONG_TIMEOUT)
    run = await start_server(nursery, config)
    await register(run, "CP1")
    yield run
    run.server.stop()


async def deaf_charger(port: int, charger_id: str) -> trio.SocketStream:
    """A charger that completes the WebSocket handshake and then never reads again."""
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    credentials = base64.b64encode(f"{charger_id}:{PASSWORD}".encode()).decode()
    request = (
        f"GET /ocpp/{charger_id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Protocol: ocpp1.6\r\nAuthorization: Basic {credentials}\r\n\r\n"
    )
    await stream.send_all(request.encode())
    response = b""
    while b"\r\n\r\n" not in response:
        response += await stream.receive_some(4096)
    assert response.startswith(b"HTTP/1.1 101"), response
    return stream


def _timeouts() -> float:
    return metrics.REGISTRY.get_sample_value("evgw_ws_keepalive_timeouts_total") or 0.0


async def test_a_charger_that_never_pongs_is_closed(quick: Running) -> None:
    gateway = quick.server.gateway
    assert gateway is not None
    before = _timeouts()
    stream = await deaf_charger(quick.endpoints.ocpp_port, "CP1")
    async with stream:
        await wait_until(lambda: gateway.connection("CP1") is not None)
        await wait_until(lambda: gateway.connection("CP1") is None, within=5)
    assert _timeouts() == before + 1


async def test_an_idle_charger_that_pongs_stays(quick: Running) -> None:
    gateway = quick.server.gateway
    assert gateway is not None
    async with connect_charger(quick.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        assert await cp.result("Heartbeat", {})
        info = gateway.connection("CP1")
        assert info is not None
        first_seen = info.last_frame_at
        await trio.sleep(INTERVAL * 5)  # silent for several intervals: pinged, answered
        info = gateway.connection("CP1")
        assert info is not None
        assert info.last_frame_at > first_seen  # the pongs count as signs of life
        assert await cp.result("Heartbeat", {})
