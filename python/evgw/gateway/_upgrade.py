"""The HTTP/1.1 side of a WebSocket upgrade (RFC 6455 §4.2): read and check the request,
answer 101 or refuse with an HTTP status.

A malformed request raises `HandshakeRefused` with the status to answer (400, 405, 426, 431);
the OCPP-level checks (path, subprotocol, credentials) stay in `_handshake` and the server.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import http

import attrs
import trio

from evgw.gateway._handshake import HandshakeRefused
from evgw.gateway._ws import WebSocket

MAX_HEAD_BYTES = 16384
HEAD_TIMEOUT_S = 10.0
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_END = b"\r\n\r\n"


class ClientGone(Exception):
    """The client closed or stalled before sending a whole request; nothing to answer."""


@attrs.define(slots=True)
class UpgradeRequest:
    path: str
    headers: list[tuple[bytes, bytes]]  # names lower-cased, in order
    proposed_subprotocols: tuple[str, ...]
    key: bytes
    stream: trio.abc.Stream
    received: bytes  # bytes after the request head (frames the client sent at once)

    async def accept(self, subprotocol: str, max_message: int) -> WebSocket:
        lines = [
            b"HTTP/1.1 101 Switching Protocols",
            b"Upgrade: websocket",
            b"Connection: Upgrade",
            b"Sec-WebSocket-Accept: " + accept_key(self.key),
            b"Sec-WebSocket-Protocol: " + subprotocol.encode(),
        ]
        await self.stream.send_all(b"\r\n".join(lines) + _END)
        return WebSocket(self.stream, max_message, self.received)


def accept_key(key: bytes) -> bytes:
    return base64.b64encode(hashlib.sha1(key + _GUID).digest())


async def read_request(stream: trio.abc.Stream) -> UpgradeRequest:
    """Reads the request head (bounded in size and time) and checks the upgrade headers."""
    head, rest = await _read_head(stream)
    method, target, headers = _parse_head(head)
    _check_upgrade(method, headers)
    key = _header(headers, b"sec-websocket-key")
    if key is None or not _valid_key(key):
        raise HandshakeRefused(400, "bad_request", "missing or malformed Sec-WebSocket-Key")
    return UpgradeRequest(
        path=target,
        headers=headers,
        proposed_subprotocols=_subprotocols(headers),
        key=key,
        stream=stream,
        received=rest,
    )


async def _read_head(stream: trio.abc.Stream) -> tuple[bytes, bytes]:
    buf = b""
    with trio.move_on_after(HEAD_TIMEOUT_S):
        while (end := buf.find(_END)) < 0:
            _check_head_size(len(buf))
            try:
                chunk = await stream.receive_some(4096)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                chunk = b""
            if not chunk:
                raise ClientGone("closed before a whole request")
            buf += chunk
        _check_head_size(end)
        return buf[:end], buf[end + len(_END) :]
    raise ClientGone(f"no whole request within {HEAD_TIMEOUT_S:g} s")


def _check_head_size(size: int) -> None:
    if size > MAX_HEAD_BYTES:
        raise HandshakeRefused(431, "bad_request", "request head too large")


def _parse_head(head: bytes) -> tuple[bytes, str, list[tuple[bytes, bytes]]]:
    request_line, *lines = head.split(b"\r\n")
    parts = request_line.split(b" ")
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/"):
        raise HandshakeRefused(400, "bad_request", "malformed request line")
    method, target, version = parts
    if version != b"HTTP/1.1":
        raise HandshakeRefused(400, "bad_request", "a WebSocket upgrade needs HTTP/1.1")
    headers = []
    for line in lines:
        name, sep, value = line.partition(b":")
        if not sep or not name or name != name.strip() or b" " in name:
            raise HandshakeRefused(400, "bad_request", "malformed header line")
        headers.append((name.lower(), value.strip()))
    try:
        path = target.decode("ascii")
    except UnicodeDecodeError:
        raise HandshakeRefused(400, "bad_request", "request target is not ASCII") from None
    return method, path, headers


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((value for key, value in headers if key == name), None)


def _tokens(headers: list[tuple[bytes, bytes]], name: bytes) -> list[bytes]:
    return [t.strip().lower() for k, v in headers if k == name for t in v.split(b",")]


def _check_upgrade(method: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    if method != b"GET":
        raise HandshakeRefused(405, "bad_request", "a WebSocket upgrade is a GET")
    if _header(headers, b"host") is None:
        raise HandshakeRefused(400, "bad_request", "missing Host header")
    if b"websocket" not in _tokens(headers, b"upgrade"):
        raise HandshakeRefused(400, "bad_request", "not a WebSocket upgrade (Upgrade: websocket)")
    if b"upgrade" not in _tokens(headers, b"connection"):
        raise HandshakeRefused(400, "bad_request", "not a WebSocket upgrade (Connection: Upgrade)")
    if _header(headers, b"sec-websocket-version") != b"13":
        raise HandshakeRefused(426, "bad_request", "unsupported Sec-WebSocket-Version (use 13)")


def _valid_key(key: bytes) -> bool:
    try:
        return len(base64.b64decode(key, validate=True)) == 16
    except binascii.Error:
        return False


def _subprotocols(headers: list[tuple[bytes, bytes]]) -> tuple[str, ...]:
    offered = (
        t.strip().decode("latin-1")
        for k, v in headers
        if k == b"sec-websocket-protocol"
        for t in v.split(b",")
    )
    return tuple(p for p in offered if p)


async def reject(stream: trio.abc.Stream, refused: HandshakeRefused) -> None:
    """Answers a refused upgrade with its HTTP status and a text body, then closes."""
    body = str(refused).encode()
    try:
        phrase = http.HTTPStatus(refused.status).phrase
    except ValueError:
        phrase = "Error"
    lines = [
        f"HTTP/1.1 {refused.status} {phrase}".encode(),
        b"Content-Type: text/plain",
        b"Content-Length: " + str(len(body)).encode(),
        b"Connection: close",
    ]
    if refused.status == 401:
        lines.append(b'WWW-Authenticate: Basic realm="evgw", charset="UTF-8"')
    if refused.status == 426:
        lines.append(b"Sec-WebSocket-Version: 13")
    if refused.status == 405:
        lines.append(b"Allow: GET")
    with (
        trio.move_on_after(HEAD_TIMEOUT_S),
        contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError),
    ):
        await stream.send_all(b"\r\n".join(lines) + _END + body)
    await _drain(stream)


async def _drain(stream: trio.abc.Stream) -> None:
    """Reads what the client still sends (briefly, bounded) so closing with unread bytes does
    not reset the connection before the client has read the refusal."""
    with (
        trio.move_on_after(1.0),
        contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError),
    ):
        for _ in range(16):
            if not await stream.receive_some(65536):
                return
