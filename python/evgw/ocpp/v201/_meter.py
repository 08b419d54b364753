"""OCPP 2.x meterValue arrays -> MeterSample, and the energy register of a transaction.

2.x sends numbers with a unitOfMeasure {unit (default "Wh"), multiplier (default 0)}; a sample
is stored with the multiplier applied (exact decimal text) in its unit. A signedMeterValue is
kept beside the plain sample, byte-exact, as a sample with format "SignedData" whose value is
the signedMeterData text and whose unit names the signing and encoding methods.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from evgw.domain import SampledValues, SampleRow
from evgw.ocpp._time import parse_timestamp

REGISTER = "Energy.Active.Import.Register"  # also the default measurand (2.0.1 §2.40)
_WH_PER_UNIT = {"Wh": Decimal(1), "kWh": Decimal(1000)}


def _decimal(sv: dict[str, Any]) -> Decimal:
    unit = sv.get("unitOfMeasure", {})
    return Decimal(str(sv["value"])).scaleb(int(unit.get("multiplier", 0)))


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _samples_of(meter_value: dict[str, Any]) -> Iterator[SampleRow]:
    """Rows in MeterSample's field order: timestamp, measurand, value, unit, phase, context,
    location, format."""
    at = parse_timestamp(meter_value["timestamp"])
    for sv in meter_value["sampledValue"]:
        measurand = sv.get("measurand", REGISTER)
        phase, location = sv.get("phase"), sv.get("location")
        context = sv.get("context", "Sample.Periodic")
        unit = sv.get("unitOfMeasure", {}).get("unit", "Wh")
        yield (at, measurand, _text(_decimal(sv)), unit, phase, context, location, "Raw")
        signed = sv.get("signedMeterValue")
        if signed is not None:
            method = f"{signed['signingMethod']}/{signed['encodingMethod']}"
            data = signed["signedMeterData"]
            yield (at, measurand, data, method, phase, context, location, "SignedData")


def samples_from_meter_values(meter_values: list[dict[str, Any]]) -> SampledValues:
    """The samples as rows (`SampledValues`: MeterSample objects only when read)."""
    return SampledValues([s for mv in meter_values for s in _samples_of(mv)])


def register_wh(meter_values: list[dict[str, Any]], context: str, *, last: bool) -> int | None:
    """The energy register (Wh) of the sample with `context`, else the first (or `last`)
    register sample of any context; None when there is none (or its unit is not energy)."""
    registers = [
        sv
        for mv in meter_values
        for sv in mv["sampledValue"]
        if sv.get("measurand", REGISTER) == REGISTER and sv.get("phase") is None
    ]
    chosen = [sv for sv in registers if sv.get("context") == context] or registers
    if not chosen:
        return None
    sv = chosen[-1] if last else chosen[0]
    factor = _WH_PER_UNIT.get(sv.get("unitOfMeasure", {}).get("unit", "Wh"))
    return None if factor is None else int((_decimal(sv) * factor).to_integral_value(ROUND_FLOOR))
