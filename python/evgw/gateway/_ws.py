"""A server-side WebSocket over a trio stream (`trio.SocketStream` or `trio.SSLStream`).

Framing is in Rust (`_core.WsParser`, `_core.ws_*`); this layer reads and writes the stream.
There is no reading task of its own: the caller's `get_message()` reads the socket, answers
pings, records pongs and completes a close handshake on the way, so an idle connection costs
one waiting task (the caller's) and no more. Sends are serialised (replies, our own CALLs,
keepalive pings and the close frame come from different tasks); a slow reader blocks the
sender, which is the backpressure.

On a plain TCP stream (`trio.SocketStream`) the socket's descriptor is read and written
directly: wait for readability first, then one `read` (a charger sends its next frame only
after our reply, so trying the read first would fail with EAGAIN almost every time), and one
`write` that in the common case takes the whole reply at once without a trip through the
scheduler. That is two system calls and one scheduler round per message instead of four and
three; TLS streams go through the stream's own methods.
"""

from __future__ import annotations

import contextlib
import os

import attrs
import trio

from evgw import _core

RECEIVE_BYTES = 65536
CLOSE_TIMEOUT_S = 2.0  # how long a close handshake waits for the peer's close frame
NO_STATUS = 1005  # RFC 6455 §7.1.5: the close frame carried no code
ABNORMAL = 1006  # the stream ended without a close frame

_PING_PAYLOAD = b"evgw"
_NOTHING: list[_core.WsEvent] = []


@attrs.frozen
class CloseReason:
    code: int
    reason: str


class ConnectionClosed(Exception):
    def __init__(self, reason: CloseReason) -> None:
        super().__init__(f"{reason.code} {reason.reason}".strip())
        self.reason = reason


_STREAM_ERRORS = (trio.BrokenResourceError, trio.ClosedResourceError)


