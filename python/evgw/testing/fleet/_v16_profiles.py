"""OCPP 1.6 csChargingProfiles -> the simulator's neutral `Profile`."""

from __future__ import annotations

from evgw.testing.fleet._clock import SimClock, sim_seconds
from evgw.testing.fleet._profiles import PURPOSES, Profile, periods_from
from evgw.testing.fleet._protocol import Payload


def profile_from_16(p: Payload, clock: SimClock) -> Profile:
    """Raises ValueError on a profile a charger would reject."""
    sched = p["chargingSchedule"]
    if p["chargingProfilePurpose"] not in PURPOSES:
        raise ValueError("unknown chargingProfilePurpose")
    return Profile(
        id=int(p["chargingProfileId"]),
        stack_level=int(p["stackLevel"]),
        purpose=p["chargingProfilePurpose"],
        kind=p["chargingProfileKind"],
        unit=sched["chargingRateUnit"],
        periods=periods_from(sched["chargingSchedulePeriod"]),
        start_s=sim_seconds(clock, sched.get("startSchedule")),
        duration_s=sched.get("duration"),
        recurrency=p.get("recurrencyKind"),
        transaction_id=p.get("transactionId"),
        valid_from_s=sim_seconds(clock, p.get("validFrom")),
        valid_to_s=sim_seconds(clock, p.get("validTo")),
        raw=p,
    )
