"""NotifyReport (B): device-model report parts (placeholder, see the device model)."""

from __future__ import annotations

from typing import Any

from evgw.ocpp._context import CallContext
from evgw.ocpp._services import Services


async def notify_report(svc: Services, ctx: CallContext, p: dict[str, Any]) -> dict[str, Any]:
    return {}
