"""OCPP 2.0.1 chargingProfile -> the neutral `Profile`, with the checks a 2.0.1 station makes
(K01): schedule form, where each purpose may go, TxProfile stack-level conflicts."""

from __future__ import annotations

from evgw.testing.fleet._clock import SimClock, sim_seconds
from evgw.testing.fleet._model import ChargerModel
from evgw.testing.fleet._profiles import CP_MAX, TX, TX_DEFAULT, Profile, periods_from
from evgw.testing.fleet._protocol import Payload

# 2.0.1 names -> the neutral ones (ChargingStationExternalConstraints is never the CSMS's)
PURPOSES = {"ChargingStationMaxProfile": CP_MAX, "TxDefaultProfile": TX_DEFAULT, "TxProfile": TX}
NAMES = {neutral: name for name, neutral in PURPOSES.items()}


class ProfileRejected(ValueError):
    """A profile the station refuses; the message is the statusInfo reasonCode (≤ 20 chars)."""


def profile_from_201(p: Payload, clock: SimClock) -> Profile:
    purpose = PURPOSES.get(p["chargingProfilePurpose"])
    if purpose is None:
        raise ProfileRejected("InvalidPurpose")
    sched = p["chargingSchedule"][0]  # the first of up to three (ISO 15118 tuples)
    kind = p["chargingProfileKind"]
    has_start = "startSchedule" in sched
    if (kind == "Relative") == has_start:
        raise ProfileRejected("InvalidSchedule")  # K01.FR.40 / K01.FR.41
    if purpose == CP_MAX and kind == "Relative":
        raise ProfileRejected("InvalidProfileKind")  # K01.FR.38
    try:
        periods = periods_from(sched["chargingSchedulePeriod"])
    except ValueError:
        raise ProfileRejected("InvalidSchedule") from None
    return Profile(
        id=int(p["id"]),
        stack_level=int(p["stackLevel"]),
        purpose=purpose,
        kind=kind,
        unit=sched["chargingRateUnit"],
        periods=periods,
        start_s=sim_seconds(clock, sched.get("startSchedule")),
        duration_s=sched.get("duration"),
        recurrency=p.get("recurrencyKind"),
        transaction_id=p.get("transactionId"),
        valid_from_s=sim_seconds(clock, p.get("validFrom")),
        valid_to_s=sim_seconds(clock, p.get("validTo")),
        raw=p,
    )


def check_placement(model: ChargerModel, evse_id: int, profile: Profile) -> None:
    """Raise ProfileRejected when `profile` cannot go on `evse_id` now."""
    if evse_id != 0 and evse_id not in model.connectors:
        raise ProfileRejected("UnknownEVSE")  # K01.FR.28
    if profile.purpose == CP_MAX and evse_id != 0:
        raise ProfileRejected("InvalidEVSE")
    if profile.purpose != TX:
        return
    tx = model.connectors[evse_id].tx if evse_id else None  # K01.FR.16
    if tx is None or profile.transaction_id is None or tx.ref != profile.transaction_id:
        raise ProfileRejected("TxNotFound")  # K01.FR.03 / .09
    for other in model.profiles.profiles(evse_id):
        same_level = (other.purpose, other.stack_level) == (TX, profile.stack_level)
        if same_level and other.id != profile.id and other.transaction_id == tx.ref:
            raise ProfileRejected("DuplicateProfile")  # K01.FR.39


def matches_criteria(profile: Profile, criteria: Payload) -> bool:
    """GetChargingProfiles' chargingProfile criteria (every profile here is the CSO's)."""
    ids = criteria.get("chargingProfileId")
    sources = criteria.get("chargingLimitSource")
    purpose = criteria.get("chargingProfilePurpose")
    return (
        (ids is None or profile.id in ids)
        and (sources is None or "CSO" in sources)
        and (purpose is None or PURPOSES.get(purpose) == profile.purpose)
        and ("stackLevel" not in criteria or criteria["stackLevel"] == profile.stack_level)
    )
