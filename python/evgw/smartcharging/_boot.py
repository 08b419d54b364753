"""At each boot of a charger in a site: read its smart-charging keys, install the
ChargePointMaxProfile (physical limit) and the fallback TxDefaultProfile (safe share)."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime

from evgw.gateway._commands import Commander, CommandError

from ._metrics import PROFILES
from ._profiles import (
    CAPABILITY_KEYS,
    Capabilities,
    fallback_profile,
    max_profile,
    read_capabilities,
)

log = logging.getLogger("evgw.smartcharging")


async def read_charger(commander: Commander, charger_id: str, timeout: float) -> Capabilities:
    try:
        reply = await commander.call(
            charger_id, "GetConfiguration", {"key": CAPABILITY_KEYS}, timeout=timeout
        )
    except CommandError as error:
        log.info("%s: GetConfiguration failed (%s); assuming amperes", charger_id, error)
        return Capabilities()
    return read_capabilities(reply)


async def install_base_profiles(
    commander: Commander,
    charger_id: str,
    *,
    caps: Capabilities,
    limits: tuple[float, float],  # (physical limit, safe share), A per phase
    w_per_a: float,
    timeout: float,
) -> None:
    physical, safe = limits
    calls = [("fallback", fallback_profile(safe, caps, w_per_a))]
    if math.isfinite(physical):
        calls.insert(0, ("max", max_profile(physical, datetime.now(UTC), caps, w_per_a)))
    for kind, payload in calls:
        try:
            reply = await commander.call(charger_id, "SetChargingProfile", payload, timeout=timeout)
            result = "accepted" if reply.get("status") == "Accepted" else "rejected"
        except CommandError as error:
            log.warning("%s: %s profile not installed: %s", charger_id, kind, error)
            result = "unanswered"
        PROFILES.labels(kind, result).inc()
