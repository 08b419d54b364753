"""Billing and payment: tariffs, tariff snapshots, CDRs issued exactly once, authorization.

``create_component`` is the server's factory (``evgw.components.BUILTIN_COMPONENTS``); it is
imported lazily because the configuration (which imports ``_config`` from here) comes first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._config import BillingConfig as BillingConfig

if TYPE_CHECKING:
    from evgw.components import Component, ComponentContext

__all__ = ["BillingConfig", "create_component"]


def create_component(ctx: ComponentContext) -> Component:
    # Lazy: _service imports evgw.components, which imports the config, which imports us.
    from ._service import create_component as make  # noqa: PLC0415

    return make(ctx)
