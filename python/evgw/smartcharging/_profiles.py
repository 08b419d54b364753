"""OCPP 1.6 charging profiles of the two-profile pattern (reference §5).

- ChargePointMaxProfile (id 1, connector 0): the charger's physical limit, forever.
- Fallback TxDefaultProfile (id 2, connector 0, stack 0, Relative): the safe share, what the
  charger runs when evgw is gone.
- One TxProfile per connector (id 100 + connector, stack 1, Absolute from now, bounded
  duration): the allocator's limit; the same id replaces it in place.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

CP_MAX_ID = 1
FALLBACK_ID = 2
TX_ID_BASE = 100


@attrs.frozen
class Capabilities:
    """From GetConfiguration at boot; the defaults when a key is unknown."""

    units: tuple[str, ...] = ("Current",)
    max_stack_level: int = 8
    max_periods: int = 24  # evgw sends one period; kept for the record
    enabled: bool = True  # 2.0.1 SmartChargingCtrlr.Enabled

    @property
    def unit(self) -> str:
        return "A" if "Current" in self.units else "W"


def read_capabilities(reply: dict[str, Any]) -> Capabilities:
    values = {k["key"]: k.get("value") for k in reply.get("configurationKey", [])}
    units = tuple(
        u.strip() for u in (values.get("ChargingScheduleAllowedChargingRateUnit") or "").split(",")
    )
    return Capabilities(
        tuple(u for u in units if u) or ("Current",),
        _int(values.get("ChargeProfileMaxStackLevel"), 8),
        max_periods=_int(values.get("ChargingScheduleMaxPeriods"), 24),
    )


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        return default


CAPABILITY_KEYS = [
    "ChargingScheduleAllowedChargingRateUnit",
    "ChargeProfileMaxStackLevel",
    "ChargingScheduleMaxPeriods",
]


def _schedule(limit_a: float, caps: Capabilities, watts_per_a: float) -> dict[str, Any]:
    limit = limit_a if caps.unit == "A" else round(limit_a * watts_per_a, 1)
    return {
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
) -> dict[str, Any]:
    schedule = _schedule(limit_a, caps, w_per_a)
    schedule.update({"startSchedule": now.isoformat(), "duration": duration_s})
    profile = {
        "chargingProfileId": TX_ID_BASE + evse_id,
        "stackLevel": min(1, caps.max_stack_level),
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": schedule,
    }
    return {"connectorId": evse_id, "csChargingProfiles": profile}


def fallback_profile(limit_a: float, caps: Capabilities, w_per_a: float) -> dict[str, Any]:
    profile = {
        "chargingProfileId": FALLBACK_ID,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": _schedule(limit_a, caps, w_per_a),
    }
    return {"connectorId": 0, "csChargingProfiles": profile}


def max_profile(
    limit_a: float, now: datetime, caps: Capabilities, w_per_a: float
) -> dict[str, Any]:
    schedule = _schedule(limit_a, caps, w_per_a)
    schedule["startSchedule"] = now.isoformat()
    profile = {
        "chargingProfileId": CP_MAX_ID,
        "stackLevel": 0,
        "chargingProfilePurpose": "ChargePointMaxProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": schedule,
    }
    return {"connectorId": 0, "csChargingProfiles": profile}
