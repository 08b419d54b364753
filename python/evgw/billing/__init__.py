"""Billing and payment: tariffs, tariff snapshots, CDRs issued exactly once, authorization.

``create_component`` is the server's factory (``evgw.components.BUILTIN_COMPONENTS``); it is
imported lazily because the configuration (which imports ``_config`` from here) comes first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._config import BillingConfig as BillingConfig

if TYPE_CHECKING:
    from datetime import datetime

    from evgw.components import Component, ComponentContext
    from evgw.store import Store

    from ._running import Money

__all__ = ["BillingConfig", "Money", "create_component", "running_cost"]


def __getattr__(name: str) -> object:
    if name == "Money":  # lazy, like create_component: the store is not importable yet here
        from ._running import Money  # noqa: PLC0415

        return Money
    raise AttributeError(name)


async def running_cost(
    source: Store | ComponentContext,
    transaction_id: str,
    *,
    at: datetime | None = None,
    config: BillingConfig | None = None,
) -> Money | None:
    """A session's cost so far, incl and excl VAT rounded to the currency's minor unit (its
    final cost once it stopped; None when unknown or without a tariff). Every running value
    is at most the final one. `source`: the store, or a ComponentContext (its `[billing]`
    settings are used). See docs/billing.md, "Running cost"."""
    from ._running import running_cost as compute  # noqa: PLC0415

    return await compute(source, transaction_id, at=at, config=config)


def create_component(ctx: ComponentContext) -> Component:
    # Lazy: _service imports evgw.components, which imports the config, which imports us.
    from ._service import create_component as make  # noqa: PLC0415

    return make(ctx)
