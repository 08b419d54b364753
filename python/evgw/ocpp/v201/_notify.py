"""Charger notifications that become domain events: NotifyEvent (N), NotifyChargingLimit /
ClearedChargingLimit / NotifyEVChargingNeeds (K)."""

from __future__ import annotations

import logging
from typing import Any

from evgw.events import (
    ChargingLimitCleared,
    ChargingLimitReported,
    ConnectorStatusChanged,
    DeviceEventReported,
    EVChargingNeedsReported,
)
from evgw.ocpp._context import CallContext
from evgw.ocpp._services import Services
from evgw.ocpp._time import parse_timestamp

log = logging.getLogger("evgw.ocpp.v201")

Payload = dict[str, Any]


def _device_event(ctx: CallContext, d: Payload) -> DeviceEventReported:
    component, variable = d["component"], d["variable"]
    evse = component.get("evse", {})
    return DeviceEventReported(
        charger_id=ctx.charger_id,
        component=component["name"],
        variable=variable["name"],
        evse_id=evse.get("id"),
        connector_id=evse.get("connectorId"),
        trigger=d["trigger"],
        actual_value=d["actualValue"],
        notification_type=d["eventNotificationType"],
        cleared=d.get("cleared", False),
        tech_code=d.get("techCode"),
        tech_info=d.get("techInfo"),
        transaction_id=d.get("transactionId"),
        at=parse_timestamp(d["timestamp"]),
    )


async def _availability(svc: Services, e: DeviceEventReported) -> None:
    """Connector.AvailabilityState is the 2.x way to report a connector's status."""
    evse_id, connector_id = e.evse_id or 0, e.connector_id or 0
    await svc.store.record_status(
        e.charger_id,
        evse_id=evse_id,
        connector_id=connector_id,
        status=e.actual_value,
        error_code=None,
        info=e.tech_info,
        at=e.at,
    )
    svc.events.publish(
        ConnectorStatusChanged(
            e.charger_id,
            evse_id,
            connector_id,
            e.actual_value,
            None,
            e.tech_code,
            e.tech_info,
            e.at,
        )
    )


async def notify_event(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    for data in p["eventData"]:
        event = _device_event(ctx, data)
        if (event.component, event.variable) == ("Connector", "AvailabilityState"):
            await _availability(svc, event)
        svc.events.publish(event)
    return {}


async def notify_charging_limit(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    limit = p["chargingLimit"]
    svc.events.publish(
        ChargingLimitReported(
            ctx.charger_id,
            limit["chargingLimitSource"],
            limit.get("isGridCritical"),
            p.get("evseId"),
            tuple(p.get("chargingSchedule", ())),
            ctx.received_at,
        )
    )
    return {}


async def cleared_charging_limit(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    svc.events.publish(
        ChargingLimitCleared(
            ctx.charger_id, p["chargingLimitSource"], p.get("evseId"), ctx.received_at
        )
    )
    return {}


async def notify_ev_charging_needs(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    svc.events.publish(
        EVChargingNeedsReported(
            ctx.charger_id,
            p["evseId"],
            p.get("maxScheduleTuples"),
            p["chargingNeeds"],
            ctx.received_at,
        )
    )
    # Accepted: a schedule will follow (SetChargingProfile) from smart charging.
    return {"status": "Accepted"}
