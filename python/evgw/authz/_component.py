"""The authorization component: local-list sync, cost-limit watch, prepaid debits, and the
/accounts, /local-lists and /offline-sessions API (``_api``)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial

import attrs
import trio

from evgw.api import ApiExtension
from evgw.billing import running_cost
from evgw.components import Component, ComponentContext
from evgw.gateway._commands import CommandError
from evgw.store import Db

from . import _accounts as accounts
from . import _limits as limits
from . import _local_list as ll
from ._api import extension
from ._config import AuthzConfig
from ._list_sync import Syncer

log = logging.getLogger("evgw.authz")

LIST_VERSIONS = frozenset({"ocpp1.6", "ocpp2.0.1", "ocpp2.1"})


class AuthzComponent(Component):
    name = "authz"

    def __init__(self, ctx: ComponentContext) -> None:
        self.ctx = ctx
        self.cfg: AuthzConfig = ctx.config.authz
        self.syncer = Syncer(ctx.store, ctx.commander, self.cfg.local_list)
        #: charger -> (connection, token-table fingerprint it is in step with; None: no list)
        self._done: dict[str, tuple[datetime, int | None]] = {}
        self.wake = trio.Event()  # set by the API after a change: sync now

    def api(self) -> ApiExtension:
        return extension(self)

    def poke(self) -> None:
        self.wake.set()

    # local lists ---------------------------------------------------------------------------

    def _settled(self, cid: str, connected_at: datetime, fingerprint: int) -> bool:
        """Nothing to do for this connection: in step with these tables, or no list there."""
        found = self._done.get(cid)
        return found is not None and found[0] == connected_at and found[1] in (None, fingerprint)

    async def sync_lists(self) -> dict[str, str]:
        """One pass over the connected chargers; answers charger -> state for those synced.
        A charger in step (or without list support) on its current connection costs nothing."""
        facts = await self.ctx.store.read(ll.all_facts)
        fingerprint = hash(repr(facts))
        planner = ll.Planner(facts, datetime.now(UTC))
        now, done = trio.current_time(), {}
        for conn in self.ctx.commander.connections():
            cid = conn.charger_id
            if conn.ocpp_version not in LIST_VERSIONS or not self.syncer.due(cid, now):
                continue
            if self._settled(cid, conn.connected_at, fingerprint):
                continue
            done[cid] = await self.syncer.sync(cid, conn.ocpp_version, conn.connected_at, planner)
            if done[cid] == "synced":
                self._done[cid] = (conn.connected_at, fingerprint)
            elif done[cid] in ("disabled", "not_supported"):
                self._done[cid] = (conn.connected_at, None)  # not again on this connection
        return done

    async def resync(self, charger_id: str) -> None:
        """The operator asks for a Full update at the next pass."""

        def op(db: Db) -> None:
            ll.forget_entries(db, charger_id)
            ll.write_state(
                db, ll.SyncState(charger_id, ll.read_state(db, charger_id).version, "resync")
            )

        await self.ctx.store.write(op)
        self.syncer.retry_at.pop(charger_id, None)
        self._done.pop(charger_id, None)
        self.poke()

    # limits and debits ---------------------------------------------------------------------

    async def enforce_limits(self) -> int:
        """Stop the sessions whose running cost reached their account's limit; answers how
        many stops were sent."""
        candidates = await self.ctx.store.read(limits.limited_sessions)
        sent = 0
        for item in candidates:
            cost = await running_cost(self.ctx, item.transaction_id)
            if cost is None or cost.incl_vat < item.limit:
                continue
            if await self._stop(attrs.evolve(item, cost=cost.incl_vat)):
                sent += 1
        return sent

    async def _stop(self, item: limits.Limited) -> bool:
        call = limits.stop_call(item)
        if call is None:
            return False
        try:
            await self.ctx.commander.call(item.charger_id, *call)
        except CommandError as e:
            log.warning("%s: stop at the cost limit failed (%s)", item.transaction_id, e)
            return False
        await self.ctx.store.write(partial(limits.record_stop, item=item))
        log.info(
            "%s: stopped at its cost limit %s (running cost %s)",
            *(item.transaction_id, item.limit, item.cost),
        )
        return True

    async def debit(self) -> int:
        return await self.ctx.store.write(accounts.debit_sessions)

    # loops ---------------------------------------------------------------------------------

    async def _every(
        self, interval: float, what: str, step: Callable[[], Awaitable[object]]
    ) -> None:
        while True:
            try:
                await step()
            except Exception:
                log.exception("authz %s pass failed; retrying", what)
            with trio.move_on_after(interval):
                await self.wake.wait()
            self.wake = trio.Event() if self.wake.is_set() else self.wake

    async def _money(self) -> None:
        await self.debit()
        await self.enforce_limits()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        if not self.cfg.enabled:
            return
        async with trio.open_nursery() as nursery:
            if self.cfg.local_list.enabled:
                interval = self.cfg.local_list.sync_interval_s
                nursery.start_soon(self._every, interval, "local list", self.sync_lists)
            nursery.start_soon(self._loop_money)

    async def _loop_money(self) -> None:
        while True:
            try:
                await self._money()
            except Exception:
                log.exception("authz limits pass failed; retrying")
            await trio.sleep(self.cfg.limit_check_interval_s)


def create_component(ctx: ComponentContext) -> Component:
    return AuthzComponent(ctx)
