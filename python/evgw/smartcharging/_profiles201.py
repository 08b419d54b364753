"""OCPP 2.0.1 charging profiles of the two-profile pattern (functional block K).

- ChargingStationMaxProfile (id 1, evseId 0, stack 0, Absolute: never Relative, K01.FR.38).
- Fallback TxDefaultProfile (id 2, evseId 0, stack 0, Relative): the safe share.
- One TxProfile per EVSE (id 100 + evseId, stack 1, Absolute from now, bounded duration,
  with the transactionId, K01.FR.03): the allocator's limit. The same id is reused on every
  update: a second id at the same stack level for the same transaction is refused
  (K01.FR.39), and "highest stack level + 1" would grow without bound.

Capabilities come from the SmartChargingCtrlr variables read at boot (GetVariables).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ._profiles import CP_MAX_ID, FALLBACK_ID, TX_ID_BASE, Capabilities

#: SmartChargingCtrlr variables read at boot.
CTRLR = "SmartChargingCtrlr"
VARIABLES = ("Enabled", "RateUnit", "ProfileStackLevel", "PeriodsPerSchedule", "Entries")
_UNITS = {"A": "Current", "W": "Power"}


def get_variables_request() -> dict[str, Any]:
    return {
        "getVariableData": [
            {"component": {"name": CTRLR}, "variable": {"name": name}} for name in VARIABLES
        ]
    }


def read_variables(reply: dict[str, Any]) -> Capabilities:
    """Capabilities from a GetVariablesResponse; the defaults for what the station lacks."""
    values: dict[str, str] = {}
    for item in reply.get("getVariableResult", []):
        if item.get("attributeStatus") == "Accepted" and "attributeValue" in item:
            values[item["variable"]["name"]] = str(item["attributeValue"])
    units = tuple(
        _UNITS[u.strip()] for u in values.get("RateUnit", "").split(",") if u.strip() in _UNITS
    )
    defaults = Capabilities()
    return Capabilities(
        units or defaults.units,
        _int(values.get("ProfileStackLevel"), defaults.max_stack_level),
        max_periods=_int(values.get("PeriodsPerSchedule"), defaults.max_periods),
        enabled=values.get("Enabled", "true").lower() != "false",
    )


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _schedule(limit_a: float, caps: Capabilities, w_per_a: float) -> dict[str, Any]:
    limit = limit_a if caps.unit == "A" else limit_a * w_per_a
    return {
        "id": 1,
        "chargingRateUnit": caps.unit,
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": round(limit, 1)}],
    }


def tx_profile(
    evse_id: int,
    limit_a: float,
    *,
    now: datetime,
    duration_s: int,
    caps: Capabilities,
    w_per_a: float,
    transaction_id: str,
) -> dict[str, Any]:
    schedule = _schedule(limit_a, caps, w_per_a)
    schedule.update({"startSchedule": now.isoformat(), "duration": duration_s})
    profile = {
        "id": TX_ID_BASE + evse_id,
        "stackLevel": min(1, caps.max_stack_level),
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Absolute",
        "transactionId": transaction_id,
        "chargingSchedule": [schedule],
    }
    return {"evseId": evse_id, "chargingProfile": profile}


def fallback_profile(limit_a: float, caps: Capabilities, w_per_a: float) -> dict[str, Any]:
    profile = {
        "id": FALLBACK_ID,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": [_schedule(limit_a, caps, w_per_a)],
    }
    return {"evseId": 0, "chargingProfile": profile}


def max_profile(
    limit_a: float, now: datetime, caps: Capabilities, w_per_a: float
) -> dict[str, Any]:
    schedule = _schedule(limit_a, caps, w_per_a)
    schedule["startSchedule"] = now.isoformat()
    profile = {
        "id": CP_MAX_ID,
        "stackLevel": 0,
        "chargingProfilePurpose": "ChargingStationMaxProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": [schedule],
    }
    return {"evseId": 0, "chargingProfile": profile}


def clear_request(profile_id: int) -> dict[str, Any]:
    return {"chargingProfileId": profile_id}


def limit_a(schedules: tuple[dict[str, Any], ...], volts: float) -> float | None:
    """The lowest limit in a NotifyChargingLimit's schedules, A per phase (W converted with
    the period's numberPhases, default 3); None when it carries none. The lowest over the
    whole schedule, not the one in force now: a hard bound errs low."""
    lowest: float | None = None
    for schedule in schedules:
        unit = schedule.get("chargingRateUnit", "A")
        for period in schedule.get("chargingSchedulePeriod", []):
            value = float(period["limit"])
            if unit == "W":
                value /= volts * int(period.get("numberPhases", 3) or 3)
            lowest = value if lowest is None else min(lowest, value)
    return None if lowest is None else max(0.0, lowest)
