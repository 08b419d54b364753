"""A scriptable OCPP-J charger over a real WebSocket, for tests and examples (trio).

It sends frames exactly as given (so tests can send broken ones), collects every frame the
server sends, and answers the server's CALLs from `responses` (default: ``{"status": "Accepted"}``).
"""

from __future__ import annotations

import base64
import itertools
import json
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import trio
from trio_websocket import ConnectionClosed, WebSocketConnection, open_websocket_url

Responder = Callable[[dict[str, Any]], dict[str, Any]]


def basic_auth_header(user: str, password: str) -> tuple[bytes, bytes]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return (b"authorization", f"Basic {token}".encode())


class ScriptedCharger:
    def __init__(self, ws: WebSocketConnection) -> None:
        self.ws = ws
        self.received_calls: list[list[Any]] = []
        self.responses: dict[str, Responder] = {}
        self.auto_answer = True  # False: record the server's CALLs, answer none (tests reply)
        self._ids = itertools.count(1)
        self._replies_in, self._replies_out = trio.open_memory_channel[list[Any]](100)

    async def _reader(self) -> None:
        try:
            while True:
                frame = json.loads(await self.ws.get_message())
                if frame[0] == 2:
                    await self._answer(frame)
                else:
                    await self._replies_in.send(frame)
        except ConnectionClosed:
            self._replies_in.close()

    async def _answer(self, frame: list[Any]) -> None:
        self.received_calls.append(frame)
        if not self.auto_answer:
            return
        responder = self.responses.get(frame[2], _accept)
        await self.ws.send_message(json.dumps([3, frame[1], responder(frame[3])]))

    async def send_raw(self, text: str | bytes) -> None:
        await self.ws.send_message(text)

    async def next_reply(self, timeout: float = 5.0) -> list[Any]:
        """The next CALLRESULT/CALLERROR the server sent."""
        with trio.fail_after(timeout):
            return await self._replies_out.receive()

    async def call(self, action: str, payload: dict[str, Any], timeout: float = 5.0) -> list[Any]:
        """Send a CALL with a fresh id; return the server's reply frame (3 or 4)."""
        message_id = f"m{next(self._ids)}"
        await self.send_raw(json.dumps([2, message_id, action, payload]))
        reply = await self.next_reply(timeout)
        if reply[1] != message_id:
            raise AssertionError(f"reply for {reply[1]!r}, expected {message_id!r}")
        return reply

    async def result(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send a CALL and insist on a CALLRESULT; return its payload."""
        reply = await self.call(action, payload)
        if reply[0] != 3:
            raise AssertionError(f"{action}: expected CALLRESULT, got {reply}")
        result: dict[str, Any] = reply[2]
        return result


@asynccontextmanager
async def connect_charger(
    url: str,
    *,
    version: str = "ocpp1.6",
    user: str | None = None,
    password: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
    connect_timeout: float = 60,
    disconnect_timeout: float = 60,
) -> AsyncIterator[ScriptedCharger]:
    """`ssl_context` for a wss:// URL (e.g. with a client certificate for profile 3); the
    timeouts are trio-websocket's (a closing handshake a killed server never answers waits
    out `disconnect_timeout`)."""
    headers = [basic_auth_header(user, password)] if user and password is not None else []
    async with (
        open_websocket_url(
            url,
            subprotocols=[version],
            extra_headers=headers,
            ssl_context=ssl_context,
            connect_timeout=connect_timeout,
            disconnect_timeout=disconnect_timeout,
        ) as ws,
        trio.open_nursery() as nursery,
    ):
        charger = ScriptedCharger(ws)
        nursery.start_soon(charger._reader)
        yield charger
        nursery.cancel_scope.cancel()


def _accept(_payload: dict[str, Any]) -> dict[str, Any]:
    return {"status": "Accepted"}
