"""OCPP 1.6J for the simulated charger: events -> CALLs; CSMS CALLs -> `_v16_commands`."""

from __future__ import annotations

from evgw.testing.fleet._clock import iso
from evgw.testing.fleet._events import Event, MeterSample, StatusChanged, TxStarted, TxStopped
from evgw.testing.fleet._protocol import Control, Outgoing, Payload
from evgw.testing.fleet._v16_commands import handle_call

PHASES = ("L1", "L2", "L3")


def stamp(ctl: Control, at_s: float) -> str:
    """A timestamp as the charger's (possibly skewed) clock shows it."""
    return iso(ctl.clock.datetime_at(at_s, ctl.skew_s))


def sampled_values(sample: MeterSample) -> list[Payload]:
    values: list[Payload] = [
        {
            "value": str(int(sample.register_wh)),
            "measurand": "Energy.Active.Import.Register",
            "unit": "Wh",
            "context": "Sample.Periodic",
            "location": "Outlet",
        },
        {"value": f"{sample.power_w:.1f}", "measurand": "Power.Active.Import", "unit": "W"},
    ]
    for phase, amps in zip(PHASES, sample.current_a, strict=False):
        values.append(
            {"value": f"{amps:.2f}", "measurand": "Current.Import", "unit": "A", "phase": phase}
        )
    for phase in PHASES[: len(sample.current_a)]:
        values.append(
            {
                "value": f"{sample.voltage_v:.1f}",
                "measurand": "Voltage",
                "unit": "V",
                "phase": f"{phase}-N",
            }
        )
    if sample.soc_pct is not None:
        values.append(
            {
                "value": f"{sample.soc_pct:.1f}",
                "measurand": "SoC",
                "unit": "Percent",
                "location": "EV",
            }
        )
    values.append(
        {"value": "31.5", "measurand": "Temperature", "unit": "Celsius", "location": "Body"}
    )
    return values


class Ocpp16:
    subprotocol = "ocpp1.6"

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
        return self._meter(ctl, event)

    def meter_frame(self, ctl: Control, connector_id: int, tx_id: int | None) -> Outgoing:
        """A MeterValues-heavy message for throughput runs (10 sampled values, ~1.4 KB)."""
        conn = ctl.model.connectors[connector_id]
        sample = ctl.model.sample(conn, ctl.now())
        sample = MeterSample(
            sample.connector_id,
            None,
            sample.at_s,
            sample.register_wh,
            7360.0,
            (10.67, 10.67, 10.67),
            230.0,
            55.0,
        )
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
        payload = {
            "connectorId": tx.connector_id,
            "idTag": tx.id_tag,
            "meterStart": tx.meter_start_wh,
            "timestamp": stamp(ctl, ev.at_s),
        }

        def on_reply(reply: Payload) -> None:
            tx.csms_id = int(reply["transactionId"])
            if reply.get("idTagInfo", {}).get("status") != "Accepted":
                ctl.model.stop_tx(tx.connector_id, "DeAuthorized", ctl.now())

        return Outgoing("StartTransaction", lambda: payload, transactional=True, on_reply=on_reply)

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

        return Outgoing("StopTransaction", build, transactional=True)

    def _meter(self, ctl: Control, sample: MeterSample) -> Outgoing:
        values = {"timestamp": stamp(ctl, sample.at_s), "sampledValue": sampled_values(sample)}
        tx = sample.tx

        def build() -> Payload:
            payload: Payload = {"connectorId": sample.connector_id, "meterValue": [values]}
            if tx is not None and tx.csms_id is not None:
                payload["transactionId"] = tx.csms_id
            return payload

        return Outgoing("MeterValues", build, transactional=tx is not None)

    def handle(self, ctl: Control, action: str, payload: Payload) -> Payload:
        return handle_call(self, ctl, action, payload)
