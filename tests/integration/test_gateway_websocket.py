"""The gateway's own WebSocket engine on the wire: a raw TCP client sends hand-made frames and
HTTP requests, and checks the server's bytes (close codes, pongs, HTTP statuses)."""

from __future__ import annotations

import base64
import json
import os

import pytest
import trio
from evgw import _core
from evgw.testing import wait_until

from tests.integration.gateway_fixtures import PASSWORD, Running, running

__all__ = ["running"]

KEY = b"dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 §1.3 example
ACCEPT = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def upgrade_request(port: int, path: str = "/ocpp/CP1", **override: str | None) -> bytes:
    credentials = base64.b64encode(f"CP1:{PASSWORD}".encode()).decode()
    headers: dict[str, str | None] = {
        "Host": f"127.0.0.1:{port}",
        "Upgrade": "websocket",
        "Connection": "keep-alive, Upgrade",
        "Sec-WebSocket-Key": KEY.decode(),
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Protocol": "ocpp1.6",
        "Authorization": f"Basic {credentials}",
    }
    headers.update(override)
    lines = [f"GET {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items() if v is not None]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class RawClient:
    def __init__(self, stream: trio.SocketStream, received: bytes) -> None:
        self.stream = stream
        self.parser = _core.WsParser(1 << 20, client=True)
        self.events = self.parser.feed(received) if received else []

    async def send(self, opcode: int, payload: bytes, *, fin: bool = True) -> None:
        await self.stream.send_all(_core.ws_masked(opcode, payload, os.urandom(4), fin=fin))

    async def next_event(self, timeout: float = 5) -> _core.WsEvent | None:
        """The next server event; None when the server closed the TCP stream."""
        with trio.fail_after(timeout):
            while not self.events:
                data = await self.stream.receive_some(65536)
                if not data:
                    return None
                self.events = self.parser.feed(data)
        return self.events.pop(0)

    async def close_code(self) -> int:
        """Reads to the server's close frame; its code (and the TCP stream ends after it)."""
        while True:
            event = await self.next_event()
            assert event is not None, "stream ended without a close frame"
            if isinstance(event, tuple) and event[0] == _core.WS_OP_CLOSE:
                assert await self.next_event() is None
                code = event[1]
                assert isinstance(code, int)
                return code


async def http_exchange(port: int, request: bytes) -> bytes:
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        await stream.send_all(request)
        response = b""
        with trio.fail_after(5):
            while chunk := await stream.receive_some(65536):
                response += chunk
    return response


async def connect(port: int, extra: bytes = b"") -> RawClient:
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    await stream.send_all(upgrade_request(port) + extra)
    response = b""
    with trio.fail_after(5):
        while b"\r\n\r\n" not in response:
            response += await stream.receive_some(65536)
    head, _, rest = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101 "), head
    assert b"Sec-WebSocket-Accept: " + ACCEPT in head
    assert b"Sec-WebSocket-Protocol: ocpp1.6" in head
    return RawClient(stream, rest)


def heartbeat(message_id: str) -> bytes:
    return json.dumps([2, message_id, "Heartbeat", {}]).encode()


async def test_fragmented_call_with_interleaved_ping(running: Running) -> None:
    client = await connect(running.endpoints.ocpp_port)
    frame = heartbeat("frag")
    await client.send(_core.WS_OP_TEXT, frame[:5], fin=False)
    await client.send(_core.WS_OP_PING, b"are you there")
    await client.send(0, frame[5:12], fin=False)
    await client.send(0, frame[12:], fin=True)
    assert await client.next_event() == (_core.WS_OP_PONG, b"are you there")
    reply = await client.next_event()
    assert isinstance(reply, str)
    assert json.loads(reply)[:2] == [3, "frag"]
    await client.send(_core.WS_OP_CLOSE, (1000).to_bytes(2, "big") + b"bye")
    assert await client.close_code() == 1000  # echoed, then the server closes the stream


async def test_frames_sent_with_the_upgrade_request_are_read(running: Running) -> None:
    early = _core.ws_masked(_core.WS_OP_TEXT, heartbeat("early"), os.urandom(4))
    client = await connect(running.endpoints.ocpp_port, extra=early)
    reply = await client.next_event()
    assert isinstance(reply, str)
    assert json.loads(reply)[:2] == [3, "early"]


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (_core.ws_text('[2, "u", "Heartbeat", {}]'), 1002),  # unmasked client frame
        (_core.ws_masked(_core.WS_OP_TEXT, b"\xc3\x28", b"abcd"), 1007),  # not UTF-8
        (_core.ws_masked(0x3, b"", b"abcd"), 1002),  # reserved opcode
        (_core.ws_masked(0, b"x", b"abcd"), 1002),  # continuation without a message
        (_core.ws_masked(_core.WS_OP_PING, b"p", b"abcd", fin=False), 1002),
        (_core.ws_masked(_core.WS_OP_CLOSE, (1005).to_bytes(2, "big"), b"abcd"), 1002),
    ],
)
async def test_protocol_errors_close_with_their_code(
    running: Running, frame: bytes, code: int
) -> None:
    client = await connect(running.endpoints.ocpp_port)
    await client.stream.send_all(frame)
    assert await client.close_code() == code
    gateway = running.server.gateway
    assert gateway is not None
    await wait_until(lambda: gateway.connection("CP1") is None, within=5)


