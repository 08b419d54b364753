"""Handlers for every charger-initiated OCPP 1.6 message (Core + the 1.6 security extension)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from evgw.authz._info import id_tag_info
from evgw.domain import MeterBatch, StartTx, StopTx
from evgw.events import (
    ConnectorStatusChanged,
    DiagnosticsStatusChanged,
    FirmwareStatusChanged,
    MeterValuesReceived,
    TransactionStarted,
    TransactionStopped,
)
from evgw.ocpp._boot import BootInfo, decide_boot
from evgw.ocpp._context import CallContext
from evgw.ocpp._security_events import security_event
from evgw.ocpp._services import Services
from evgw.ocpp._signing import sign_certificate
from evgw.ocpp._time import format_timestamp, parse_timestamp, utc_now
from evgw.ocpp.v16._meter import evse_and_connector, sampled_values, samples_from_meter_values

log = logging.getLogger("evgw.ocpp.v16")

Payload = dict[str, Any]
Handler = Callable[[Services, CallContext, Payload], Awaitable[Payload]]


async def boot_notification(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    info = BootInfo(
        p["chargePointVendor"],
        p["chargePointModel"],
        p.get("chargePointSerialNumber") or p.get("chargeBoxSerialNumber"),
        p.get("firmwareVersion"),
        None,
    )
    status, interval = await decide_boot(svc, ctx, info)
    return {"status": str(status), "currentTime": format_timestamp(utc_now()), "interval": interval}


async def heartbeat(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    return {"currentTime": format_timestamp(utc_now())}


async def status_notification(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    evse_id, connector_id = evse_and_connector(p["connectorId"])
    error = p["errorCode"]
    event = ConnectorStatusChanged(
        ctx.charger_id,
        evse_id,
        connector_id,
        p["status"],
        None if error == "NoError" else error,
        p.get("vendorErrorCode"),
        p.get("info"),
        parse_timestamp(p["timestamp"]) if "timestamp" in p else ctx.received_at,
    )
    await svc.store.record_status(
        ctx.charger_id,
        evse_id=evse_id,
        connector_id=connector_id,
        status=event.status,
        error_code=event.error_code,
        info=event.info or event.vendor_error_code,
        at=event.at,
    )
    svc.events.publish(event)
    return {}


async def authorize(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    decision = await svc.authorizer.authorize(ctx.charger_id, p["idTag"])
    return {"idTagInfo": id_tag_info(decision)}


async def start_transaction(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    evse_id, connector_id = evse_and_connector(p["connectorId"])
    decision = await svc.authorizer.authorize(ctx.charger_id, p["idTag"], evse_id=evse_id)
    start = StartTx(
        charger_id=ctx.charger_id,
        evse_id=evse_id,
        connector_id=connector_id,
        id_token=p["idTag"],
        meter_start_wh=p["meterStart"],
        started_at=parse_timestamp(p["timestamp"]),
        received_at=ctx.received_at,
        reservation_id=p.get("reservationId"),
        auth_status=str(decision.status),
        raw=ctx.raw,
    )
    outcome = await svc.store.start_transaction(start)
    # a StartTransaction with a token we refuse: the charger started it offline (or allows
    # unknown ids); kept and handled by the offline policy before the answer
    await svc.authorizer.session_started(
        ctx.charger_id, outcome.transaction_id, start.id_token, decision
    )
    svc.events.publish(
        TransactionStarted(
            ctx.charger_id,
            outcome.transaction_id,
            evse_id,
            connector_id,
            start.id_token,
            start.meter_start_wh,
            start.started_at,
            outcome.duplicate,
        )
    )
    if outcome.duplicate:
        log.info("%s: retried StartTransaction -> %s", ctx.charger_id, outcome.ocpp16_id)
    return {"transactionId": outcome.ocpp16_id, "idTagInfo": id_tag_info(decision)}


async def stop_transaction(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    stop = StopTx(
        charger_id=ctx.charger_id,
        ocpp16_id=p["transactionId"],
        transaction_id=None,
        id_token=p.get("idTag"),
        meter_stop_wh=p["meterStop"],
        stopped_at=parse_timestamp(p["timestamp"]),
        received_at=ctx.received_at,
        reason=p.get("reason"),
        samples=samples_from_meter_values(p.get("transactionData", [])),
        raw=ctx.raw,
    )
    outcome = await svc.store.stop_transaction(stop)
    svc.events.publish(
        TransactionStopped(
            ctx.charger_id,
            outcome.transaction_id,
            stop.meter_stop_wh,
            stop.stopped_at,
            stop.reason,
            outcome.duplicate,
            outcome.orphan,
        )
    )
    if outcome.orphan:
        log.warning(
            "%s: StopTransaction for unknown transaction %s recorded for review",
            ctx.charger_id,
            p["transactionId"],
        )
    if "idTag" not in p:
        return {}
    decision = await svc.authorizer.authorize(ctx.charger_id, p["idTag"])
    return {"idTagInfo": id_tag_info(decision)}


async def meter_values(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    evse_id, connector_id = evse_and_connector(p["connectorId"])
    batch = MeterBatch(
        charger_id=ctx.charger_id,
        evse_id=evse_id,
        connector_id=connector_id,
        transaction_id=None,  # the store resolves ocpp16_id in the same write
        ocpp16_id=p.get("transactionId"),
        samples=sampled_values(p["meterValue"]),
        received_at=ctx.received_at,
        raw=ctx.raw,
    )
    transaction_id = await svc.store.add_meter_values(batch)
    svc.events.publish(
        MeterValuesReceived(
            ctx.charger_id, evse_id, connector_id, transaction_id, batch.samples, ctx.received_at
        )
    )
    return {}


async def data_transfer(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    log.info("%s: DataTransfer from vendor %s", ctx.charger_id, p["vendorId"])
    return {"status": "UnknownVendorId"}


async def diagnostics_status(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    svc.live_state(ctx.charger_id).diagnostics_status = p["status"]
    svc.events.publish(
        DiagnosticsStatusChanged(ctx.charger_id, p["status"], p.get("requestId"), ctx.received_at)
    )
    return {}


async def firmware_status(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    svc.live_state(ctx.charger_id).firmware_status = p["status"]
    svc.events.publish(
        FirmwareStatusChanged(ctx.charger_id, p["status"], p.get("requestId"), ctx.received_at)
    )
    return {}


# The 1.6 security extension's LogStatusNotification / SignedFirmwareStatusNotification carry
# a requestId; they share the handlers above.
log_status = diagnostics_status
signed_firmware_status = firmware_status


HANDLERS: dict[str, Handler] = {
    "BootNotification": boot_notification,
    "Heartbeat": heartbeat,
    "StatusNotification": status_notification,
    "Authorize": authorize,
    "StartTransaction": start_transaction,
    "StopTransaction": stop_transaction,
    "MeterValues": meter_values,
    "DataTransfer": data_transfer,
    "DiagnosticsStatusNotification": diagnostics_status,
    "FirmwareStatusNotification": firmware_status,
    "SecurityEventNotification": security_event,
    "LogStatusNotification": log_status,
    "SignedFirmwareStatusNotification": signed_firmware_status,
    "SignCertificate": sign_certificate,
}

# CSMS-initiated actions (sendable through the API): everything in the 1.6 schemas except
# the charger-initiated ones above; DataTransfer goes both ways.
CHARGER_ONLY = frozenset(HANDLERS) - {"DataTransfer"}

# Messages that carry transaction data: never answered with CALLERROR for an internal reason.
TRANSACTION_ACTIONS = frozenset({"StartTransaction", "StopTransaction", "MeterValues"})
