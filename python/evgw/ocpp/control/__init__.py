"""CSMS-initiated OCPP services beside the gateway, version-neutral where OCPP allows:
GetTransactionStatus, security-profile upgrades, reservations, display messages, customer
information, and the ISO 15118 certificate hooks (see each module)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evgw.components import Component, ComponentContext


def create_component(ctx: ComponentContext) -> Component:
    from evgw.ocpp.control._component import OcppControl  # noqa: PLC0415 (components imports the gateway)

    return OcppControl(ctx)


__all__ = ["create_component"]
