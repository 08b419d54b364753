"""The load-management component: follows the events, ticks the allocator at 1 Hz over every
site, dispatches profile changes, and serves /api/v1/sites."""

from __future__ import annotations

import functools
import logging
import math
from datetime import UTC, datetime
from typing import Any

import trio

from evgw import events as ev
from evgw.api import ApiExtension
from evgw.components import Component, ComponentContext

from . import _store
from ._boot import install_base_profiles, read_charger, release
from ._dispatch import Change, SiteGate
from ._engine import SiteRuntime
from ._ev201 import Station201
from ._inputs import StationLimits
from ._live import Key, Live
from ._meter import phase_currents
from ._parse import parse_site
from ._plan_run import PlanRunner
from ._policy import (
    ExternalLimit,
    ExternalLimitRequest,
    SessionPolicy,
    SessionPolicyRequest,
)
from ._profiles import Capabilities
from ._site import ChargerSpec, Site
from ._ticker import Ticker

log = logging.getLogger("evgw.smartcharging")


class SmartCharging(Component):
    name = "smartcharging"

    def __init__(self, ctx: ComponentContext) -> None:
        self.ctx = ctx
        self.cfg = ctx.config.smartcharging
        self.lives: dict[Key, Live] = {}
        self.sites: dict[str, SiteRuntime] = {}
        self.caps: dict[str, Capabilities] = {}
        self.gates: dict[str, SiteGate] = {}
        self.planner = PlanRunner()
        self.stations = StationLimits()
        self.v201: set[str] = set()  # chargers speaking OCPP 2.x
        self.station201 = Station201(self)
        self.ticker = Ticker(self)
        self._nursery: trio.Nursery | None = None
        self._site_index: dict[str, SiteRuntime] = {}
        self._site_index_of: tuple[SiteRuntime, ...] = ()  # what the index was built from
        self._lives_index: dict[str, list[Live]] = {}
        self._lives_indexed = 0  # len(self.lives) when indexed (lives are only ever added)
        self._subscribe(ctx.events)

    # sites -------------------------------------------------------------------------------

    def site_of(self, charger_id: str) -> SiteRuntime | None:
        """O(1) per event (a storm publishes several per charger): the index follows the
        site runtimes, rebuilt whenever one is added, replaced or removed."""
        runtimes = tuple(self.sites.values())  # compared by identity (no __eq__)
        if runtimes != self._site_index_of:
            self._site_index = {
                c.id: runtime
                for runtime in reversed(self.sites.values())  # the first site wins, as before
                for c in runtime.site.chargers
            }
            self._site_index_of = runtimes
        return self._site_index.get(charger_id)

    def activate(self, site: Site) -> None:
        """Start (or replace) a site's runtime; re-install the base profiles of its chargers;
        release the chargers a replaced site no longer has."""
        old = self.sites.get(site.id)
        if old is not None:
            kept = {c.id for c in site.chargers}
            self._release([c for c in old.site.chargers if c.id not in kept])
        self.sites[site.id] = SiteRuntime(site, self.lives)
        self.planner.mark(site.id)
        for charger in site.chargers:
            if self.ctx.commander.connection(charger.id) is not None:
                self._spawn(self._setup_charger, charger.id)

    def deactivate(self, site_id: str) -> None:
        runtime = self.sites.pop(site_id, None)
        if runtime is not None:
            self._release(list(runtime.site.chargers))

    def _release(self, chargers: list[ChargerSpec]) -> None:
        for charger in chargers:
            for live in self.lives_of(charger.id):
                live.sent_a = None
            if self.ctx.commander.connection(charger.id) is not None:
                is_201 = charger.id in self.v201
                timeout = self.cfg.call_timeout_s
                call = functools.partial(
                    release, self.ctx.commander, charger.id, charger.connectors, timeout
                )
                self._spawn(functools.partial(call, is_201=is_201))

    async def _load_sites(self) -> None:
        for raw in self.cfg.sites:
            site_id = str(raw.get("id", ""))
            body = {k: v for k, v in raw.items() if k != "id"}
            parse_site(site_id, body)  # raises (422 shape) when the file is wrong
            await self.ctx.store.write(_store.put(site_id, body))
        for site_id, body in await self.ctx.store.read(_store.load_all):
            try:
                site, _ = parse_site(site_id, body)
            except Exception:
                log.exception("site %s in the store is not valid; skipped", site_id)
                continue
            self.sites[site_id] = SiteRuntime(site, self.lives)

    # events ------------------------------------------------------------------------------

    def _subscribe(self, bus: ev.EventBus) -> None:
        bus.subscribe(ev.TransactionStarted, self._on_started)
        bus.subscribe(ev.TransactionStopped, self._on_stopped)
        bus.subscribe(ev.MeterValuesReceived, self._on_meter)
        bus.subscribe(ev.ChargerBooted, self._on_booted)
        bus.subscribe(ev.ChargerConnected, self._on_connected)
        bus.subscribe(ev.ChargerDisconnected, self._on_disconnected)
        self.station201.subscribe(bus)

    def _on_started(self, e: ev.TransactionStarted) -> None:
        live = self.lives.get((e.charger_id, e.evse_id))
        if live is None or e.duplicate:
            return
        meter = None if e.meter_start_wh is None else float(e.meter_start_wh)
        live.start(e.transaction_id, trio.current_time(), meter)
        self.replan(e.charger_id)
        if live.v201:
            self._spawn(self.station201.learn_transaction, live, e.transaction_id)
        site = self.site_of(e.charger_id)
        if site is not None:
            req = SessionPolicyRequest(
                site.site.id, e.charger_id, e.evse_id, e.transaction_id, e.id_token
            )
            self._spawn(self._ask_policy, live, req)

    def _on_stopped(self, e: ev.TransactionStopped) -> None:
        for live in self.lives_of(e.charger_id):
            if live.transaction_id == e.transaction_id:
                live.stop(trio.current_time())
                self.replan(e.charger_id)

    def replan(self, charger_id: str) -> None:
        site = self.site_of(charger_id)
        if site is not None:
            self.planner.mark(site.site.id)

    def _on_meter(self, e: ev.MeterValuesReceived) -> None:
        live = self.lives.get((e.charger_id, e.evse_id))
        if live is None:
            return
        phases = phase_currents(e.samples, live.max_a)
        if phases is not None:
            live.record(trio.current_time(), phases)
        for s in e.samples:
            if s.measurand == "Energy.Active.Import.Register" and s.phase is None:
                live.energy_wh = _wh(s.value, s.unit)

    def _on_booted(self, e: ev.ChargerBooted) -> None:
        if e.status != "Accepted" or self.site_of(e.charger_id) is None:
            return
        for live in self.lives_of(e.charger_id):
            live.sent_a = None  # a reboot may have dropped the TxProfiles
        self._spawn(self._setup_charger, e.charger_id)

    def _on_connected(self, e: ev.ChargerConnected) -> None:
        is_201 = e.ocpp_version != "ocpp1.6"
        if is_201:
            self.v201.add(e.charger_id)
        else:
            self.v201.discard(e.charger_id)
        for live in self.lives_of(e.charger_id):
            live.v201 = is_201
            live.online = True
            if live.fixed_why == "offline":
                live.clear_fixed()

    def _on_disconnected(self, e: ev.ChargerDisconnected) -> None:
        now = trio.current_time()
        for live in self.lives_of(e.charger_id):
            live.online = False
            if live.active:
                live.set_fixed(live.last_known_max(), "offline", now)

    def lives_of(self, charger_id: str) -> list[Live]:
        if len(self.lives) != self._lives_indexed:
            self._lives_index = {}
            for key, live in self.lives.items():
                self._lives_index.setdefault(key[0], []).append(live)
            self._lives_indexed = len(self.lives)
        return list(self._lives_index.get(charger_id, ()))

    # background work ---------------------------------------------------------------------

    def _spawn(self, fn: Any, *args: Any) -> None:
        if self._nursery is not None:
            self._nursery.start_soon(fn, *args)

    async def _ask_policy(self, live: Live, req: SessionPolicyRequest) -> None:
        answer = await self.ctx.plugins.decide("session_policy", req, SessionPolicy)
        if answer is None or live.transaction_id != req.transaction_id:
            return
        live.policy.priority = answer.priority
        live.policy.weight = answer.weight if answer.weight > 0 else 1.0
        live.policy.energy_wh = answer.energy_wh
        if answer.departure_at is not None:
            ahead = (answer.departure_at - datetime.now(UTC)).total_seconds()
            live.policy.departure_at = trio.current_time() + ahead
        self.replan(live.key[0])

    async def _setup_charger(self, charger_id: str) -> None:
        site = self.site_of(charger_id)
        if site is None:
            return
        timeout = self.cfg.call_timeout_s
        is_201 = charger_id in self.v201
        for live in self.lives_of(charger_id):
            live.v201 = is_201
        caps = await read_charger(self.ctx.commander, charger_id, timeout, is_201=is_201)
        self.caps[charger_id] = caps
        if not caps.enabled:
            log.warning(
                "%s: SmartChargingCtrlr.Enabled is false: no profiles installed; its sessions"
                " count at what their profiles' refusal leaves (their maximum)",
                charger_id,
            )
            return
        charger = next(c for c in site.site.chargers if c.id == charger_id)
        limits = (charger.limit_a, site.safe_share()[charger_id])
        w_per_a = site.site.voltage * charger.phases
        delay = self.cfg.retry_unanswered_s
        while not await install_base_profiles(
            self.ctx.commander,
            charger_id,
            caps=caps,
            limits=limits,
            w_per_a=w_per_a,
            timeout=timeout,
            is_201=is_201,
        ):  # unanswered (a busy link): without its fallback a charger is not safe offline
            await trio.sleep(delay)
            delay = min(2 * delay, self.cfg.retry_rejected_s)
            gone = self.ctx.commander.connection(charger_id) is None
            if gone or self.site_of(charger_id) is not site:
                return  # the next connection or the new site installs its own

    async def _external_limits(self) -> None:
        while True:
            for runtime in list(self.sites.values()):
                req = ExternalLimitRequest(runtime.site.id)
                answer = await self.ctx.plugins.decide("external_limit", req, ExternalLimit)
                runtime.external_a = None if answer is None else _clean(answer.limit_a)
            await trio.sleep(self.cfg.external_limit_interval_s)

    def api(self) -> ApiExtension:
        from ._api import site_api  # noqa: PLC0415  (the API module imports this one)

        return site_api(self)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        if not self.cfg.enabled:
            task_status.started()
            return
        await self._load_sites()
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            nursery.start_soon(self.ticker.run)
            if self.ctx.plugins.plugins:
                nursery.start_soon(self._external_limits)
            task_status.started()

    def send(self, change: Change) -> None:
        self._spawn(self.ticker.send, change)


def _wh(value: str, unit: str | None) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number * 1000.0 if unit == "kWh" else number


def _clean(limit: float | None) -> float | None:
    if limit is None or not math.isfinite(limit) or limit < 0:
        return None
    return limit
