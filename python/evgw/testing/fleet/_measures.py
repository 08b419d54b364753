"""What a meter sample reports, version-neutral: each OCPP version formats these its own way."""

from __future__ import annotations

import attrs

from evgw.testing.fleet._clock import iso
from evgw.testing.fleet._events import MeterSample
from evgw.testing.fleet._protocol import Control

PHASES = ("L1", "L2", "L3")
REGISTER = "Energy.Active.Import.Register"
BODY_TEMPERATURE_C = 31.5


@attrs.frozen
class Measure:
    measurand: str
    value: float
    unit: str
    digits: int = 1  # decimals in the 1.6 text form
    phase: str | None = None
    location: str | None = None
    context: str | None = None


def stamp(ctl: Control, at_s: float) -> str:
    """A timestamp as the charger's (possibly skewed) clock shows it."""
    return iso(ctl.clock.datetime_at(at_s, ctl.skew_s))


def register(wh: float, context: str) -> Measure:
    return Measure(REGISTER, float(int(wh)), "Wh", 0, location="Outlet", context=context)


def measures(
    sample: MeterSample, context: str = "Sample.Periodic", *, temperature: bool = True
) -> list[Measure]:
    """Register, power, current and voltage per phase, SoC (when known), body temperature
    (a 1.6 measurand only)."""
    out = [
        register(sample.register_wh, context),
        Measure("Power.Active.Import", sample.power_w, "W"),
    ]
    out += [
        Measure("Current.Import", amps, "A", 2, phase=phase)
        for phase, amps in zip(PHASES, sample.current_a, strict=False)
    ]
    out += [
        Measure("Voltage", sample.voltage_v, "V", phase=f"{phase}-N")
        for phase in PHASES[: len(sample.current_a)]
    ]
    if sample.soc_pct is not None:
        out.append(Measure("SoC", sample.soc_pct, "Percent", location="EV"))
    if temperature:
        out.append(Measure("Temperature", BODY_TEMPERATURE_C, "Celsius", location="Body"))
    return out


def flood_sample(sample: MeterSample) -> MeterSample:
    """The fixed MeterValues-heavy sample of throughput runs (10 values, three phases)."""
    return MeterSample(
        sample.connector_id,
        None,
        sample.at_s,
        sample.register_wh,
        7360.0,
        (10.67, 10.67, 10.67),
        230.0,
        55.0,
    )
