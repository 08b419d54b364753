"""WebSocket upgrade checks: endpoint path, subprotocol choice, HTTP Basic credentials, throttling.

Pure functions and a small rate tracker; the server does the I/O.
"""

from __future__ import annotations

import base64
import binascii
import collections
import time
from urllib.parse import unquote, urlsplit

import attrs

MAX_IDENTITY_LENGTH = 48  # OCPP-J identifierString as Basic-auth user (Part 4 §3.1.1)

# Our preference when a charger offers several: newest first.
_PREFERENCE = ("ocpp2.1", "ocpp2.0.1", "ocpp1.6")


class HandshakeRefused(Exception):
    """The upgrade must be refused with `status` (HTTP); `reason` goes to the log and metric."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


def valid_identity(identity: str) -> bool:
    return (
        0 < len(identity) <= MAX_IDENTITY_LENGTH
        and ":" not in identity
        and "/" not in identity
        and identity.isprintable()
        and identity.strip() == identity
    )


def charger_id_from_path(path: str, prefix: str) -> str:
    """`/<prefix>/<id>` -> id (percent-decoded). Raises HandshakeRefused(404)."""
    parts = urlsplit(path).path.split("/")
    want = [p for p in prefix.split("/") if p]
    segments = [p for p in parts if p != ""]
    if len(segments) != len(want) + 1 or segments[: len(want)] != want:
        raise HandshakeRefused(404, "bad_path", f"expected /{'/'.join(want)}/<chargePointId>")
    identity = unquote(segments[-1], errors="strict")
    if not valid_identity(identity):
        raise HandshakeRefused(404, "bad_path", "charge point id is not a valid identity")
    return identity


def choose_subprotocol(offered: tuple[str, ...], enabled: tuple[str, ...]) -> str:
    """The newest enabled version the charger offers. Raises HandshakeRefused(400)."""
    for version in _PREFERENCE:
        if version in enabled and version in offered:
            return version
    raise HandshakeRefused(
        400, "no_subprotocol", f"offer one of the subprotocols {', '.join(enabled)}"
    )


def basic_credentials(headers: list[tuple[bytes, bytes]]) -> tuple[str, str] | None:
    """(user, password) from an `Authorization: Basic` header, None when absent or malformed."""
    for name, value in headers:
        if name.lower() != b"authorization":
            continue
        scheme, _, encoded = value.partition(b" ")
        if scheme.lower() != b"basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, sep, password = decoded.partition(":")
        return (user, password) if sep else None
    return None


@attrs.define
class FailureThrottle:
    """Counts failed upgrades per key (source address, identity) in a sliding minute."""

    limit_per_minute: int
    _events: dict[str, collections.deque[float]] = attrs.field(factory=dict)

    def blocked(self, key: str, now: float | None = None) -> bool:
        events = self._events.get(key)
        if not events:
            return False
        self._expire(events, time.monotonic() if now is None else now)
        return len(events) >= self.limit_per_minute

    def record_failure(self, key: str, now: float | None = None) -> None:
        events = self._events.setdefault(key, collections.deque())
        events.append(time.monotonic() if now is None else now)
        self._expire(events, events[-1])
        if len(self._events) > 100_000:  # bound memory under a spray of addresses
            self._events.pop(next(iter(self._events)))

    @staticmethod
    def _expire(events: collections.deque[float], now: float) -> None:
        while events and events[0] <= now - 60.0:
            events.popleft()
