"""Per-phase currents from meter samples: what an EV actually draws, checked for sense."""

from __future__ import annotations

import math
from collections.abc import Iterable

from evgw.domain import MeterSample

from ._metrics import METER_REJECTED

#: A reading above max x this + 10 A is physically impossible for the breaker.
IMPOSSIBLE_FACTOR = 1.5


def _phase(sample: MeterSample) -> int | None:
    """0..2 for L1..L3 (also "L1-N"); None for a reading without a phase."""
    if sample.phase is None:
        return None
    text = sample.phase.upper()
    for i, name in enumerate(("L1", "L2", "L3")):
        if text.startswith(name):
            return i
    return -1  # N, L1-L2, ...: not a phase current


def _amps(sample: MeterSample) -> float | None:
    try:
        value = float(sample.value)
    except ValueError:
        return None
    if sample.unit is not None and sample.unit.lower() == "ma":
        value /= 1000.0
    return value if math.isfinite(value) else None


def phase_currents(samples: Iterable[MeterSample], max_a: float) -> tuple[float, ...] | None:
    """Charger-phase currents L1..L3 (missing phases: NaN) from Current.Import samples.

    None when the batch has no usable current. Impossible values (negative, not a number,
    above the breaker) are dropped and counted; the batch is then treated as missing.
    """
    out = [math.nan, math.nan, math.nan]
    seen = False
    for s in samples:
        if s.measurand != "Current.Import" or (phase := _phase(s)) == -1:
            continue
        amps = _amps(s)
        if amps is None or amps < 0 or amps > max_a * IMPOSSIBLE_FACTOR + 10.0:
            METER_REJECTED.labels("impossible").inc()
            return None
        for p in (phase,) if phase is not None else (0, 1, 2):
            out[p] = amps
        seen = True
    return tuple(out) if seen else None
