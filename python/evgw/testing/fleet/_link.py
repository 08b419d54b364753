"""The charger's side of OCPP-J over one WebSocket: our CALLs (one outstanding, correlated by
id, bounded), the CSMS's CALLs answered in order, round trips recorded."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

import trio
from trio_websocket import ConnectionClosed, WebSocketConnection

from evgw.testing.fleet._protocol import CallRefused, Payload
from evgw.testing.fleet._stats import OK, Recorder

Answer = Callable[[str, Payload], Payload]
_ids = itertools.count(1)


class CallTimeout(Exception):
    pass


class Link:
    def __init__(
        self, ws: WebSocketConnection, recorder: Recorder, answer: Answer, timeout_s: float
    ) -> None:
        self.ws = ws
        self.recorder = recorder
        self.answer = answer
        self.timeout_s = timeout_s
        self._waiting: str | None = None
        self._reply: list[Any] | None = None
        self._arrived = trio.Event()
        self._lock = trio.Lock()  # one outstanding CALL per direction
        self.closed = False
        self._answering = 0  # answers being computed or sent
        self._answered = trio.Event()

    async def run(self) -> None:
        """Read frames until the socket closes (returns then)."""
        try:
            while True:
                await self._on_frame(await self.ws.get_message())
        except ConnectionClosed:
            self.abandon()
            return

    def abandon(self) -> None:
        """The connection is gone: a CALL waiting for its reply fails now, not at its timeout."""
        self.closed = True
        self._arrived.set()

    async def _on_frame(self, text: str | bytes) -> None:
        try:
            frame = json.loads(text)
            kind = frame[0]
        except (ValueError, IndexError, KeyError, TypeError):
            self.recorder.note("bad_frame_from_csms")
            return
        if kind == 2:
            await self._answer(frame)
        elif frame[1] == self._waiting:
            self._reply = frame
            self._arrived.set()
        else:
            self.recorder.note("late_or_unknown_reply")

    async def _answer(self, frame: list[Any]) -> None:
        _, message_id, action, payload = frame
        self.recorder.note(f"csms_call:{action}")
        self._answering += 1
        try:
            try:
                reply: list[Any] = [3, message_id, self.answer(action, payload)]
            except CallRefused as exc:
                reply = [4, message_id, exc.code, exc.description, {}]
            await self.send_text(json.dumps(reply))
        finally:
            self._answering -= 1
            if not self._answering:
                self._answered.set()

    async def answers_sent(self, limit_s: float = 2.0) -> None:
        """Wait (bounded) until every answer in progress is on the wire: a Reset's answer
        goes out before the reboot closes the connection."""
        with trio.move_on_after(limit_s):
            while self._answering and not self.closed:
                self._answered = trio.Event()
                await self._answered.wait()

    async def send_text(self, text: str) -> None:
        await self.ws.send_message(text)

    async def call(
        self,
        action: str,
        payload: Payload,
        *,
        message_id: str | None = None,
        expect_error: bool = False,
    ) -> Payload:
        """Send a CALL; return the CALLRESULT payload or raise CallRefused / CallTimeout."""
        async with self._lock:
            return await self._call_locked(action, payload, message_id, expect_error)

    async def _call_locked(
        self, action: str, payload: Payload, message_id: str | None, expect_error: bool
    ) -> Payload:
        message_id = message_id or f"s{next(_ids)}"
        self._waiting, self._reply, self._arrived = message_id, None, trio.Event()
        started = trio.current_time()
        await self.send_text(json.dumps([2, message_id, action, payload]))
        with trio.move_on_after(self.timeout_s):
            await self._arrived.wait()
        rtt = trio.current_time() - started
        self._waiting = None
        return self._settle(action, rtt, self._reply, expect_error)

    def _settle(
        self, action: str, rtt: float, reply: list[Any] | None, expect_error: bool
    ) -> Payload:
        if reply is None and self.closed:
            self.recorder.record(action, rtt, "closed")
            raise CallTimeout(f"{action}: connection closed")
        if reply is None:
            self.recorder.record(action, rtt, "timeout", f"after {self.timeout_s:g} s")
            raise CallTimeout(action)
        if reply[0] == 4:
            outcome = "expected_error" if expect_error else "callerror"
            self.recorder.record(action, rtt, outcome, f"{reply[2]} {reply[3]}")
            raise CallRefused(str(reply[2]), str(reply[3]))
        self.recorder.record(action, rtt, "expected_error" if expect_error else OK)
        result: Payload = reply[2]
        return result
