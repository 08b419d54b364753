"""The maintenance component: domain events -> health model -> outage ledger; offline
detection; the operator API (reports, outages, exclusions, health)."""

from __future__ import annotations

import logging

import trio

from evgw import events as ev
from evgw.api import ApiExtension
from evgw.components import Component, ComponentContext
from evgw.ocpp._time import utc_now

from . import _metrics, _store
from ._api import maintenance_api
from ._campaigns import Campaigns
from ._certs import CertificateWatch
from ._classify import StatusFacts
from ._derate import DerateWatch
from ._desk import TicketDesk
from ._detect import OfflineDetector
from ._diagnostics import Diagnostics
from ._files import FileDesk
from ._guard import StormGuard
from ._health import HealthModel
from ._model import Health, OutageRecord, PortKey
from ._remediate import Remediator
from ._rules import Rules

_GAUGE_CHUNK = 500  # ports per step of the health gauges' pass

log = logging.getLogger("evgw.maintenance")


def _kind(record: OutageRecord) -> str:
    if record.void:
        return "void"
    if record.supersedes is None:
        return "open" if record.interval.end is None else "closed_at_once"
    return "close" if record.interval.end is not None else "revise"


PROBLEM_VARIABLES = frozenset({"Problem", "Tripped"})


class Maintenance(Component):
    name = "maintenance"

    def __init__(self, ctx: ComponentContext) -> None:
        self.ctx = ctx
        self.cfg = ctx.config.maintenance
        self.model = HealthModel(self.cfg)
        detection = self.cfg.detection
        self.detector = OfflineDetector(
            ctx.commander,
            self.model,
            threshold_s=max(2 * ctx.config.ocpp.heartbeat_interval_s, detection.offline_floor_s),
            probe_timeout_s=detection.probe_timeout_s,
        )
        self.desk = TicketDesk(ctx.store, self.cfg.tickets)
        self.storm = StormGuard(self.cfg.rules)
        self.rules = Rules(self.cfg, self.desk, self.storm)
        self.detector.on_offline = self.rules.offline
        self.files = FileDesk(ctx.store, self.cfg.files)
        self.diagnostics = Diagnostics(
            self.cfg.diagnostics, store=ctx.store, commander=ctx.commander, files=self.files
        )
        self.campaigns = Campaigns(
            self.cfg.firmware, store=ctx.store, commander=ctx.commander, files=self.files
        )
        self.certificates = CertificateWatch(
            ctx.store,
            self.rules.certificate,
            validity_days=ctx.config.ocpp.charger_ca.validity_days,
            warn_days=self.cfg.rules.certificate_warn_days,
        )
        self.remediator = Remediator(
            self.cfg,
            commander=ctx.commander,
            store=ctx.store,
            model=self.model,
            desk=self.desk,
            storm=self.storm,
            plugins=ctx.plugins,
            diagnostics=self.diagnostics,
        )
        self.remediator.on_reset = self.rules.reset_sent
        self.derate = DerateWatch(self.cfg.health, self.model)
        self._unwritten: list[OutageRecord] = []
        self._subscribe(ctx.events)

    def _subscribe(self, bus: ev.EventBus) -> None:
        bus.subscribe(ev.ConnectorStatusChanged, self.on_status)
        bus.subscribe(ev.ChargerConnected, self.on_connected)
        bus.subscribe(ev.ChargerDisconnected, self.on_disconnected)
        bus.subscribe(ev.ChargerBooted, self.on_booted)
        bus.subscribe(ev.TransactionStarted, self.rules.started)
        bus.subscribe(ev.TransactionStopped, self.rules.stopped)
        bus.subscribe(ev.SecurityEventReceived, self.rules.security)
        bus.subscribe(ev.DeviceEventReported, self.on_device_event)
        bus.subscribe(ev.FirmwareStatusChanged, self.campaigns.firmware_status)
        bus.subscribe(ev.ChargerBooted, self.campaigns.booted)
        bus.subscribe(ev.DiagnosticsStatusChanged, self.diagnostics.status)
        if self.cfg.health.derate:
            bus.subscribe(ev.TransactionStarted, self.derate.started)
            bus.subscribe(ev.MeterValuesReceived, self.derate.meter)
            bus.subscribe(ev.TransactionStopped, lambda e: self.derate.stopped(e, utc_now()))

    # events (quick, in the publisher's task) ----------------------------------------------------

    def on_status(self, e: ev.ConnectorStatusChanged) -> None:
        port = PortKey(e.charger_id, e.evse_id, e.connector_id)
        facts = StatusFacts(e.status, e.error_code, e.vendor_error_code)
        faulted = e.status == "Faulted"  # the port's health is derived only for faults
        was_down = faulted and self.model.health(port).health is Health.DOWN
        before = self.model.counters.ignored_connectors
        if not self.model.status(port, facts, e.at, utc_now()):
            unknown = self.model.counters.ignored_connectors > before
            _metrics.STATUS_IGNORED.labels("unknown_connector" if unknown else "quirk").inc()
            return
        if port.connector_id == 0:
            return
        self.rules.status(port, e.status, e.at)
        if faulted and not was_down and self.model.health(port).health is Health.DOWN:
            self.remediator.fault(port, e.error_code, self.model.model_of(e.charger_id)[1])

    def on_device_event(self, e: ev.DeviceEventReported) -> None:
        """2.x NotifyEvent: the standard variables Problem and Tripped take the part down."""
        if e.variable not in PROBLEM_VARIABLES:
            return
        active = e.actual_value.strip().lower() == "true" and not e.cleared
        cause = self.cfg.error_cause(e.tech_code) if active else None
        self.model.device_problem(
            e.charger_id,
            evse_id=e.evse_id,
            connector_id=e.connector_id,
            cause=cause,
            at=e.at,
            received_at=utc_now(),
        )

    def on_connected(self, e: ev.ChargerConnected) -> None:
        self.detector.connected(e.charger_id)
        self.rules.connected(e.charger_id)
        self.model.link(e.charger_id, e.at, online=True)

    def on_disconnected(self, e: ev.ChargerDisconnected) -> None:
        if e.reason == ev.SERVER_SHUTDOWN:
            return  # evgw's own shutdown: no outage, no fleet storm
        self.model.link(e.charger_id, e.last_frame_at, online=False)
        self.rules.disconnected(e, self.ctx.commander.connected_count(), utc_now())

    def on_booted(self, e: ev.ChargerBooted) -> None:
        self.model.charger_model(e.charger_id, e.vendor, e.model)
        self.rules.booted(e)

    # background ---------------------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        await self._resume()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._flush_loop)
            nursery.start_soon(self._detect_loop, nursery)
            nursery.start_soon(self.desk.run)
            nursery.start_soon(self.diagnostics.run)
            nursery.start_soon(self._certificate_loop)
            await nursery.start(self.campaigns.run)
            await nursery.start(self.remediator.run)
            task_status.started()

    async def _resume(self) -> None:
        for charger_id, vendor, model in await self.ctx.store.read(_store.charger_models):
            self.model.charger_model(charger_id, vendor, model)
        self.model.resume(await self.ctx.store.read(_store.open_outages))

    async def _flush_loop(self) -> None:
        while True:
            await trio.sleep(self.cfg.flush_interval_s)
            await self.flush()

    async def flush(self) -> None:
        """Append what changed to the ledger (a failed append is retried next time)."""
        now = utc_now()
        batch = [*self._unwritten, *self.model.flush(now)]
        if not batch:
            return
        try:
            await self.ctx.store.write(lambda db: _store.append_outages(db, batch, now))
        except Exception:
            log.exception("outage ledger append failed; %d rows kept for the next try", len(batch))
            _metrics.LEDGER_WRITE_FAILURES.inc()
            self._unwritten = batch
            return
        self._unwritten = []
        for record in batch:
            _metrics.OUTAGE_RECORDS.labels(_kind(record)).inc()

    async def _detect_loop(self, nursery: trio.Nursery) -> None:
        while True:
            await trio.sleep(self.cfg.detection.check_interval_s)
            await self.detector.check(nursery)
            self.rules.check(utc_now())
            try:
                await self._gauges()
            except Exception:
                log.exception("maintenance gauges not updated")

    async def _gauges(self) -> None:
        tally = dict.fromkeys((str(h) for h in Health), 0)
        for i, health in enumerate(self.model.connector_healths(), 1):
            tally[str(health)] += 1
            if i % _GAUGE_CHUNK == 0:  # let chargers be answered meanwhile (10,000s of ports)
                await trio.lowlevel.checkpoint()
        for name, n in tally.items():
            _metrics.PORTS.labels(name).set(n)
        chargers, tickets = await self.ctx.store.read(_store.fleet_counts)
        _metrics.REGISTERED_CHARGERS.set(chargers)
        for severity in ("critical", "high", "medium", "low"):
            _metrics.OPEN_TICKETS.labels(severity).set(tickets.get(severity, 0))

    async def _certificate_loop(self) -> None:
        while True:
            try:
                await self.certificates.check()
            except Exception:
                log.exception("certificate expiry check failed")
            await trio.sleep(self.cfg.rules.certificate_check_s)

    def api_listening(self, base_url: str) -> None:
        self.files.listening(base_url)

    def api(self) -> ApiExtension:
        return maintenance_api(self)
