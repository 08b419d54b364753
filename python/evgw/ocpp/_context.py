"""What a handler receives besides the payload, and the error it raises to answer CALLERROR."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

import attrs


class OcppCallError(Exception):
    """Raised by a handler to answer with a CALLERROR of a neutral `kind`
    ("not_supported", "security", "property", "generic", ...)."""

    def __init__(self, kind: str, description: str = "", details: dict[str, Any] | None = None):
        super().__init__(description or kind)
        self.kind = kind
        self.description = description
        self.details = details or {}


class Caller(Protocol):
    """The connection's side for CSMS-initiated calls (e.g. a TriggerMessage after boot)."""

    async def call(
        self, action: str, payload: dict[str, Any], *, timeout: float | None = None
    ) -> dict[str, Any]: ...


@attrs.frozen
class CallContext:
    charger_id: str
    ocpp_version: str
    message_id: str
    action: str
    received_at: datetime
    raw: str
    caller: Caller
