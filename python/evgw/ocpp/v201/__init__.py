"""OCPP 2.0.1 / 2.1 handlers, their tables and the component (device model API)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evgw.components import Component, ComponentContext


def create_component(ctx: ComponentContext) -> Component:
    from evgw.ocpp.v201._component import Ocpp201  # noqa: PLC0415 (components imports the gateway)

    return Ocpp201(ctx)


__all__ = ["create_component"]
