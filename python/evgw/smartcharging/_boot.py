"""At each boot of a charger in a site: read its smart-charging capabilities (1.6:
GetConfiguration keys; 2.0.1: SmartChargingCtrlr variables), install the station maximum
(ChargePointMaxProfile / ChargingStationMaxProfile at the physical limit) and the fallback
TxDefaultProfile (safe share). When it leaves load management, remove what evgw installed."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime
from typing import Any

from evgw.gateway._commands import Commander, CommandError

from . import _profiles as v16
from . import _profiles201 as v201
from ._metrics import PROFILES
from ._profiles import CP_MAX_ID, FALLBACK_ID, TX_ID_BASE, Capabilities

log = logging.getLogger("evgw.smartcharging")


async def read_charger(
    commander: Commander, charger_id: str, timeout: float, *, is_201: bool
) -> Capabilities:
    """1.6: from the connection's shared configuration (one GetConfiguration per connection,
    `Commander.configuration`); 2.0.1: GetVariables of the SmartChargingCtrlr variables."""
    try:
        if not is_201:
            return v16.read_capabilities(await commander.configuration(charger_id, timeout=timeout))
        payload = v201.get_variables_request()
        reply = await commander.call(charger_id, "GetVariables", payload, timeout=timeout)
    except CommandError as error:
        log.info("%s: reading capabilities failed (%s); assuming amperes", charger_id, error)
        return Capabilities()
    return v201.read_variables(reply)


async def install_base_profiles(
    commander: Commander,
    charger_id: str,
    *,
    caps: Capabilities,
    limits: tuple[float, float],  # (physical limit, safe share), A per phase
    w_per_a: float,
    timeout: float,
    is_201: bool,
) -> bool:
    """False when a profile got no answer (worth another try)."""
    physical, safe = limits
    dialect = v16.V201 if is_201 else v16.V16
    calls = [("fallback", v16.fallback_profile(safe, caps, w_per_a, dialect))]
    if math.isfinite(physical):
        now = datetime.now(UTC)
        calls.insert(0, ("max", v16.max_profile(physical, now, caps, w_per_a, dialect)))
    answered = True
    for kind, payload in calls:
        result = await _call(commander, charger_id, "SetChargingProfile", payload, timeout)
        if result == "unanswered":
            log.warning("%s: %s profile not installed (no answer); will retry", charger_id, kind)
            answered = False
        PROFILES.labels(kind, result).inc()
    return answered


async def release(
    commander: Commander, charger_id: str, connectors: int, timeout: float, *, is_201: bool
) -> None:
    """ClearChargingProfile of every profile evgw installs (by id): the charger is no longer
    under load management and must not keep a stale share."""
    ids = [CP_MAX_ID, FALLBACK_ID, *(TX_ID_BASE + c for c in range(1, connectors + 1))]
    for profile_id in ids:
        payload = v201.clear_request(profile_id) if is_201 else {"id": profile_id}
        result = await _call(commander, charger_id, "ClearChargingProfile", payload, timeout)
        PROFILES.labels("clear", result).inc()


async def _call(
    commander: Commander, charger_id: str, action: str, payload: dict[str, Any], timeout: float
) -> str:
    try:
        reply = await commander.call(charger_id, action, payload, timeout=timeout)
    except CommandError as error:
        log.info("%s: %s failed: %s", charger_id, action, error)
        return "unanswered"
    return "accepted" if reply.get("status") == "Accepted" else "rejected"
