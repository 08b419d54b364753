"""OCPP 2.0.1 for the simulated charger: the same model events as 1.6, reported as a 2.0.1
station does (one connector per EVSE): StatusNotification on connector status changes,
TransactionEvent Started/Updated/Ended with seqNo, triggerReason, meter values inside the
events and `offline` for what happened without a connection. CSMS CALLs -> `_v201_commands`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from evgw.testing.fleet._events import (
    Event,
    MeterSample,
    ReservationEnded,
    StatusChanged,
    Tx,
    TxStarted,
    TxStopped,
)
from evgw.testing.fleet._measures import Measure, flood_sample, register, stamp
from evgw.testing.fleet._measures import measures as measures_16
from evgw.testing.fleet._protocol import Control, LedgerMark, Malformed, Outgoing, Payload
from evgw.testing.fleet._v201_commands import RemoteStart, handle_call, new_transaction_id
from evgw.testing.fleet._v201_device import DeviceModel

if TYPE_CHECKING:
    from evgw.testing.fleet._certificates import CertificateStore
    from evgw.testing.fleet._v201_display import DisplayBoard
    from evgw.testing.fleet._v201_monitoring import Monitors

TOKEN_TYPE = "ISO14443"
CONNECTOR_STATUS = {  # the model's (1.6-shaped) status -> 2.0.1 ConnectorStatusEnumType
    "Available": "Available",
    "Preparing": "Occupied",
    "Charging": "Occupied",
    "SuspendedEV": "Occupied",
    "SuspendedEVSE": "Occupied",
    "Finishing": "Occupied",
    "Reserved": "Reserved",
    "Unavailable": "Unavailable",
    "Faulted": "Faulted",
}
CHARGING_STATES = {"Charging": "Charging", "SuspendedEV": "SuspendedEV"}
CHARGING_STATES["SuspendedEVSE"] = "SuspendedEVSE"
# the model's stop reason -> (triggerReason, stoppedReason)
STOPS = {
    "EVDisconnected": ("EVCommunicationLost", "EVDisconnected"),
    "HardReset": ("ResetCommand", "ImmediateReset"),
    "SoftReset": ("ResetCommand", "ImmediateReset"),
    "UnlockCommand": ("UnlockCommand", "UnlockCommand"),
    "Remote": ("RemoteStop", "Remote"),
    "DeAuthorized": ("Deauthorized", "DeAuthorized"),
    "Local": ("StopAuthorized", "Local"),
}
FAULT_STOPS = {"GroundFailure": "GroundFault", "OverCurrentFailure": "OvercurrentFault"}
MALFORMED: Malformed = (
    ("MeterValues", {"evseId": "one", "meterValue": []}),
    (
        "StatusNotification",
        {"timestamp": "2026-01-01T00:00:00Z", "connectorStatus": "Sleeping", "evseId": 1},
    ),
    ("TransactionEvent", {"eventType": "Started", "seqNo": 0}),
    ("Heartbeat", {"unexpected": True}),
)


def sampled_value(m: Measure) -> Payload:
    """2.0.1 SampledValue: a number with a unitOfMeasure."""
    value: float = int(m.value) if m.digits == 0 else round(m.value, m.digits)
    out: Payload = {"value": value, "measurand": m.measurand, "unitOfMeasure": {"unit": m.unit}}
    for key in ("phase", "location", "context"):
        if getattr(m, key) is not None:
            out[key] = getattr(m, key)
    return out


def meter_value(ctl: Control, at_s: float, values: list[Measure]) -> Payload:
    return {"timestamp": stamp(ctl, at_s), "sampledValue": [sampled_value(m) for m in values]}


def measures(sample: MeterSample, context: str = "Sample.Periodic") -> list[Measure]:
    """The 1.6 set without Temperature (not a 2.0.1 measurand)."""
    return measures_16(sample, context, temperature=False)


def charging_state(status: str) -> str:
    return CHARGING_STATES.get(status, "EVConnected")


class Ocpp201:
    subprotocol = "ocpp2.0.1"
    boot_every_connection = False
    malformed = MALFORMED

    def __init__(self) -> None:
        self.device = DeviceModel()
        self.boot_reason = "PowerUp"
        self.reported: dict[int, str] = {}  # connector -> status the CSMS last heard
        self.charging: dict[int, str] = {}  # local tx id -> chargingState the CSMS last heard
        self.starts: dict[int, RemoteStart] = {}  # connector -> remote start being served
        self.reset_when_idle = False
        # made when first used
        self.display: DisplayBoard | None = None
        self.monitors: Monitors | None = None
        self.certificates: CertificateStore | None = None

    def for_charger(self) -> Ocpp201:
        return Ocpp201()

    def connected(self, ctl: Control) -> None:
        self.reported.clear()  # report every connector again on the new connection

    def authorized(self, reply: Payload) -> bool:
        return bool(reply.get("idTokenInfo", {}).get("status") == "Accepted")

    def reboot(self, ctl: Control, reason: str, *, hard: bool = False) -> None:
        """Every reboot connects by the network profiles' priority (B09/B10)."""
        self.boot_reason = reason
        ctl.use_endpoints(self.device.endpoints())
        ctl.request_reboot(hard)

    # charger-initiated ------------------------------------------------------------------------
    def boot(self, ctl: Control, reason: str | None = None) -> Outgoing:
        ident = ctl.identity

        def build() -> Payload:
            station = {
                "model": ident.model,
                "vendorName": ident.vendor,
                "serialNumber": ident.serial[:25],
                "firmwareVersion": ctl.firmware_version[:50],
            }
            return {"chargingStation": station, "reason": reason or self.boot_reason}

        return Outgoing("BootNotification", build)

    def heartbeat(self, ctl: Control) -> Outgoing:
        return Outgoing("Heartbeat", dict)

    def authorize(self, ctl: Control, id_tag: str) -> Outgoing:
        return Outgoing("Authorize", lambda: {"idToken": {"idToken": id_tag, "type": TOKEN_TYPE}})

    def from_event(self, ctl: Control, event: Event) -> Outgoing | None:
        if isinstance(event, StatusChanged):
            return self._status(ctl, event)
        if isinstance(event, TxStarted):
            return self._started(ctl, event)
        if isinstance(event, TxStopped):
            return self._ended(ctl, event)
        if isinstance(event, ReservationEnded):
            update = {
                "reservationId": event.reservation_id,
                "reservationUpdateStatus": event.reason,
            }
            return Outgoing("ReservationStatusUpdate", lambda: update)
        return self._meter(ctl, event)

    def meter_frame(self, ctl: Control, connector_id: int, tx_id: int | str | None) -> Outgoing:
        """Throughput runs: TransactionEvent Updated with 9 sampled values (MeterValues
        outside a transaction)."""
        conn = ctl.model.connectors[connector_id]
        sample = flood_sample(ctl.model.sample(conn, ctl.now()))
        values = measures(sample)
        tx = conn.tx
        if tx is None or tx.ocpp_id is None:
            mv = meter_value(ctl, sample.at_s, values)
            return Outgoing("MeterValues", lambda: {"evseId": connector_id, "meterValue": [mv]})
        return self._event(
            ctl, tx, "Updated", "MeterValuePeriodic", sample.at_s, meter=[values], periodic=True
        )

    def status_notification(
        self, ctl: Control, connector_id: int, model_status: str, at_s: float
    ) -> Outgoing:
        status = CONNECTOR_STATUS.get(model_status, "Unavailable")
        self.reported[connector_id] = status
        payload = {
            "timestamp": stamp(ctl, at_s),
            "connectorStatus": status,
            "evseId": connector_id,
            "connectorId": 1,
        }
        return Outgoing("StatusNotification", lambda: payload)

    def meter_values(self, ctl: Control, sample: MeterSample) -> Outgoing:
        mv = meter_value(ctl, sample.at_s, measures(sample))
        return Outgoing("MeterValues", lambda: {"evseId": sample.connector_id, "meterValue": [mv]})

    def tx_updated(self, ctl: Control, tx: Tx, trigger: str, sample: MeterSample) -> Outgoing:
        context = "Trigger" if trigger == "Trigger" else "Sample.Periodic"
        return self._event(
            ctl,
            tx,
            "Updated",
            trigger,
            sample.at_s,
            meter=[measures(sample, context)],
            periodic=trigger == "MeterValuePeriodic",
        )

    # events -----------------------------------------------------------------------------------
    def _event(
        self,
        ctl: Control,
        tx: Tx,
        kind: str,
        trigger: str,
        at_s: float,
        *,
        info: Payload | None = None,
        meter: list[list[Measure]] | None = None,
        extra: Payload | None = None,
        periodic: bool = False,
        on_reply: Callable[[Payload], None] | None = None,
        ledger: LedgerMark | None = None,
    ) -> Outgoing:
        """A TransactionEvent: its seqNo is taken now, in the order the events happened."""
        payload: Payload = {
            "eventType": kind,
            "timestamp": stamp(ctl, at_s),
            "triggerReason": trigger,
            "seqNo": tx.next_seq(),
            "transactionInfo": {"transactionId": tx.ocpp_id, **(info or {})},
        }
        if not ctl.online():
            payload["offline"] = True
        if meter:
            payload["meterValue"] = [meter_value(ctl, at_s, values) for values in meter]
        payload.update(extra or {})
        return Outgoing(
            "TransactionEvent",
            lambda: payload,
            transactional=True,
            on_reply=on_reply,
            periodic=periodic,
            ledger=ledger,
        )

    def _status(self, ctl: Control, ev: StatusChanged) -> Outgoing | None:
        """StatusNotification when the 2.0.1 connector status changed; within a transaction a
        change of charging state is a TransactionEvent Updated (ChargingStateChanged)."""
        cid = ev.connector_id
        if cid not in ctl.model.connectors:
            return None  # 2.0.1 has no connector 0 status
        if self.reported.get(cid) != CONNECTOR_STATUS.get(ev.status, "Unavailable"):
            return self.status_notification(ctl, cid, ev.status, ev.at_s)
        tx = ctl.model.connectors[cid].tx
        state = CHARGING_STATES.get(ev.status)
        if tx is None or tx.ocpp_id is None or state is None:
            return None
        if self.charging.get(tx.local_id) == state:
            return None
        self.charging[tx.local_id] = state
        info = {"chargingState": state}
        return self._event(ctl, tx, "Updated", "ChargingStateChanged", ev.at_s, info=info)

    def _started(self, ctl: Control, ev: TxStarted) -> Outgoing:
        tx = ev.tx
        tx.ocpp_id = tx.ocpp_id or new_transaction_id()
        state = charging_state(ctl.model.connectors[tx.connector_id].derived_status())
        self.charging[tx.local_id] = state
        info: Payload = {"chargingState": state}
        trigger, token = "Authorized", {"idToken": tx.id_tag, "type": TOKEN_TYPE}
        remote = self.starts.pop(tx.connector_id, None)
        if remote is not None:
            trigger, token = "RemoteStart", remote.id_token
            info["remoteStartId"] = remote.remote_start_id
        extra: Payload = {"idToken": token, "evse": {"id": tx.connector_id, "connectorId": 1}}
        if tx.reservation_id is not None:
            extra["reservationId"] = tx.reservation_id
        begin = [register(tx.meter_start_wh, "Transaction.Begin")]

        def on_reply(reply: Payload) -> None:
            status = reply.get("idTokenInfo", {}).get("status", "Accepted")
            if status != "Accepted" and ctl.model.connectors[tx.connector_id].tx is tx:
                ctl.model.stop_tx(tx.connector_id, "DeAuthorized", ctl.now())

        return self._event(
            ctl, tx, "Started", trigger, ev.at_s, info=info, meter=[begin], extra=extra,
            on_reply=on_reply, ledger=LedgerMark("start", tx, tx.meter_start_wh),
        )  # fmt: skip

    def _ended(self, ctl: Control, ev: TxStopped) -> Outgoing:
        tx = ev.tx
        conn = ctl.model.connectors[tx.connector_id]
        trigger, stopped = STOPS.get(ev.reason, ("AbnormalCondition", "Other"))
        if ev.reason == "Other" and conn.faulted:
            stopped = FAULT_STOPS.get(conn.error_code, "Other")
        self.charging.pop(tx.local_id, None)
        end = [register(ev.meter_stop_wh, "Transaction.End")]
        message = self._event(
            ctl, tx, "Ended", trigger, ev.at_s, info={"stoppedReason": stopped}, meter=[end],
            ledger=LedgerMark("stop", tx, ev.meter_stop_wh),
        )  # fmt: skip
        if self.reset_when_idle and all(c.tx is None for c in ctl.model.connectors.values()):
            self.reset_when_idle = False
            ctl.spawn(lambda: self._reset_now(ctl))
        return message

    async def _reset_now(self, ctl: Control) -> None:
        self.reboot(ctl, "RemoteReset")

    def _meter(self, ctl: Control, sample: MeterSample) -> Outgoing:
        tx = sample.tx
        if tx is None or tx.ocpp_id is None:
            return self.meter_values(ctl, sample)
        return self.tx_updated(ctl, tx, "MeterValuePeriodic", sample)

    def handle(self, ctl: Control, action: str, payload: Payload) -> Payload:
        return handle_call(self, ctl, action, payload)

    def tick(self, ctl: Control) -> None:
        """Monitors that fire now send one NotifyEvent."""
        if self.monitors is None or not self.monitors.items:
            return
        event = self.monitors.evaluate(self, ctl)
        if event is not None:
            ctl.enqueue(Outgoing("NotifyEvent", lambda: event))
