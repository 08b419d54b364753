"""OCPP 2.0.1 smart-charging specifics (functional block K): the SmartChargingCtrlr
variables read at boot (GetVariables), ClearChargingProfile by id, and the value of a
NotifyChargingLimit. The profiles themselves: `_profiles` with its `V201` dialect."""

from __future__ import annotations

from typing import Any

from ._profiles import Capabilities

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