async def test_message_over_the_limit_closes_with_1009(running: Running) -> None:
    client = await connect(running.endpoints.ocpp_port)
    limit = running.server.config.ocpp.max_frame_bytes * 4 + 1024
    # only the header is needed: the size is refused before the payload arrives
    header = _core.ws_masked(_core.WS_OP_TEXT, b"x" * (limit + 1), b"abcd")[:14]
    await client.stream.send_all(header)
    assert await client.close_code() == 1009


@pytest.mark.parametrize(
    ("override", "status"),
    [
        ({"Sec-WebSocket-Version": "8"}, 426),
        ({"Sec-WebSocket-Key": None}, 400),
        ({"Sec-WebSocket-Key": "short"}, 400),
        ({"Upgrade": None}, 400),
        ({"Connection": "keep-alive"}, 400),
        ({"Host": None}, 400),
        ({"X-Padding": "a" * 20000}, 431),
    ],
)
async def test_malformed_upgrades_get_http_errors(
    running: Running, override: dict[str, str | None], status: int
) -> None:
    port = running.endpoints.ocpp_port
    response = await http_exchange(port, upgrade_request(port, **override))
    assert response.startswith(f"HTTP/1.1 {status} ".encode()), response[:80]
    if status == 426:
        assert b"Sec-WebSocket-Version: 13" in response


@pytest.mark.parametrize(
    ("request_line", "status"),
    [
        (b"POST /ocpp/CP1 HTTP/1.1", 405),
        (b"GET /ocpp/CP1 HTTP/1.0", 400),
        (b"GARBAGE", 400),
    ],
)
async def test_bad_request_lines(running: Running, request_line: bytes, status: int) -> None:
    port = running.endpoints.ocpp_port
    request = upgrade_request(port)
    request = request_line + request[request.index(b"\r\n") :]
    response = await http_exchange(port, request)
    assert response.startswith(f"HTTP/1.1 {status} ".encode()), response[:80]


async def test_client_that_leaves_mid_request_does_not_hurt_the_server(running: Running) -> None:
    port = running.endpoints.ocpp_port
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    await stream.send_all(upgrade_request(port)[:30])
    await stream.aclose()
    client = await connect(port)  # the next charger is served
    await client.send(_core.WS_OP_TEXT, heartbeat("after"))
    reply = await client.next_event()
    assert isinstance(reply, str)
    assert json.loads(reply)[1] == "after"
