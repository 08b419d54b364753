"""OCPP 1.6 meterValue arrays -> MeterSample (defaults from the 1.6 spec §7.43 SampledValue)."""

from __future__ import annotations

from typing import Any

from evgw.domain import MeterSample, SampledValues, SampleRow
from evgw.ocpp._time import parse_timestamp

DEFAULT_MEASURAND = "Energy.Active.Import.Register"
DEFAULT_UNIT = "Wh"


def samples_from_meter_values(meter_values: list[dict[str, Any]]) -> tuple[MeterSample, ...]:
    out: list[MeterSample] = []
    for meter_value in meter_values:
        at = parse_timestamp(meter_value["timestamp"])
        out.extend(
            MeterSample(
                timestamp=at,
                measurand=sv.get("measurand", DEFAULT_MEASURAND),
                value=sv["value"],
                unit=sv.get("unit", DEFAULT_UNIT),
                phase=sv.get("phase"),
                context=sv.get("context"),
                location=sv.get("location"),
                format=sv.get("format"),
            )
            for sv in meter_value["sampledValue"]
        )
    return tuple(out)


def sampled_values(meter_values: list[dict[str, Any]]) -> SampledValues:
    """The same as `samples_from_meter_values`, as plain rows (no object per sample)."""
    rows: list[SampleRow] = []
    for meter_value in meter_values:
        at = parse_timestamp(meter_value["timestamp"])
        rows.extend(
            (
                at,
                sv.get("measurand", DEFAULT_MEASURAND),
                sv["value"],
                sv.get("unit", DEFAULT_UNIT),
                sv.get("phase"),
                sv.get("context"),
                sv.get("location"),
                sv.get("format"),
            )
            for sv in meter_value["sampledValue"]
        )
    return SampledValues(rows)


def evse_and_connector(connector_id: int) -> tuple[int, int]:
    """1.6 connector N -> (EVSE N, connector 1); connector 0 (the charger) -> (0, 0)."""
    return (connector_id, 1) if connector_id > 0 else (0, 0)
