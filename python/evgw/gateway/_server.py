"""The OCPP endpoint: WebSocket upgrades, authentication, one Connection per charger.

Implements `Commander` for the operator API.
"""

from __future__ import annotations

import functools
import logging
import ssl
from datetime import datetime
from typing import Any

import trio

from evgw import _core, metrics
from evgw.config import OcppConfig, UnknownChargerPolicy
from evgw.domain import BootPolicy, ChargerRegistration
from evgw.events import SERVER_SHUTDOWN, ChargerConnected, ChargerDisconnected, EventBus
from evgw.gateway import _profile_upgrade as profile_upgrade
from evgw.gateway._auth import PasswordVerifier
from evgw.gateway._commands import (
    ChargerNotConnected,
    ConnectionInfo,
    PayloadInvalid,
    UnknownAction,
)
from evgw.gateway._config_cache import Configuration, ConfigurationCache
from evgw.gateway._connection import Connection, ConnectionSettings
from evgw.gateway._handshake import (
    FailureThrottle,
    HandshakeRefused,
    basic_credentials,
    charger_id_from_path,
    choose_subprotocol,
)
from evgw.gateway._keepalive import keep_alive
from evgw.gateway._profiles import Presented, check_certificate, needs_password
from evgw.gateway._registry import Registry
from evgw.gateway._rotation import get_pending, promote_pending
from evgw.gateway._tls import (
    CertificateReloader,
    complete_handshake,
    is_tls,
    peer_subject,
    remote_host,
    server_context,
)
from evgw.gateway._upgrade import ClientGone, UpgradeRequest, read_request, reject
from evgw.gateway._ws import CLOSE_TIMEOUT_S
from evgw.ocpp._router import VERSIONS, Router
from evgw.ocpp._time import utc_now
from evgw.store import Store

log = logging.getLogger("evgw.gateway")

_WS_SLACK = 1024  # let frames a little over our limit reach the codec, which answers them


