"""What a simulated charger reports, version-neutral; a protocol module turns these into frames."""

from __future__ import annotations

import attrs


@attrs.define
class Tx:
    """A transaction as the charger knows it: 1.6 learns `csms_id` from the CSMS's answer,
    a 2.0.1 station names it itself (`ocpp_id`); `ref` is whichever the CSMS uses."""

    local_id: int
    connector_id: int
    id_tag: str
    meter_start_wh: int
    start_s: float
    csms_id: int | None = None
    ocpp_id: str | None = None  # 2.0.1 transactionId (chosen by the station)
    seq_no: int = 0  # 2.0.1 TransactionEvent sequence number
    reservation_id: int | None = None  # the reservation this transaction ended (used)
    start_sent: bool = False  # its start was sent at least once (the ledger's upper bound)

    @property
    def ref(self) -> int | str | None:
        return self.ocpp_id if self.ocpp_id is not None else self.csms_id

    def next_seq(self) -> int:
        self.seq_no += 1
        return self.seq_no - 1


@attrs.frozen
class StatusChanged:
    connector_id: int
    status: str
    error_code: str
    at_s: float
    info: str | None = None


@attrs.frozen
class TxStarted:
    tx: Tx
    at_s: float


@attrs.frozen
class TxStopped:
    tx: Tx
    meter_stop_wh: int
    reason: str
    at_s: float


@attrs.frozen
class MeterSample:
    connector_id: int
    tx: Tx | None
    at_s: float
    register_wh: float
    power_w: float
    current_a: tuple[float, ...]  # per phase drawn
    voltage_v: float
    soc_pct: float | None


@attrs.frozen
class ReservationEnded:
    """A reservation expired (2.0.1 reports it: ReservationStatusUpdate)."""

    reservation_id: int
    reason: str  # Expired
    at_s: float


Event = StatusChanged | TxStarted | TxStopped | MeterSample | ReservationEnded
