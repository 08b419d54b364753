"""BootNotification, version-neutral: the registration's boot policy, the plugins' say, the
record and the ChargerBooted event. The 1.6 and 2.x handlers only map their payloads."""

from __future__ import annotations

import attrs

from evgw.domain import BootPolicy
from evgw.events import ChargerBooted
from evgw.ocpp._context import CallContext
from evgw.ocpp._services import Services
from evgw.plugins import BootRequest


@attrs.frozen
class BootInfo:
    vendor: str
    model: str
    serial_number: str | None
    firmware_version: str | None
    reason: str | None  # 2.x BootReason; None for 1.6


async def decide_boot(svc: Services, ctx: CallContext, info: BootInfo) -> tuple[BootPolicy, int]:
    """Decide, record and publish a boot; answer (status, interval in seconds)."""
    reg = await svc.store.get_registration(ctx.charger_id)
    default = reg.boot_policy if reg else BootPolicy.PENDING
    request = BootRequest(
        ctx.charger_id, info.vendor, info.model, info.serial_number, info.firmware_version, default
    )
    status = await svc.plugins.decide("boot", request, BootPolicy) or default
    await svc.store.record_boot(
        ctx.charger_id,
        vendor=info.vendor,
        model=info.model,
        firmware_version=info.firmware_version,
        serial_number=info.serial_number,
        ocpp_version=ctx.ocpp_version,
        at=ctx.received_at,
    )
    svc.live_state(ctx.charger_id).boot_status = str(status)
    svc.events.publish(
        ChargerBooted(
            *(ctx.charger_id, ctx.ocpp_version, info.vendor, info.model),
            *(info.firmware_version, info.serial_number, str(status), info.reason),
            ctx.received_at,
        )
    )
    accepted = status == BootPolicy.ACCEPTED
    interval = svc.config.heartbeat_interval_s if accepted else svc.config.pending_retry_interval_s
    return status, interval
