"""NotifyReport (B07/B08): each part stored, the device model assembled once complete."""

from __future__ import annotations

import functools
import logging
from typing import Any

from evgw.ocpp._context import CallContext
from evgw.ocpp._services import Services
from evgw.ocpp._time import parse_timestamp
from evgw.ocpp.v201._device_model import ReportPart, store_report_part

log = logging.getLogger("evgw.ocpp.v201")


async def notify_report(svc: Services, ctx: CallContext, p: dict[str, Any]) -> dict[str, Any]:
    part = ReportPart(
        charger_id=ctx.charger_id,
        request_id=p["requestId"],
        seq_no=p["seqNo"],
        tbc=p.get("tbc", False),
        generated_at=parse_timestamp(p["generatedAt"]),
        data=tuple(p.get("reportData", ())),
        received_at=ctx.received_at,
    )
    state = await svc.store.write(functools.partial(store_report_part, part=part))
    if state.status == "complete":
        log.info(
            "%s: report %d complete: %d variables", ctx.charger_id, part.request_id, state.variables
        )
    elif state.missing:
        log.info("%s: report %d waits for parts %s", ctx.charger_id, part.request_id, state.missing)
    return {}
