"""Charging profiles of the two-profile pattern (reference §5), in 1.6 or 2.0.1 spelling.

- ChargePointMaxProfile / ChargingStationMaxProfile (id 1, connector/EVSE 0, Absolute): the
  charger's physical limit, forever.
- Fallback TxDefaultProfile (id 2, connector/EVSE 0, stack 0, Relative): the safe share,
  what the charger runs when evgw is gone.
- One TxProfile per connector/EVSE (id 100 + connector, stack 1, Absolute from now, bounded
  duration; 2.0.1: with the transactionId): the allocator's limit. The same id replaces it
  in place (1.6) and must be reused (2.0.1 refuses a second id at the same stack level for
  the same transaction, K01.FR.39; "highest stack level + 1" would grow without bound).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from evgw.gateway._config_cache import Configuration

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


def read_capabilities(config: Configuration) -> Capabilities:
    """From the charger's 1.6 configuration; a key it lacks keeps the default."""
    units = tuple(
        u.strip() for u in (config.get("ChargingScheduleAllowedChargingRateUnit") or "").split(",")
    )
    return Capabilities(
        tuple(u for u in units if u) or ("Current",),
        _int(config.get("ChargeProfileMaxStackLevel"), 8),
        max_periods=_int(config.get("ChargingScheduleMaxPeriods"), 24),
    )


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        return default


@attrs.frozen
class Dialect:
    """Where 1.6 and 2.0.1 spell the same profile differently."""

    id_key: str  # chargingProfileId | id
    target_key: str  # connectorId | evseId
    wrapper: str  # csChargingProfiles | chargingProfile
    station_max: str  # ChargePointMaxProfile | ChargingStationMaxProfile
    schedule_list: bool  # 2.0.1: a list of (up to three) schedules, each with an id


V16 = Dialect(
    "chargingProfileId", "connectorId", "csChargingProfiles", "ChargePointMaxProfile", False
)
V201 = Dialect("id", "evseId", "chargingProfile", "ChargingStationMaxProfile", True)


def _schedule(limit_a: float, caps: Capabilities, w_per_a: float, d: Dialect) -> dict[str, Any]:
    limit = limit_a if caps.unit == "A" else limit_a * w_per_a
    schedule: dict[str, Any] = {"id": 1} if d.schedule_list else {}
    schedule["chargingRateUnit"] = caps.unit
    schedule["chargingSchedulePeriod"] = [{"startPeriod": 0, "limit": round(limit, 1)}]
    return schedule


def _request(
    d: Dialect, target: int, profile: dict[str, Any], schedule: dict[str, Any]
) -> dict[str, Any]:
    profile["chargingSchedule"] = [schedule] if d.schedule_list else schedule
    return {d.target_key: target, d.wrapper: profile}


def tx_profile(
    evse_id: int,
    limit_a: float,
    *,
    now: datetime,
    duration_s: int,
    caps: Capabilities,
    w_per_a: float,
    dialect: Dialect = V16,
    transaction_id: str | None = None,  # 2.0.1: required (K01.FR.03)
) -> dict[str, Any]:
    schedule = _schedule(limit_a, caps, w_per_a, dialect)
    schedule.update({"startSchedule": now.isoformat(), "duration": duration_s})
    profile: dict[str, Any] = {
        dialect.id_key: TX_ID_BASE + evse_id,
        "stackLevel": min(1, caps.max_stack_level),
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Absolute",
    }
    if transaction_id is not None:
        profile["transactionId"] = transaction_id
    return _request(dialect, evse_id, profile, schedule)


def fallback_profile(
    limit_a: float, caps: Capabilities, w_per_a: float, dialect: Dialect = V16
) -> dict[str, Any]:
    profile = {
        dialect.id_key: FALLBACK_ID,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Relative",
    }
    return _request(dialect, 0, profile, _schedule(limit_a, caps, w_per_a, dialect))


def max_profile(
    limit_a: float, now: datetime, caps: Capabilities, w_per_a: float, dialect: Dialect = V16
) -> dict[str, Any]:
    """Absolute from now: 2.0.1 refuses a Relative station maximum (K01.FR.38)."""
    schedule = _schedule(limit_a, caps, w_per_a, dialect)
    schedule["startSchedule"] = now.isoformat()
    profile = {
        dialect.id_key: CP_MAX_ID,
        "stackLevel": 0,
        "chargingProfilePurpose": dialect.station_max,
        "chargingProfileKind": "Absolute",
    }
    return _request(dialect, 0, profile, schedule)
