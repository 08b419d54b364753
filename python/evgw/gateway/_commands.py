"""What the operator API (and later services) use to talk to connected chargers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import attrs

if TYPE_CHECKING:
    from evgw.gateway._config_cache import Configuration


class CommandError(Exception):
    """Base of the failures of a CSMS-initiated call."""


class ChargerNotConnected(CommandError):
    """The charger has no live connection on this node (API: 409)."""


class UnknownAction(CommandError):
    """The action is not in the charger's OCPP version or not CSMS-initiated (API: 404)."""


class PayloadInvalid(CommandError):
    """The payload violates the action's request schema (API: 422)."""

    def __init__(self, violations: list[dict[str, str]]) -> None:
        super().__init__(f"{len(violations)} schema violation(s)")
        self.violations = violations


class CallErrorReply(CommandError):
    """The charger answered with a CALLERROR (API: 502)."""

    def __init__(self, code: str, description: str, details: dict[str, Any]) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.details = details


class InvalidReply(CommandError):
    """The charger's CALLRESULT does not conform to the response schema (API: 502)."""


class CallTimeout(CommandError):
    """No answer within the timeout (API: 504). A late reply is dropped and logged."""


@attrs.frozen
class ConnectionInfo:
    charger_id: str
    ocpp_version: str
    connected_at: datetime
    remote: str
    last_frame_at: datetime  # any frame or pong from the charger


class Commander(Protocol):
    async def call(
        self,
        charger_id: str,
        action: str,
        payload: dict[str, Any],
        *,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Send one CALL and wait for its CALLRESULT payload. Raises a CommandError."""
        ...

    async def disconnect(self, charger_id: str, reason: str) -> bool:
        """Close the charger's connection (WebSocket 1008) after its in-flight messages;
        False when it was not connected."""
        ...

    async def configuration(
        self, charger_id: str, *, timeout: float | None = None
    ) -> Configuration:
        """The charger's 1.6 configuration, read once per connection and shared
        (`_config_cache`). Raises a CommandError when it cannot be read now."""
        ...

    def connection(self, charger_id: str) -> ConnectionInfo | None: ...

    def connections(self) -> list[ConnectionInfo]: ...

    def connected_count(self) -> int:
        """How many chargers are connected now (O(1): event subscribers call it per event)."""
        ...
