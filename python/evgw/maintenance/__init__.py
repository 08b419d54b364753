"""Maintenance: port health from the domain events, the append-only outage ledger, offline
detection and uptime reports (NEVI 23 CFR 680.116(b), CEC-style, EV-ChART exports).

The configuration (``evgw.config``) imports ``_config`` from here, so this module imports the
component only when it is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evgw.components import Component, ComponentContext


def create_component(ctx: ComponentContext) -> Component:
    """The maintenance component (a do-nothing one with ``enabled = false``)."""
    from evgw.components import Component  # noqa: PLC0415 (evgw.config imports this package)

    from ._component import Maintenance  # noqa: PLC0415

    return Maintenance(ctx) if ctx.config.maintenance.enabled else Component()


__all__ = ["create_component"]
