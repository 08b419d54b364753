"""Handlers for every charger-initiated OCPP 2.0.1 message; 2.1 uses the same table.

Messages whose 2.0.1 payload is the 1.6 one (Heartbeat, SecurityEventNotification,
FirmwareStatusNotification, LogStatusNotification, DataTransfer) share the 1.6 handlers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from evgw.domain import MeterBatch
from evgw.events import ConnectorStatusChanged, MeterValuesReceived
from evgw.ocpp._boot import BootInfo, decide_boot
from evgw.ocpp._context import CallContext
from evgw.ocpp._security_events import security_event
from evgw.ocpp._services import Services
from evgw.ocpp._signing import sign_certificate
from evgw.ocpp._time import format_timestamp, parse_timestamp, utc_now
from evgw.ocpp.control import _handlers as control
from evgw.ocpp.control import _iso15118 as iso15118
from evgw.ocpp.v16 import _handlers as v16
from evgw.ocpp.v201 import _notify, _report
from evgw.ocpp.v201._auth import id_token_info
from evgw.ocpp.v201._meter import samples_from_meter_values
from evgw.ocpp.v201._transactions import transaction_event

log = logging.getLogger("evgw.ocpp.v201")

Payload = dict[str, Any]


async def boot_notification(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    station = p["chargingStation"]
    info = BootInfo(
        station["vendorName"],
        station["model"],
        station.get("serialNumber"),
        station.get("firmwareVersion"),
        p["reason"],
    )
    status, interval = await decide_boot(svc, ctx, info)
    return {"status": str(status), "currentTime": format_timestamp(utc_now()), "interval": interval}


async def status_notification(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    event = ConnectorStatusChanged(
        ctx.charger_id,
        p["evseId"],
        p["connectorId"],
        p["connectorStatus"],
        None,
        None,
        None,
        parse_timestamp(p["timestamp"]),
    )
    await svc.store.record_status(
        ctx.charger_id,
        evse_id=event.evse_id,
        connector_id=event.connector_id,
        status=event.status,
        error_code=None,
        info=None,
        at=event.at,
    )
    svc.events.publish(event)
    return {}


async def authorize(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    return {"idTokenInfo": await id_token_info(svc, ctx, p["idToken"])}


async def meter_values(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    """MeterValues outside a transaction (2.x sends transaction meter data in TransactionEvent)."""
    evse_id = p["evseId"]
    batch = MeterBatch(
        charger_id=ctx.charger_id,
        evse_id=evse_id,
        connector_id=0,
        transaction_id=None,
        ocpp16_id=None,
        samples=samples_from_meter_values(p["meterValue"]),
        received_at=ctx.received_at,
        raw=ctx.raw,
    )
    await svc.store.add_meter_values(batch)
    svc.events.publish(
        MeterValuesReceived(ctx.charger_id, evse_id, 0, None, batch.samples, ctx.received_at)
    )
    return {}


def _acknowledge(reply: Payload) -> v16.Handler:
    """A notification evgw logs and answers with a fixed reply."""

    async def handler(svc: Services, ctx: CallContext, p: Payload) -> Payload:
        log.info("%s: %s received", ctx.charger_id, ctx.action)
        return reply

    return handler


HANDLERS: Mapping[str, v16.Handler] = {
    "BootNotification": boot_notification,
    "Heartbeat": v16.heartbeat,
    "StatusNotification": status_notification,
    "Authorize": authorize,
    "TransactionEvent": transaction_event,
    "MeterValues": meter_values,
    "NotifyEvent": _notify.notify_event,
    "SecurityEventNotification": security_event,
    "FirmwareStatusNotification": v16.firmware_status,
    "LogStatusNotification": v16.log_status,
    "DataTransfer": v16.data_transfer,
    "SignCertificate": sign_certificate,
    "NotifyReport": _report.notify_report,
    "NotifyChargingLimit": _notify.notify_charging_limit,
    "ClearedChargingLimit": _notify.cleared_charging_limit,
    "NotifyEVChargingNeeds": _notify.notify_ev_charging_needs,
    "ReservationStatusUpdate": control.reservation_status,
    "NotifyEVChargingSchedule": _acknowledge({"status": "Accepted"}),
    "ReportChargingProfiles": _acknowledge({}),
    "NotifyMonitoringReport": _acknowledge({}),
    "NotifyCustomerInformation": control.notify_customer_information,
    "NotifyDisplayMessages": control.notify_display_messages,
    "PublishFirmwareStatusNotification": _acknowledge({}),
    # ISO 15118 certificate services: passed to policy plugins (Failed without one).
    "Get15118EVCertificate": iso15118.ev_certificate,
    "GetCertificateStatus": iso15118.certificate_status,
}

# Charger-initiated 2.1 actions evgw does not handle yet (answered NotSupported; never sent).
CHARGER_ONLY_21 = frozenset(
    {
        "BatterySwap",
        "ClosePeriodicEventStream",
        "GetCertificateChainStatus",
        "NotifyDERAlarm",
        "NotifyDERStartStop",
        "NotifyPeriodicEventStream",
        "NotifyPriorityCharging",
        "NotifySettlement",
        "OpenPeriodicEventStream",
        "PullDynamicScheduleUpdate",
        "ReportDERControl",
        "VatNumberValidation",
    }
)

# CSMS-initiated actions: every other action of the schemas; DataTransfer goes both ways.
CHARGER_ONLY = frozenset(HANDLERS) - {"DataTransfer"}

# Messages that carry transaction data: never answered with CALLERROR for an internal reason.
TRANSACTION_ACTIONS = frozenset({"TransactionEvent", "MeterValues"})
