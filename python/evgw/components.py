"""Components: the parts beside the gateway (smart charging, billing, maintenance, ...).

A component is built once per process from a `ComponentContext` and may

- own tables (its ``_schema`` module, listed in ``evgw.store._migrations.COMPONENT_SCHEMAS``)
  and read/write them with ``store.read(op)`` / ``store.write(op)``;
- follow what chargers do through the domain events (``ctx.events.subscribe``);
- send OCPP calls to connected chargers (``ctx.commander.call``);
- add operator API routes (``api()`` returns an ``evgw.api.ApiExtension``);
- run background loops (``run``), started after the store and before the listeners, and
  cancelled at shutdown after the gateway drained.

`BUILTIN_COMPONENTS` lists the factories ``"module:function"`` the server builds, in order.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import attrs
import trio

from evgw.config import Config
from evgw.events import EventBus
from evgw.gateway._commands import Commander
from evgw.plugins import PluginHost
from evgw.store import Store

if TYPE_CHECKING:
    from evgw.api import ApiExtension

#: Factories taking a ComponentContext and returning a Component.
BUILTIN_COMPONENTS: tuple[str, ...] = (
    "evgw.maintenance:create_component",
    "evgw.ocpp.v201:create_component",
    "evgw.ocpp.control:create_component",
    "evgw.billing:create_component",
    "evgw.authz:create_component",
    "evgw.smartcharging:create_component",
)


@attrs.frozen
class ComponentContext:
    config: Config
    store: Store
    commander: Commander
    events: EventBus
    plugins: PluginHost


class Component:
    """Base class: override what the component needs; the defaults do nothing."""

    name = "component"

    def api(self) -> ApiExtension | None:
        return None

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Background work; call ``task_status.started()`` once ready to serve."""
        task_status.started()

    def api_listening(self, base_url: str) -> None:
        """The HTTP listener is up at `base_url` (e.g. ``http://127.0.0.1:8080``)."""


Factory = Callable[[ComponentContext], Component]


def _factory(spec: str) -> Factory:
    module_name, _, attr = spec.partition(":")
    factory: Factory = getattr(importlib.import_module(module_name), attr)
    return factory


def build_components(
    ctx: ComponentContext, specs: Sequence[str] = BUILTIN_COMPONENTS
) -> list[Component]:
    return [_factory(spec)(ctx) for spec in specs]
