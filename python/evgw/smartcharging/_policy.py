"""Plugin hooks of load management (see `evgw.plugins` for how hooks are asked).

- ``async def session_policy(request: SessionPolicyRequest) -> SessionPolicy | None``: asked
  once when a transaction starts (fleet vehicles first, a VIP tier, a known departure).
- ``async def external_limit(request: ExternalLimitRequest) -> ExternalLimit | None``: asked
  every ``external_limit_interval_s`` per site (a site energy manager, a grid operator
  signal); the site's roots are held at min(their limit, the answer).
"""

from __future__ import annotations

from datetime import datetime

import attrs


@attrs.frozen
class SessionPolicyRequest:
    site_id: str
    charger_id: str
    evse_id: int
    transaction_id: str
    id_token: str | None


@attrs.frozen
class SessionPolicy:
    priority: int = 1  # admission class: 0 first (e.g. 0 = VIP, 1 = default, 2 = best effort)
    weight: float = 1.0  # share within the class (> 0)
    departure_at: datetime | None = None
    energy_wh: float | None = None  # energy wanted by departure


@attrs.frozen
class ExternalLimitRequest:
    site_id: str


@attrs.frozen
class ExternalLimit:
    limit_a: float | None  # A per phase on the site's root nodes; None = no external limit
