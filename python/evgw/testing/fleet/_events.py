"""What a simulated charger reports, version-neutral; a protocol module turns these into frames."""

from __future__ import annotations

import attrs


@attrs.define
class Tx:
    """A transaction as the charger knows it; `csms_id` arrives with the CSMS's answer (1.6)."""

    local_id: int
    connector_id: int
    id_tag: str
    meter_start_wh: int
    start_s: float
    csms_id: int | None = None
    seq_no: int = 0  # 2.0.1 TransactionEvent sequence number

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


Event = StatusChanged | TxStarted | TxStopped | MeterSample
