"""Charger-initiated messages of the control services: ReservationStatusUpdate (H),
NotifyDisplayMessages (O), NotifyCustomerInformation (N)."""

from __future__ import annotations

import functools
import logging
from typing import Any

from evgw.events import ReservationStatusChanged
from evgw.ocpp._context import CallContext
from evgw.ocpp._services import Services
from evgw.ocpp.control import _requests as rq
from evgw.ocpp.control._messages import CUSTOMER, DISPLAY, merge_report
from evgw.ocpp.control._reservations import charger_update
from evgw.store._db import Db

log = logging.getLogger("evgw.ocpp.control")

Payload = dict[str, Any]


async def reservation_status(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    reservation_id, status = p["reservationId"], p["reservationUpdateStatus"]
    op = functools.partial(
        charger_update,
        reservation_id=reservation_id,
        charger_id=ctx.charger_id,
        status=status,
        at=ctx.received_at,
    )
    if not await svc.store.write(op):
        log.warning(
            "%s: status %s for unknown reservation %s", ctx.charger_id, status, reservation_id
        )
    svc.events.publish(
        ReservationStatusChanged(ctx.charger_id, reservation_id, status, ctx.received_at)
    )
    return {}


def _display_part(db: Db, ctx: CallContext, p: Payload) -> None:
    parts = rq.add_part(
        db,
        ctx.charger_id,
        DISPLAY,
        p["requestId"],
        seq_no=None,
        tbc=bool(p.get("tbc", False)),
        data=p.get("messageInfo", []),
        at=ctx.received_at,
    )
    if parts is not None:
        merge_report(db, ctx.charger_id, parts, ctx.received_at)


async def notify_display_messages(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    await svc.store.write(functools.partial(_display_part, ctx=ctx, p=p))
    return {}


async def notify_customer_information(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    op = functools.partial(
        rq.add_part,
        charger_id=ctx.charger_id,
        kind=CUSTOMER,
        request_id=p["requestId"],
        seq_no=p["seqNo"],
        tbc=bool(p.get("tbc", False)),
        data=p["data"],
        at=ctx.received_at,
    )
    if await svc.store.write(op) is not None:
        log.info("%s: customer information %s complete", ctx.charger_id, p["requestId"])
    return {}
