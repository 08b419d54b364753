"""The control component: the services, their API, and two background duties (follow
transaction starts and 2.x boots; expire reservations past their time)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import trio

from evgw.components import Component, ComponentContext
from evgw.events import ChargerBooted, ReservationStatusChanged, TransactionStarted
from evgw.gateway._commands import CommandError
from evgw.ocpp.control._messages import Messages
from evgw.ocpp.control._reservations import Reservations
from evgw.ocpp.control._tx_status import TransactionStatus
from evgw.ocpp.control._upgrade import ProfileUpgrades

if TYPE_CHECKING:
    from evgw.api import ApiExtension

log = logging.getLogger("evgw.ocpp.control")

Followed = TransactionStarted | ChargerBooted


class OcppControl(Component):
    name = "ocpp_control"
    sweep_interval_s = 30.0  # reservation expiry
    boot_settle_s = 1.0  # let the BootNotification answer reach the charger before asking

    def __init__(self, ctx: ComponentContext) -> None:
        self.ctx = ctx
        self.upgrades = ProfileUpgrades(ctx)
        self.tx_status = TransactionStatus(ctx)
        self.reservations = Reservations(ctx)
        self.messages = Messages(ctx)
        self._send, self._receive = trio.open_memory_channel[Followed](10_000)
        ctx.events.subscribe(TransactionStarted, self._follow)
        ctx.events.subscribe(ChargerBooted, self._follow)
        ctx.events.subscribe(ReservationStatusChanged, self.reservations.status_changed)
        ctx.plugins.plugins.append(self.reservations)  # the `authorize` hook

    def api(self) -> ApiExtension | None:
        from evgw.ocpp.control._api import control_api  # noqa: PLC0415  (api imports us)

        return control_api(self)

    def _follow(self, event: Followed) -> None:
        try:
            self._send.send_nowait(event)
        except trio.WouldBlock:
            log.warning("control queue full: %s dropped", type(event).__name__)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        await self.reservations.reload()  # before the gateway listens: no start goes unchecked
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._sweep)
            task_status.started()
            async for event in self._receive:
                nursery.start_soon(self._handle, event)

    async def _sweep(self) -> None:
        while True:
            try:
                await self.reservations.expire_due()
                await self.reservations.reload()  # another node's changes, if any
            except Exception:
                log.exception("reservation expiry sweep failed")
            await trio.sleep(self.sweep_interval_s)

    async def _handle(self, event: Followed) -> None:
        try:
            if isinstance(event, TransactionStarted):
                await self.reservations.transaction_started(event)
            elif event.ocpp_version != "ocpp1.6" and event.status == "Accepted":
                await trio.sleep(self.boot_settle_s)
                await self.tx_status.reconcile(event.charger_id)
        except CommandError as error:
            log.info("%s: %s follow-up not done: %s", event.charger_id, type(event).__name__, error)
        except Exception:
            log.exception("%s: %s follow-up failed", event.charger_id, type(event).__name__)
