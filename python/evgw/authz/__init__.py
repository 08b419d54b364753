"""Authorization: typed id tokens, groups, accounts with limits, local authorization lists
pushed to chargers, offline-start policies, and the ``authorize`` plugin hook.

``create_component`` is the server's factory (``evgw.components.BUILTIN_COMPONENTS``); it is
imported lazily because the configuration (which imports ``_config`` from here) comes first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._config import AuthzConfig as AuthzConfig
from ._config import OfflinePolicy as OfflinePolicy

if TYPE_CHECKING:
    from evgw.components import Component, ComponentContext

__all__ = ["AuthzConfig", "OfflinePolicy", "create_component"]


def create_component(ctx: ComponentContext) -> Component:
    from ._component import create_component as make  # noqa: PLC0415

    return make(ctx)