class WebSocket:
    __slots__ = (
        "_events",
        "_next",
        "_parser",
        "_pong",
        "_reading",
        "_send_busy",
        "_send_idle",
        "_sock",
        "_stream",
        "closed",
    )

    def __init__(self, stream: trio.abc.Stream, max_message: int, received: bytes = b"") -> None:
        self._stream = stream
        # plain TCP: the trio socket, whose descriptor is read and written directly
        self._sock = stream.socket if type(stream) is trio.SocketStream else None
        self._parser = _core.WsParser(max_message)
        self._events = self._parser.feed(received) if received else _NOTHING
        self._next = 0
        self._pong: trio.Event | None = None
        self._reading = False
        self._send_busy = False
        self._send_idle: trio.Event | None = None
        self.closed: CloseReason | None = None

    @property
    def stream(self) -> trio.abc.Stream:
        return self._stream

    # receiving ---------------------------------------------------------------------------------
    async def get_message(self) -> str | bytes:
        """The next text (str) or binary (bytes) message. Raises ConnectionClosed."""
        while True:
            events = self._events
            if self._next < len(events):
                event = events[self._next]
                self._next += 1
                if type(event) is str:
                    return event
                message = await self._on_control(event)
                if message is not None:
                    return message
                continue
            self._events, self._next = _NOTHING, 0
            if self.closed is not None:
                raise ConnectionClosed(self.closed)
            data = await self._receive()
            if not data:
                await self._abort(ABNORMAL, "connection lost")
                raise ConnectionClosed(self.closed or CloseReason(ABNORMAL, ""))
            self._events = self._parser.feed(data)

    async def _receive(self) -> bytes:
        self._reading = True
        try:
            if self._sock is not None:
                return await self._receive_fd(self._sock)
            return bytes(await self._stream.receive_some(RECEIVE_BYTES))
        except _STREAM_ERRORS:
            return b""
        finally:
            self._reading = False

    @staticmethod
    async def _receive_fd(sock: trio.socket.SocketType) -> bytes:
        """Wait until readable, then read; b"" once the stream ended or failed."""
        while True:
            await trio.lowlevel.wait_readable(sock)  # ClosedResourceError if closed meanwhile
            fd = sock.fileno()
            if fd < 0:
                return b""
            try:
                return os.read(fd, RECEIVE_BYTES)
            except BlockingIOError:  # a spurious wake-up
                continue
            except OSError:  # reset by the peer, ...
                return b""

    async def _on_control(self, event: _core.WsEvent) -> bytes | None:
        """Handles a non-text event; returns a binary message's payload."""
        assert isinstance(event, tuple)
        op = event[0]
        if op == _core.WS_OP_BINARY:
            return bytes(event[1])  # type: ignore[arg-type]
        if op == _core.WS_OP_PING:
            await self._try_send(_core.ws_frame(_core.WS_OP_PONG, event[1]))  # type: ignore[arg-type]
        elif op == _core.WS_OP_PONG:
            if self._pong is not None:
                self._pong.set()
        elif op == _core.WS_OP_CLOSE:
            code = event[1] if isinstance(event[1], int) else None
            reason = str(event[2]) if len(event) > 2 else ""
            await self._answer_close(code, reason)
        else:  # protocol error: close with its code (1002 / 1007 / 1009)
            code, reason = int(event[1]), str(event[2])  # type: ignore[arg-type, misc]
            await self._abort(code, reason, send_close=True)
        return None

    async def _answer_close(self, code: int | None, reason: str) -> None:
        """The peer closed: echo its code (§5.5.1), then close the stream (the server does)."""
        self.closed = CloseReason(NO_STATUS if code is None else code, reason)
        frame = _core.ws_close(code, "") if code is not None else _core.ws_close(1000, "")
        await self._try_send(frame)
        await self._close_stream()

    # sending -----------------------------------------------------------------------------------
    async def send_message(self, text: str) -> None:
        """Sends one text message. Raises ConnectionClosed."""
        if self.closed is not None:
            raise ConnectionClosed(self.closed)
        await self._send(_core.ws_text(text))

    async def _send(self, frame: bytes) -> None:
        while self._send_busy:
            if self._send_idle is None:
                self._send_idle = trio.Event()
            await self._send_idle.wait()
        self._send_busy = True
        try:
            if self._sock is not None:
                await self._send_fd(self._sock, frame)
            else:
                await self._stream.send_all(frame)
        except _STREAM_ERRORS:
            await self._abort(ABNORMAL, "connection lost")
            raise ConnectionClosed(self.closed or CloseReason(ABNORMAL, "")) from None
        finally:
            self._send_busy = False
            idle, self._send_idle = self._send_idle, None
            if idle is not None:
                idle.set()

    @staticmethod
    async def _send_fd(sock: trio.socket.SocketType, frame: bytes) -> None:
        """Write all of `frame`, waiting for room only when the socket's buffer is full."""
        view = memoryview(frame)
        while True:
            fd = sock.fileno()
            if fd < 0:
                raise trio.ClosedResourceError("socket closed")
            try:
                sent = os.write(fd, view)
            except BlockingIOError:
                sent = 0
            except OSError as exc:  # EPIPE, reset by the peer, ...
                raise trio.BrokenResourceError(str(exc)) from exc
            if sent == len(view):
                return
            view = view[sent:]
            await trio.lowlevel.wait_writable(sock)

    async def _try_send(self, frame: bytes) -> None:
        with contextlib.suppress(ConnectionClosed):
            await self._send(frame)

    async def ping(self) -> None:
        """Sends a ping and waits for a pong (read by whoever calls get_message). Raises
        ConnectionClosed, also when the connection closes while waiting."""
        if self.closed is not None:
            raise ConnectionClosed(self.closed)
        self._pong = pong = trio.Event()
        try:
            await self._send(_core.ws_frame(_core.WS_OP_PING, _PING_PAYLOAD))
            await pong.wait()
        finally:
            if self._pong is pong:
                self._pong = None
        if self.closed is not None:
            raise ConnectionClosed(self.closed)

    # closing -----------------------------------------------------------------------------------
    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        """Closing handshake started by us: our close frame, the peer's (bounded), then the
        stream. Does nothing when already closed."""
        if self.closed is not None:
            return
        self.closed = CloseReason(code, reason)
        try:
            with trio.move_on_after(CLOSE_TIMEOUT_S):
                await self._try_send(_core.ws_close(code, reason))
                if not self._reading:  # nobody else reads: wait for the peer's close here
                    await self._await_peer_close()
        finally:
            await self._close_stream()

    async def _await_peer_close(self) -> None:
        while not self._parser.done:
            data = await self._receive()
            if not data:
                return
            self._parser.feed(data)

    async def _abort(self, code: int, reason: str, *, send_close: bool = False) -> None:
        """Fails the connection: optionally a close frame with `code`, then the stream."""
        if self.closed is None:
            self.closed = CloseReason(code, reason)
        if send_close:
            with trio.move_on_after(CLOSE_TIMEOUT_S):
                await self._try_send(_core.ws_close(code, reason))
        await self._close_stream()

    async def _close_stream(self) -> None:
        pong, self._pong = self._pong, None
        if pong is not None:
            pong.set()  # a waiting ping() sees the close
        with trio.move_on_after(CLOSE_TIMEOUT_S) as scope:
            with contextlib.suppress(*_STREAM_ERRORS):
                await self._stream.aclose()
        if scope.cancelled_caught:
            await trio.aclose_forcefully(self._stream)
