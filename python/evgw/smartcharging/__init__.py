"""Load management: capacity trees (sites), the 1 Hz allocator (Rust), profile dispatch.

Kept light: `evgw.config` imports `._config` through this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._policy import ExternalLimit as ExternalLimit
from ._policy import ExternalLimitRequest as ExternalLimitRequest
from ._policy import SessionPolicy as SessionPolicy
from ._policy import SessionPolicyRequest as SessionPolicyRequest
from ._view import SiteLoad as SiteLoad
from ._view import site_loads as site_loads

if TYPE_CHECKING:
    from evgw.components import Component, ComponentContext


def create_component(ctx: ComponentContext) -> Component:
    """The factory listed in `evgw.components.BUILTIN_COMPONENTS`."""
    from ._component import SmartCharging  # noqa: PLC0415  (see the module docstring)

    return SmartCharging(ctx)


__all__ = [
    "ExternalLimit",
    "ExternalLimitRequest",
    "SessionPolicy",
    "SessionPolicyRequest",
    "SiteLoad",
    "create_component",
    "site_loads",
]
