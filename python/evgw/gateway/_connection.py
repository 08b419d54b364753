"""One charger's OCPP-J session: the RPC state machine over a WebSocket.

- Incoming CALLs run one at a time, in order, in the reading task itself (a charger sends its
  next CALL only after our reply, so nothing waits behind a handler but late replies to our
  own CALLs). Handlers must therefore never await the charger; they spawn such work.
- Our own CALLs: at most one outstanding (a lock), correlated by message id, bounded by a
  timeout; a reply with another id (late, or never sent) is dropped and logged.
- A failure inside the connection ends this connection only.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import attrs
import trio

from evgw import _core, metrics
from evgw.gateway._commands import CallErrorReply, CallTimeout, InvalidReply
from evgw.gateway._ratelimit import TokenBucket
from evgw.gateway._ws import ConnectionClosed, WebSocket
from evgw.ocpp._context import CallContext, OcppCallError

log = logging.getLogger("evgw.gateway")

Dispatch = Callable[[CallContext, dict[str, Any]], Awaitable[dict[str, Any]]]

INTERNAL_ERROR_TEXT = "internal error; the operator has been notified"


_ANSWERED: dict[str, tuple[Any, Any]] = {}


def _answered_metrics(action: str) -> tuple[Any, Any]:
    """The "answered ok" counter and the handler latency histogram of `action` (looking up
    labelled children costs more than updating them, and happens on every message)."""
    found = _ANSWERED.get(action)
    if found is None:
        found = _ANSWERED[action] = (
            metrics.MESSAGES.labels(action, "in", "ok"),
            metrics.HANDLER_SECONDS.labels(action),
        )
    return found


@attrs.define
class _Pending:
    message_id: str
    action: str
    done: trio.Event = attrs.field(factory=trio.Event)
    result: dict[str, Any] | None = None
    error: Exception | None = None


@attrs.frozen
class ConnectionSettings:
    call_timeout_s: float
    messages_per_second: float
    message_burst: int
    pong_timeout_s: float


class Connection:
    def __init__(
        self,
        ws: WebSocket,
        *,
        charger_id: str,
        codec: _core.Codec,
        dispatch: Dispatch,
        settings: ConnectionSettings,
        remote: str,
    ) -> None:
        self.charger_id = charger_id
        self.codec = codec
        self.version = codec.version
        self.remote = remote
        self.connected_at = datetime.now(UTC)
        self._last_frame = time.time()
        self._ws = ws
        self._dispatch = dispatch
        self._settings = settings
        self._bucket = TokenBucket(settings.messages_per_second, settings.message_burst)
        self._call_lock: trio.Lock | None = None  # made on the first CALL (idle memory)
        self._pending: _Pending | None = None
        self._wait_scope = trio.CancelScope()  # the current wait for a frame, never a handler
        self._stopping = False
        self._finished = False
        self._done: trio.Event | None = None  # made when close() has to wait
        self.closing_reason: str | None = None
        self.ping_in_flight = False

    @property
    def ws(self) -> WebSocket:
        return self._ws

    @property
    def last_frame_at(self) -> datetime:
        return datetime.fromtimestamp(self._last_frame, UTC)

    # lifecycle ---------------------------------------------------------------------------------
    async def run(self) -> None:
        """Serve until the socket closes or `close()` is called."""
        try:
            await self._receive_loop()
        finally:
            self._fail_pending(CallTimeout("connection closed"))
            self._finished = True
            if self._done is not None:
                self._done.set()

    async def close(self, reason: str, code: int = 1000) -> None:
        """Stop reading, finish the CALL being handled, then close the socket (bounded)."""
        self.closing_reason = reason
        self._stop_reading()
        if not self._finished:
            if self._done is None:
                self._done = trio.Event()
            with trio.move_on_after(self._settings.call_timeout_s):
                await self._done.wait()
        with trio.move_on_after(2):
            await self._ws.aclose(code, reason[:120])

    def _stop_reading(self) -> None:
        self._stopping = True
        self._wait_scope.cancel()  # interrupts a wait for the next frame, never a handler

    # receiving ---------------------------------------------------------------------------------
    async def _next_message(self) -> str | bytes | None:
        """The next frame, or None once the socket closed or reading was stopped."""
        with trio.CancelScope() as self._wait_scope:
            if self._stopping:
                return None
            try:
                return await self._ws.get_message()
            except ConnectionClosed:
                return None
        return None  # cancelled by _stop_reading

    async def _receive_loop(self) -> None:
        while (message := await self._next_message()) is not None:
            self._last_frame = time.time()
            await self._bucket.acquire()
            if isinstance(message, bytes):
                self._drop("binary", "binary frame (OCPP-J is text only)")
                continue
            await self._on_text(message)

    async def _on_text(self, text: str) -> None:
        pending = self._pending
        try:
            frame = self.codec.decode(text, pending.action if pending else None)
        except _core.OcppError as exc:
            await self._on_bad_frame(exc)
            return
        if isinstance(frame, _core.Call):
            await self._handle_call(frame, text)
        else:
            self._on_reply(frame)

    async def _on_bad_frame(self, exc: _core.OcppError) -> None:
        if exc.frame_type in (3, 4):  # a reply: never answered, may fail our pending call
            if self._pending and exc.message_id == self._pending.message_id:
                self._settle(InvalidReply(f"{exc.code}: {exc.description}"), None)
            else:
                self._drop("invalid_reply", exc.description)
            return
        metrics.MESSAGES.labels(exc.action or "?", "in", "rejected").inc()
        if exc.kind == "message_type_not_supported" and self.version == _core.OCPP16:
            self._drop("ignored_type", exc.description)
            return
        log.warning("%s: rejected frame: %s %s", self.charger_id, exc.code, exc.description)
        await self._send_error(exc.message_id or "-1", exc.code, exc.description, exc.details)

    def _on_reply(self, frame: _core.CallResult | _core.CallError) -> None:
        pending = self._pending
        if pending is None or frame.message_id != pending.message_id:
            self._drop("unmatched_reply", f"reply to unknown or late message {frame.message_id!r}")
            return
        if isinstance(frame, _core.CallError):
            metrics.CALLERRORS.labels(frame.error_code, "in").inc()
            self._settle(
                CallErrorReply(frame.error_code, frame.error_description, frame.error_details),
                None,
            )
        else:
            self._settle(None, frame.payload)

    def _drop(self, reason: str, text: str) -> None:
        metrics.DROPPED_FRAMES.labels(reason).inc()
        log.info("%s: dropped frame (%s): %s", self.charger_id, reason, text)

    # incoming CALLs ----------------------------------------------------------------------------
    async def _handle_call(self, call: _core.Call, text: str) -> None:
        started = trio.current_time()
        ctx = CallContext(
            charger_id=self.charger_id,
            ocpp_version=self.version,
            message_id=call.message_id,
            action=call.action,
            received_at=datetime.now(UTC),
            raw=text,
            caller=self,
        )
        try:
            reply = await self._dispatch(ctx, call.payload)
        except OcppCallError as exc:
            metrics.MESSAGES.labels(call.action, "in", "callerror").inc()
            code = self.codec.error_code(exc.kind)
            await self._send_error(call.message_id, code, exc.description, exc.details)
            return
        except Exception:
            log.exception(
                "%s: handler %s failed (message %s)", self.charger_id, call.action, call.message_id
            )
            metrics.MESSAGES.labels(call.action, "in", "internal_error").inc()
            code = self.codec.error_code("internal")
            await self._send_error(call.message_id, code, INTERNAL_ERROR_TEXT, {})
            return
        await self._send(self.codec.encode_result(call.message_id, reply))
        answered, latency = _answered_metrics(call.action)
        answered.inc()
        latency.observe(trio.current_time() - started)

    async def _send_error(
        self, message_id: str, code: str, description: str, details: dict[str, Any]
    ) -> None:
        metrics.CALLERRORS.labels(code, "out").inc()
        await self._send(self.codec.encode_error(message_id, code, description, details))

    async def _send(self, text: str) -> None:
        try:
            await self._ws.send_message(text)
        except ConnectionClosed:
            log.info("%s: reply not sent, connection closed", self.charger_id)

    # outgoing CALLs ----------------------------------------------------------------------------
    async def call(
        self, action: str, payload: dict[str, Any], *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Send one CALL and wait for its reply (the caller validated the payload)."""
        timeout = self._settings.call_timeout_s if timeout is None else timeout
        try:
            with trio.fail_after(timeout):
                if self._call_lock is None:
                    self._call_lock = trio.Lock()
                async with self._call_lock:
                    return await self._call_locked(action, payload)
        except trio.TooSlowError:
            metrics.MESSAGES.labels(action, "out", "timeout").inc()
            raise CallTimeout(f"{action}: no reply within {timeout:g} s") from None

    async def _call_locked(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        pending = _Pending(str(uuid.uuid4()), action)
        self._pending = pending
        try:
            await self._ws.send_message(
                self.codec.encode_call(pending.message_id, action, payload, validate=False)
            )
            await pending.done.wait()
        except ConnectionClosed:
            raise CallTimeout("connection closed before the reply") from None
        finally:
            self._pending = None
        if pending.error is not None:
            metrics.MESSAGES.labels(action, "out", "error").inc()
            raise pending.error
        metrics.MESSAGES.labels(action, "out", "ok").inc()
        return pending.result or {}

    def _settle(self, error: Exception | None, result: dict[str, Any] | None) -> None:
        pending = self._pending
        if pending is not None and not pending.done.is_set():
            pending.error, pending.result = error, result
            pending.done.set()

    def _fail_pending(self, error: Exception) -> None:
        self._settle(error, None)

    # liveness ----------------------------------------------------------------------------------
    def idle_for(self, now: float) -> float:
        """Seconds since the last frame or pong (the gateway's keepalive pings idle ones)."""
        return now - self._last_frame

    async def ping(self) -> None:
        """One WebSocket ping; no pong within the timeout closes the connection."""
        self.ping_in_flight = True
        try:
            with trio.move_on_after(self._settings.pong_timeout_s) as scope:
                try:
                    await self._ws.ping()
                except ConnectionClosed:
                    return
            if not scope.cancelled_caught:
                self._last_frame = time.time()
                return
        finally:
            self.ping_in_flight = False
        log.warning(
            "%s: no pong within %gs, closing", self.charger_id, self._settings.pong_timeout_s
        )
        metrics.KEEPALIVE_TIMEOUTS.inc()
        self._stop_reading()
