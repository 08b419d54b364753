"""TransactionEvent (functional block E): stored first, answered after the commit."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from evgw.domain import TxEvent, TxEventOutcome
from evgw.events import MeterValuesReceived, TransactionStarted, TransactionStopped
from evgw.ocpp._context import CallContext
from evgw.ocpp._services import Services
from evgw.ocpp._time import parse_timestamp
from evgw.ocpp.v201._auth import transaction_auth
from evgw.ocpp.v201._meter import register_wh, samples_from_meter_values
from evgw.plugins import CostRequest

log = logging.getLogger("evgw.ocpp.v201")

Payload = dict[str, Any]


def tx_event(ctx: CallContext, p: Payload) -> TxEvent:
    info = p["transactionInfo"]
    evse = p.get("evse", {})
    meter = p.get("meterValue", [])
    kind = p["eventType"]
    return TxEvent(
        charger_id=ctx.charger_id,
        ocpp_transaction_id=info["transactionId"],
        seq_no=p["seqNo"],
        event_type=kind,
        trigger_reason=p["triggerReason"],
        timestamp=parse_timestamp(p["timestamp"]),
        received_at=ctx.received_at,
        offline=p.get("offline", False),
        evse_id=evse.get("id"),
        connector_id=evse.get("connectorId"),
        id_token=p["idToken"]["idToken"] if "idToken" in p else None,
        stopped_reason=info.get("stoppedReason") or ("Local" if kind == "Ended" else None),
        reservation_id=p.get("reservationId"),
        meter_start_wh=register_wh(meter, "Transaction.Begin", last=False)
        if kind == "Started"
        else None,
        meter_stop_wh=register_wh(meter, "Transaction.End", last=True) if kind == "Ended" else None,
        samples=samples_from_meter_values(meter),
        raw=ctx.raw,
    )


def publish(svc: Services, e: TxEvent, out: TxEventOutcome) -> None:
    if e.event_type == "Started":
        svc.events.publish(
            TransactionStarted(
                *(e.charger_id, out.transaction_id, out.evse_id, out.connector_id),
                *(e.id_token, e.meter_start_wh, e.timestamp, out.duplicate),
            )
        )
    if e.samples and not out.duplicate:
        svc.events.publish(
            MeterValuesReceived(
                *(e.charger_id, out.evse_id, out.connector_id, out.transaction_id),
                *(e.samples, e.received_at),
            )
        )
    if e.event_type == "Ended":
        svc.events.publish(
            TransactionStopped(
                *(e.charger_id, out.transaction_id, e.meter_stop_wh, e.timestamp),
                *(e.stopped_reason, out.duplicate, not out.started_seen),
            )
        )


async def transaction_event(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    event = tx_event(ctx, p)
    outcome = await svc.store.transaction_event(event)
    publish(svc, event, outcome)
    if outcome.duplicate:
        log.info(
            "%s: retried TransactionEvent %s seqNo %d",
            *(ctx.charger_id, event.ocpp_transaction_id, event.seq_no),
        )
    elif outcome.gap:
        log.warning(
            "%s: TransactionEvent %s seqNo %d after a gap (flagged)",
            *(ctx.charger_id, event.ocpp_transaction_id, event.seq_no),
        )
    reply: Payload = {}
    if "idToken" in p:
        reply.update(await transaction_auth(svc, ctx, event, outcome.transaction_id, p["idToken"]))
    if event.event_type == "Ended":  # a retried Ended is answered the same way
        request = CostRequest(ctx.charger_id, outcome.transaction_id, event.ocpp_transaction_id)
        cost = await svc.plugins.decide("transaction_cost", request, Decimal)
        if cost is not None:
            reply["totalCost"] = float(cost)
    return reply
