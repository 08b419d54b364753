"""Example evgw plugin.

- authorize: tokens whose id starts with a fleet prefix (env EVGW_FLEET_PREFIXES, comma
  separated, default "FLEET-") are Accepted even when evgw does not know them, with the prefix
  as group id; every other decision is left to evgw (None).
- boot: chargers from vendors outside EVGW_FLEET_VENDORS (if set) are held in Pending.
"""

from __future__ import annotations

import os

from evgw.domain import BootPolicy, TokenStatus
from evgw.plugins import AuthDecision, AuthRequest, BootRequest

__all__ = ["FleetPolicy"]


def _env_list(name: str, default: str = "") -> tuple[str, ...]:
    return tuple(p.strip() for p in os.environ.get(name, default).split(",") if p.strip())


class FleetPolicy:
    name = "fleet"

    def __init__(self) -> None:
        self.prefixes = _env_list("EVGW_FLEET_PREFIXES", "FLEET-")
        self.vendors = _env_list("EVGW_FLEET_VENDORS")

    async def authorize(self, request: AuthRequest) -> AuthDecision | None:
        if request.default.status == TokenStatus.ACCEPTED:
            return None
        for prefix in self.prefixes:
            if request.id_token.startswith(prefix):
                return AuthDecision(TokenStatus.ACCEPTED, group_id=prefix.rstrip("-"))
        return None

    async def boot(self, request: BootRequest) -> BootPolicy | None:
        if self.vendors and request.vendor not in self.vendors:
            return BootPolicy.PENDING
        return None
