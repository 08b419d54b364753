"""The billing component: snapshots tariffs at session start and issues CDRs at the end.

Events only prompt; a sweep over the store (at start-up and every `sweep_interval_s`) finds
every active session without a snapshot and every completed session without a CDR, so a
crash, a lost event or a restart never loses a CDR, and the unique index never doubles one.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from decimal import Decimal

import trio

from evgw import events as ev
from evgw.api import ApiExtension
from evgw.components import Component, ComponentContext
from evgw.plugins import CostRequest
from evgw.store import Db

from . import _issue as issue
from . import _metrics as metrics
from ._adhoc import AdhocWatcher
from ._api import extension
from ._config import BillingConfig
from ._cost_push import CostPusher
from ._payment_task import PaymentTask, make_provider
from ._payments import PaymentProvider

log = logging.getLogger("evgw.billing")

Job = tuple[str, str]  # ("start" | "stop", transaction id)


#: Sessions billed (or snapshotted) per store write: one group commit for many.
BATCH = 100


def _guarded(db: Db, cfg: BillingConfig, tx_id: str) -> str:
    if db.one("SELECT 1 FROM billing_holds WHERE transaction_id = ?", (tx_id,)):
        return "held"  # held (e.g. by authorization's offline policy) until released
    try:
        return issue.issue(db, cfg, tx_id)
    except ValueError as e:  # the engine refused the session: hold it, with the reason
        issue.hold(db, tx_id, "pricing_error", {"message": str(e)})
        return "held"


def _bill_all(cfg: BillingConfig, tx_ids: Sequence[str]) -> Callable[[Db], list[str]]:
    return lambda db: [_guarded(db, cfg, tx_id) for tx_id in tx_ids]


def _snapshot_all(cfg: BillingConfig, tx_ids: Sequence[str]) -> Callable[[Db], None]:
    def op(db: Db) -> None:
        for tx_id in tx_ids:
            issue.snapshot(db, cfg, tx_id)

    return op


class BillingService(Component):
    name = "billing"

    def __init__(self, ctx: ComponentContext) -> None:
        self.ctx = ctx
        self.cfg: BillingConfig = ctx.config.billing
        self._send, self._receive = trio.open_memory_channel[Job](10_000)
        self.issued = 0
        self.cost_pusher = CostPusher(ctx.store, ctx.commander, self.cfg)
        self.psp: PaymentProvider | None = make_provider(self.cfg.payments)
        self.payment_task: PaymentTask | None = None
        if self.psp is not None:
            self.payment_task = PaymentTask(ctx.store, self.cfg.payments, self.psp)
            watcher = AdhocWatcher(ctx.store, ctx.commander, self.cfg, self.payment_task.kick)
            self.payment_task.watchers.append(watcher)
        if self.cfg.enabled:
            ctx.events.subscribe(ev.TransactionStarted, self._on_started)
            ctx.events.subscribe(ev.TransactionStopped, self._on_stopped)
            ctx.plugins.plugins.append(self)  # after the configured plugins: they may override

    def _offer(self, job: Job) -> None:
        with contextlib.suppress(trio.WouldBlock):  # when full, the sweep picks it up
            self._send.send_nowait(job)

    def _on_started(self, e: ev.TransactionStarted) -> None:
        if not e.duplicate:
            self._offer(("start", e.transaction_id))
        self._kick_payments()

    def _on_stopped(self, e: ev.TransactionStopped) -> None:
        if not e.orphan:
            self._offer(("stop", e.transaction_id))

    def _kick_payments(self) -> None:
        if self.payment_task is not None:
            self.payment_task.kick()

    def api(self) -> ApiExtension:
        return extension(self)

    async def snapshot_many(self, tx_ids: Sequence[str]) -> None:
        await self.ctx.store.write(_snapshot_all(self.cfg, tx_ids))

    async def bill_many(self, tx_ids: Sequence[str]) -> list[str]:
        outcomes = await self.ctx.store.write(_bill_all(self.cfg, tx_ids))
        self.issued += outcomes.count("issued")
        issued = [tx for tx, outcome in zip(tx_ids, outcomes, strict=True) if outcome == "issued"]
        totals = (
            await self.ctx.store.read(lambda db: metrics.issued_totals(db, issued))
            if issued
            else []
        )
        metrics.count_billed(outcomes, totals)
        for tx_id, outcome in zip(tx_ids, outcomes, strict=True):
            if outcome == "issued":
                self.cost_pusher.cdr_issued(tx_id)
        if "issued" in outcomes:
            self._kick_payments()  # an ad-hoc session may be ready to capture
        return outcomes

    async def bill(self, tx_id: str) -> str:
        (outcome,) = await self.bill_many([tx_id])
        return outcome

    async def transaction_cost(self, request: CostRequest) -> Decimal | None:
        """Plugin hook: the final cost (incl VAT) for 2.x TransactionEventResponse.totalCost.
        Issues the CDR now (idempotent), so totalCost is the CDR's total; None when held."""
        if await self.bill(request.transaction_id) not in {"issued", "exists"}:
            return None
        cdrs = await self.ctx.store.read(lambda db: issue.cdrs_of(db, request.transaction_id))
        live = [c for c in cdrs if c["kind"] == "cdr"]
        if not live:
            return None
        return Decimal(str(live[-1]["cdr"]["total_cost"]["incl_vat"]))

    async def sweep(self) -> None:
        """Until nothing is left: snapshot active sessions without one, bill completed
        sessions without a CDR (BATCH per write)."""
        done: list[str] = []  # a pass that changes nothing ends the loop
        while (todo := await self.ctx.store.read(issue.unsnapshotted)) and todo != done:
            await self.snapshot_many(todo[:BATCH])
            done = todo
        while (todo := await self.ctx.store.read(issue.unbilled)) and todo != done:
            await self.bill_many(todo[:BATCH])
            done = todo
        metrics.HELD.set(await self.ctx.store.read(metrics.held_count))

    async def _handle(self, first: Job) -> None:
        """The job and whatever else is queued, in two writes."""
        jobs = [first]
        while len(jobs) < BATCH:
            try:
                jobs.append(self._receive.receive_nowait())
            except trio.WouldBlock:
                break
        starts = [tx for kind, tx in jobs if kind == "start"]
        stops = [tx for kind, tx in jobs if kind == "stop"]
        if starts:
            await self.snapshot_many(starts)
        if stops:
            await self.bill_many(stops)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        if not self.cfg.enabled:
            return
        async with trio.open_nursery() as nursery:
            if self.payment_task is not None:
                nursery.start_soon(self.payment_task.run)
            nursery.start_soon(self.cost_pusher.run)
            await self._billing_loop()

    async def _billing_loop(self) -> None:
        while True:
            try:
                await self.sweep()
                with trio.move_on_after(self.cfg.sweep_interval_s):
                    async for job in self._receive:
                        await self._handle(job)
            except Exception:
                log.exception("billing pass failed; retrying after the sweep interval")
                await trio.sleep(self.cfg.sweep_interval_s)


def create_component(ctx: ComponentContext) -> Component:
    return BillingService(ctx)
