"""The wss:// listener: server context (TLS 1.2+, the OCPP cipher suites, RSA and ECDSA chains,
optional client certificates), certificate reload without restart, eager handshakes so a failed
one is logged and counted, and the peer certificate's subject for the upgrade checks.
"""

from __future__ import annotations

import logging
import os
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import trio

from evgw import metrics
from evgw.config import TlsConfig

log = logging.getLogger("evgw.gateway.tls")

_VERSIONS = {"TLSv1.2": ssl.TLSVersion.TLSv1_2, "TLSv1.3": ssl.TLSVersion.TLSv1_3}


def _load(ctx: ssl.SSLContext, cfg: TlsConfig) -> None:
    for chain in cfg.chains:
        ctx.load_cert_chain(chain.certificate, chain.key)
    if cfg.client_ca:
        ctx.load_verify_locations(cafile=cfg.client_ca)


def server_context(cfg: TlsConfig) -> ssl.SSLContext:
    """One context for profiles 2 and 3: a client certificate is optional at the TLS layer
    (profile-2 chargers have none) but, when sent, must chain to ``client_ca``."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = _VERSIONS[cfg.min_version]
    ctx.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    ctx.set_ciphers(cfg.ciphers)
    ctx.verify_mode = ssl.CERT_OPTIONAL if cfg.client_ca else ssl.CERT_NONE
    _load(ctx, cfg)
    return ctx


class CertificateReloader:
    """Rereads the certificate, key and CA files into the live context when one changed:
    new handshakes use them, open connections keep theirs. (OpenSSL adds CA certificates to
    the verify store; removing a CA from ``client_ca`` takes a restart.)"""

    def __init__(self, ctx: ssl.SSLContext, cfg: TlsConfig) -> None:
        self.ctx = ctx
        self.cfg = cfg
        self._stamp = self._mtimes()

    def _files(self) -> list[str]:
        files = [f for c in self.cfg.chains for f in (c.certificate, c.key)]
        return [*files, self.cfg.client_ca] if self.cfg.client_ca else files

    def _mtimes(self) -> tuple[float, ...]:
        return tuple(os.stat(f).st_mtime_ns for f in self._files())

    def reload_if_changed(self) -> bool:
        stamp = self._mtimes()
        if stamp == self._stamp:
            return False
        _load(self.ctx, self.cfg)  # raises on a bad file: the old material stays in use
        self._stamp = stamp
        log.info("TLS certificates reloaded")
        return True

    async def run(self) -> None:
        while True:
            await trio.sleep(self.cfg.reload_interval_s)
            try:
                self.reload_if_changed()
            except (OSError, ssl.SSLError, ValueError):
                log.exception("TLS certificate reload failed; the previous ones stay in use")


async def complete_handshake(
    stream: trio.SSLStream[Any],
    timeout_s: float,
    on_failure: Callable[[str, str], Awaitable[None]],
) -> bool:
    """Completes the TLS handshake before the WebSocket upgrade, bounded, so a refused client
    certificate, protocol version or cipher is logged and counted instead of vanishing.
    False (the stream closed, `on_failure` called) when it failed."""
    peer = _peer(stream)
    try:
        with trio.fail_after(timeout_s):
            await stream.do_handshake()
    except (trio.BrokenResourceError, trio.TooSlowError) as exc:
        reason = _failure_reason(exc)
        metrics.HANDSHAKES.labels(f"tls_{reason}").inc()
        log.warning("TLS handshake from %s failed (%s): %s", peer, reason, exc.__cause__ or exc)
        await trio.aclose_forcefully(stream)
        await on_failure(peer, reason)
        return False
    return True


def _peer(stream: trio.SSLStream[Any]) -> str:
    try:
        return str(stream.transport_stream.socket.getpeername()[0])
    except (AttributeError, OSError):
        return "?"


def _failure_reason(exc: Exception) -> str:
    cause = exc.__cause__
    if isinstance(exc, trio.TooSlowError):
        return "timeout"
    if isinstance(cause, ssl.SSLCertVerificationError):
        return "bad_client_certificate"
    if isinstance(cause, ssl.SSLError):
        return "protocol"
    return "closed"


def peer_subject(stream: trio.abc.Stream) -> dict[str, str] | None:
    """The verified client certificate's subject (``{"commonName": …, "organizationName": …}``),
    None on a plain connection or when the client sent no certificate."""
    if not isinstance(stream, trio.SSLStream):
        return None
    cert = stream.getpeercert()
    if not cert:
        return None
    return {key: value for rdn in cert.get("subject", ()) for key, value in rdn}


def is_tls(stream: trio.abc.Stream) -> bool:
    return isinstance(stream, trio.SSLStream)


def remote_host(stream: trio.abc.Stream) -> str:
    """The peer's address of a plain or TLS stream ("?" when unknown)."""
    if isinstance(stream, trio.SSLStream):
        return _peer(stream)
    try:
        return str(stream.socket.getpeername()[0])  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return "?"
