"""OCPP 1.6J for the simulated charger: events -> CALLs; CSMS CALLs -> `_v16_commands`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evgw.testing.fleet._events import (
    Event,
    MeterSample,
    ReservationEnded,
    StatusChanged,
    TxStarted,
    TxStopped,
)
from evgw.testing.fleet._measures import Measure, flood_sample, measures, stamp
from evgw.testing.fleet._protocol import Control, LedgerMark, Malformed, Outgoing, Payload
from evgw.testing.fleet._v16_commands import handle_call

if TYPE_CHECKING:
    from evgw.testing.fleet._certificates import CertificateStore

MALFORMED: Malformed = (
    ("MeterValues", {"connectorId": "one", "meterValue": []}),
    ("StatusNotification", {"connectorId": 1, "status": "Sleeping", "errorCode": "NoError"}),
    (
        "StartTransaction",
        {"connectorId": 1, "idTag": "X" * 40, "meterStart": 0, "timestamp": "2026-01-01T00:00:00Z"},
    ),
    ("Heartbeat", {"unexpected": True}),
)


def sampled_value(m: Measure) -> Payload:
    """1.6 SampledValue: the value as text."""
    value = str(int(m.value)) if m.digits == 0 else f"{m.value:.{m.digits}f}"
    out: Payload = {"value": value, "measurand": m.measurand, "unit": m.unit}
    for key in ("phase", "location", "context"):
        if getattr(m, key) is not None:
            out[key] = getattr(m, key)
    return out


def sampled_values(sample: MeterSample) -> list[Payload]:
    return [sampled_value(m) for m in measures(sample)]


class Ocpp16:
    subprotocol = "ocpp1.6"
    boot_every_connection = True
    malformed = MALFORMED

    def __init__(self) -> None:
        self.certificates: CertificateStore | None = None  # made when first used

    def for_charger(self) -> Ocpp16:
        return Ocpp16()

    def connected(self, ctl: Control) -> None:
        return None

    def authorized(self, reply: Payload) -> bool:
        return bool(reply.get("idTagInfo", {}).get("status") == "Accepted")

    def boot(self, ctl: Control) -> Outgoing:
        ident = ctl.identity
        return Outgoing(
            "BootNotification",
            lambda: {
                "chargePointVendor": ident.vendor,
                "chargePointModel": ident.model,
                "chargePointSerialNumber": ident.serial,
                "firmwareVersion": ctl.firmware_version,
            },
        )

    def heartbeat(self, ctl: Control) -> Outgoing:
        return Outgoing("Heartbeat", dict)

    def authorize(self, ctl: Control, id_tag: str) -> Outgoing:
        return Outgoing("Authorize", lambda: {"idTag": id_tag})

    def from_event(self, ctl: Control, event: Event) -> Outgoing | None:
        if isinstance(event, StatusChanged):
            return self._status(ctl, event)
        if isinstance(event, TxStarted):
            return self._start(ctl, event)
        if isinstance(event, TxStopped):
            return self._stop(ctl, event)
        if isinstance(event, ReservationEnded):
            return None  # 1.6 reports only the connector going Available
        return self._meter(ctl, event)

    def meter_frame(self, ctl: Control, connector_id: int, tx_id: int | str | None) -> Outgoing:
        """A MeterValues-heavy message for throughput runs (10 sampled values, ~1.4 KB)."""
        conn = ctl.model.connectors[connector_id]
        sample = flood_sample(ctl.model.sample(conn, ctl.now()))
        payload: Payload = {
            "connectorId": connector_id,
            "meterValue": [
                {"timestamp": stamp(ctl, sample.at_s), "sampledValue": sampled_values(sample)}
            ],
        }
        if tx_id is not None:
            payload["transactionId"] = tx_id
        return Outgoing("MeterValues", lambda: payload, transactional=tx_id is not None)

    # events -----------------------------------------------------------------------------------
    def _status(self, ctl: Control, ev: StatusChanged) -> Outgoing:
        payload: Payload = {
            "connectorId": ev.connector_id,
            "status": ev.status,
            "errorCode": ev.error_code,
            "timestamp": stamp(ctl, ev.at_s),
        }
        if ev.info:
            payload["info"] = ev.info
        return Outgoing("StatusNotification", lambda: payload)

    def _start(self, ctl: Control, ev: TxStarted) -> Outgoing:
        tx = ev.tx
        payload: Payload = {
            "connectorId": tx.connector_id,
            "idTag": tx.id_tag,
            "meterStart": tx.meter_start_wh,
            "timestamp": stamp(ctl, ev.at_s),
        }
        if tx.reservation_id is not None:
            payload["reservationId"] = tx.reservation_id

        def on_reply(reply: Payload) -> None:
            tx.csms_id = int(reply["transactionId"])
            if reply.get("idTagInfo", {}).get("status") != "Accepted":
                ctl.model.stop_tx(tx.connector_id, "DeAuthorized", ctl.now())

        return Outgoing(
            "StartTransaction",
            lambda: payload,
            transactional=True,
            on_reply=on_reply,
            ledger=LedgerMark("start", tx, tx.meter_start_wh),
        )

    def _stop(self, ctl: Control, ev: TxStopped) -> Outgoing:
        at = stamp(ctl, ev.at_s)

        def build() -> Payload:
            tx_id = ev.tx.csms_id if ev.tx.csms_id is not None else -1
            return {
                "transactionId": tx_id,
                "idTag": ev.tx.id_tag,
                "meterStop": ev.meter_stop_wh,
                "timestamp": at,
                "reason": ev.reason,
            }

        mark = LedgerMark("stop", ev.tx, ev.meter_stop_wh)
        return Outgoing("StopTransaction", build, transactional=True, ledger=mark)

    def _meter(self, ctl: Control, sample: MeterSample) -> Outgoing:
        values = {"timestamp": stamp(ctl, sample.at_s), "sampledValue": sampled_values(sample)}
        tx = sample.tx

        def build() -> Payload:
            payload: Payload = {"connectorId": sample.connector_id, "meterValue": [values]}
            if tx is not None and tx.csms_id is not None:
                payload["transactionId"] = tx.csms_id
            return payload

        return Outgoing("MeterValues", build, transactional=tx is not None, periodic=True)

    def handle(self, ctl: Control, action: str, payload: Payload) -> Payload:
        return handle_call(self, ctl, action, payload)

    def tick(self, ctl: Control) -> None:
        return None
