"""OCPP 1.6 csChargingProfiles <-> the simulator's neutral `Profile`."""

from __future__ import annotations

from datetime import datetime

from evgw.testing.fleet._clock import SimClock
from evgw.testing.fleet._profiles import PURPOSES, Period, Profile
from evgw.testing.fleet._protocol import Payload


def _sim_s(clock: SimClock, text: str | None) -> float | None:
    if text is None:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=clock.epoch.tzinfo)
    return (value - clock.epoch).total_seconds()


def profile_from_16(p: Payload, clock: SimClock) -> Profile:
    """Raises ValueError on a profile a charger would reject."""
    sched = p["chargingSchedule"]
    if p["chargingProfilePurpose"] not in PURPOSES:
        raise ValueError("unknown chargingProfilePurpose")
    periods = tuple(
        Period(float(x["startPeriod"]), float(x["limit"]), x.get("numberPhases"))
        for x in sched["chargingSchedulePeriod"]
    )
    if not periods or periods[0].start_s != 0 or any(x.limit < 0 for x in periods):
        raise ValueError("schedule must start at 0 with non-negative limits")
    return Profile(
        id=int(p["chargingProfileId"]),
        stack_level=int(p["stackLevel"]),
        purpose=p["chargingProfilePurpose"],
        kind=p["chargingProfileKind"],
        unit=sched["chargingRateUnit"],
        periods=periods,
        start_s=_sim_s(clock, sched.get("startSchedule")),
        duration_s=sched.get("duration"),
        recurrency=p.get("recurrencyKind"),
        transaction_id=p.get("transactionId"),
        valid_from_s=_sim_s(clock, p.get("validFrom")),
        valid_to_s=_sim_s(clock, p.get("validTo")),
    )