class Gateway:
    def __init__(
        self, config: OcppConfig, store: Store, router: Router, events: EventBus | None = None
    ) -> None:
        self.config = config
        self.store = store
        self.router = router
        self.events = events or EventBus()
        self.registry = Registry()
        self.codecs = {
            v: _core.Codec(v, max_frame_bytes=config.max_frame_bytes) for v in config.versions
        }
        self.port: int | None = None
        self.tls_port: int | None = None
        self.tls_context = server_context(config.tls) if config.tls.listen else None
        self._throttle = FailureThrottle(config.auth_failures_per_minute)
        self._verifier = PasswordVerifier()
        self._touched: dict[str, datetime] = {}  # last-seen times not written yet
        self._touching = False
        self._settings = ConnectionSettings(
            call_timeout_s=config.call_timeout_s,
            messages_per_second=config.messages_per_second,
            message_burst=config.message_burst,
            pong_timeout_s=config.pong_timeout_s,
        )
        self._accepting = True
        self._configurations = ConfigurationCache(self._raw_call, self.connection)

    # serving -----------------------------------------------------------------------------------
    async def serve(self, *, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED) -> None:
        host, port = self.config.host_port
        async with trio.open_nursery() as handlers:
            listeners = await trio.open_tcp_listeners(port, host=host)
            self.port = _port(listeners[0])
            await handlers.start(functools.partial(trio.serve_listeners, self._handle, listeners))
            log.info(
                "OCPP endpoint on ws://%s:%d/%s/<id>", host, self.port, self.config.path_prefix
            )
            if self.tls_context is not None:
                self.tls_port = await handlers.start(self._serve_tls, handlers, self.tls_context)
            handlers.start_soon(keep_alive, self.registry, self.config.ping_interval_s)
            task_status.started(self.port)

    async def _serve_tls(
        self,
        handlers: trio.Nursery,
        ctx: ssl.SSLContext,
        *,
        task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        tls = self.config.tls
        host, port = tls.host_port
        listeners = await trio.open_ssl_over_tcp_listeners(
            port, ctx, host=host, https_compatible=True
        )
        if tls.reload_interval_s > 0:
            handlers.start_soon(CertificateReloader(ctx, tls).run)
        await handlers.start(functools.partial(trio.serve_listeners, self._handle_tls, listeners))
        tls_port = _port(listeners[0])
        log.info("OCPP endpoint on wss://%s:%d/%s/<id>", host, tls_port, self.config.path_prefix)
        task_status.started(tls_port)

    async def _handle_tls(self, stream: trio.SSLStream[Any]) -> None:
        timeout = self.config.tls.handshake_timeout_s
        if await complete_handshake(stream, timeout, self._tls_failed):
            await self._handle(stream)

    async def _tls_failed(self, source: str, reason: str) -> None:
        self._throttle.record_failure(f"ip:{source}")
        await self.store.add_security_event(
            None, "TLSHandshakeFailed", {"source": source, "reason": reason}, utc_now()
        )

    async def shutdown(self) -> None:
        """Refuse new upgrades, then drain and close every connection (bounded)."""
        self._accepting = False
        with trio.move_on_after(self.config.shutdown_grace_s):
            async with trio.open_nursery() as nursery:
                for conn in self.registry.all():
                    nursery.start_soon(conn.close, SERVER_SHUTDOWN, 1001)

    async def _handle(self, stream: trio.abc.Stream) -> None:
        """Contain every failure of one connection: one that escapes kills the whole server."""
        try:
            await self._serve_stream(stream)
        except Exception:
            log.exception("connection handler failed (from %s)", remote_host(stream))
        finally:
            await trio.aclose_forcefully(stream)

    async def _serve_stream(self, stream: trio.abc.Stream) -> None:
        conn = await self._upgrade(stream)
        if conn is None:
            return
        try:
            await self._run_connection(conn)
        finally:
            with trio.move_on_after(CLOSE_TIMEOUT_S * 2):
                await conn.ws.aclose()

    async def _upgrade(self, stream: trio.abc.Stream) -> Connection | None:
        """The upgrade, answered 101 or refused; the request is not kept (memory per idle
        connection)."""
        source = remote_host(stream)
        try:
            request = await read_request(stream)
            charger_id, version = await self._admit(request, source)
        except ClientGone:
            return None
        except HandshakeRefused as refused:
            metrics.HANDSHAKES.labels(refused.reason).inc()
            log.warning("refused upgrade from %s (%s): %s", source, refused.reason, refused)
            await reject(stream, refused)
            return None
        ws = await request.accept(version, self.config.max_frame_bytes * 4 + _WS_SLACK)
        metrics.HANDSHAKES.labels("accepted").inc()
        return Connection(
            ws,
            charger_id=charger_id,
            codec=self.codecs[version],
            dispatch=self.router.dispatch,
            settings=self._settings,
            remote=source,
        )

    async def _run_connection(self, conn: Connection) -> None:
        old = self.registry.add(conn)
        if old is not None:
            log.warning(
                "%s: new authenticated connection from %s replaces the one from %s",
                conn.charger_id,
                conn.remote,
                old.remote,
            )
            await self.store.add_security_event(
                conn.charger_id,
                "DuplicateConnection",
                {"old": old.remote, "new": conn.remote},
                utc_now(),
            )
            await old.close("replaced by a new connection", 1008)
        log.info("%s: connected (%s) from %s", conn.charger_id, conn.version, conn.remote)
        self.events.publish(ChargerConnected(conn.charger_id, conn.version, conn.connected_at))
        try:
            await conn.run()
        finally:
            if self.registry.remove(conn):
                reason = conn.closing_reason or "closed by the charger or the network"
                self.events.publish(
                    ChargerDisconnected(conn.charger_id, utc_now(), conn.last_frame_at, reason)
                )
            await self._touch(conn.charger_id)
            log.info("%s: disconnected", conn.charger_id)

    async def _touch(self, charger_id: str) -> None:
        """Last seen now. Disconnects that come together (a network outage) share one write:
        the first one writes, those arriving meanwhile go in its next write."""
        self._touched[charger_id] = utc_now()
        if self._touching:
            return
        self._touching = True
        try:
            while self._touched:
                seen, self._touched = self._touched, {}
                with trio.move_on_after(5):
                    try:
                        await self.store.touch_chargers(seen)
                    except Exception:
                        log.exception("last-seen update of %d chargers failed", len(seen))
        finally:
            self._touching = False

    # admission ---------------------------------------------------------------------------------
    async def _admit(self, request: UpgradeRequest, source: str) -> tuple[str, str]:
        if not self._accepting:
            raise HandshakeRefused(503, "shutting_down", "server is shutting down")
        charger_id = charger_id_from_path(request.path, self.config.path_prefix)
        version = choose_subprotocol(request.proposed_subprotocols, self.config.versions)
        for key in (f"ip:{source}", f"id:{charger_id}"):
            if self._throttle.blocked(key):
                raise HandshakeRefused(429, "throttled", "too many failed attempts")
        await self._authenticate(request, charger_id, source)
        return charger_id, version

    async def _authenticate(self, request: UpgradeRequest, charger_id: str, source: str) -> None:
        reg = await self.store.get_registration(charger_id)
        if reg is None:
            await self._admit_unknown(charger_id, source)
            return
        creds = basic_credentials(request.headers)
        stream = request.stream
        presented = Presented(is_tls(stream), peer_subject(stream), creds[0] if creds else None)
        profile = await profile_upgrade.admission(
            self.store, charger_id, reg.security_profile, presented
        )
        try:
            if presented.subject is not None:
                organization = self.config.tls.organization
                check_certificate(presented.subject, charger_id, reg.serial_number, organization)
            password = needs_password(profile, presented, charger_id)
        except HandshakeRefused as refused:
            await self._fail(charger_id, source, refused.status, refused.reason, str(refused))
            return
        if password:
            await self._check_password(request, reg, source)
        if profile != reg.security_profile:
            await profile_upgrade.confirm(self.store, charger_id, profile, utc_now())

    async def _check_password(
        self, request: UpgradeRequest, reg: ChargerRegistration, source: str
    ) -> None:
        charger_id = reg.id
        creds = basic_credentials(request.headers)
        stored = reg.password_hash
        if creds is None or creds[0] != charger_id or stored is None:
            await self._fail(charger_id, source, 401, "unauthorized", "missing or bad credentials")
            return
        if await self._verifier.verify(charger_id, creds[1], stored):
            return
        if not await self._rotated_password(charger_id, creds[1]):
            await self._fail(charger_id, source, 401, "unauthorized", "wrong password")

    async def _rotated_password(self, charger_id: str, password: str) -> bool:
        """The password of a pending rotation: make it the registered one (see _rotation)."""
        pending = await self.store.read(functools.partial(get_pending, charger_id=charger_id))
        if pending is None or not await self._verifier.verify(charger_id, password, pending):
            return False
        op = functools.partial(promote_pending, charger_id=charger_id, password_hash=pending)
        if await self.store.write(op):
            log.info("%s: connected with the rotated password; the old one is retired", charger_id)
            await self.store.add_security_event(charger_id, "PasswordRotated", {}, utc_now())
        return True

    async def _admit_unknown(self, charger_id: str, source: str) -> None:
        if self.config.unknown_chargers != UnknownChargerPolicy.PENDING:
            await self._fail(charger_id, source, 404, "unknown", "unknown charge point id")
        reg = ChargerRegistration(id=charger_id, security_profile=0, boot_policy=BootPolicy.PENDING)
        await self.store.put_charger(reg)
        log.warning("%s: unknown charger from %s registered as Pending", charger_id, source)

    async def _fail(
        self, charger_id: str, source: str, status: int, reason: str, text: str
    ) -> None:
        self._throttle.record_failure(f"ip:{source}")
        self._throttle.record_failure(f"id:{charger_id}")
        await self.store.add_security_event(
            charger_id, "FailedToAuthenticate", {"source": source, "reason": text}, utc_now()
        )
        raise HandshakeRefused(status, reason, text)

    # Commander ---------------------------------------------------------------------------------
    async def call(
        self,
        charger_id: str,
        action: str,
        payload: dict[str, Any],
        *,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        conn = self.registry.get(charger_id)
        if conn is None:
            raise ChargerNotConnected(f"{charger_id} is not connected")
        codec = conn.codec
        if action not in codec.actions() or action in VERSIONS[conn.version].charger_only:
            raise UnknownAction(f"{action} is not a CSMS-initiated {conn.version} action")
        violations = codec.validate(action, "request", payload)
        if violations:
            raise PayloadInvalid(
                [{"path": v.path, "code": v.code, "message": v.message} for v in violations]
            )
        if action == "ChangeConfiguration":
            self._configurations.forget(charger_id)  # also when the answer is lost
        return await conn.call(action, payload, timeout=timeout)

    async def _raw_call(
        self, charger_id: str, action: str, payload: dict[str, Any], timeout: float | None
    ) -> dict[str, Any]:
        return await self.call(charger_id, action, payload, timeout=timeout)

    async def configuration(
        self, charger_id: str, *, timeout: float | None = None
    ) -> Configuration:
        return await self._configurations.get(charger_id, timeout=timeout)

    async def disconnect(self, charger_id: str, reason: str) -> bool:
        conn = self.registry.get(charger_id)
        if conn is None:
            return False
        log.warning("%s: disconnecting (%s)", charger_id, reason)
        await conn.close(reason, 1008)
        return True

    def connection(self, charger_id: str) -> ConnectionInfo | None:
        conn = self.registry.get(charger_id)
        return _info(conn) if conn else None

    def connections(self) -> list[ConnectionInfo]:
        return [_info(c) for c in self.registry.all()]

    def connected_count(self) -> int:
        return len(self.registry)


def _info(conn: Connection) -> ConnectionInfo:
    return ConnectionInfo(
        conn.charger_id, conn.version, conn.connected_at, conn.remote, conn.last_frame_at
    )


def _port(listener: trio.abc.Listener[Any]) -> int:
    if isinstance(listener, trio.SSLListener):
        listener = listener.transport_listener
    assert isinstance(listener, trio.SocketListener)
    return int(listener.socket.getsockname()[1])
