"""Detection rules beside the health model: offline too long, stuck Preparing, repeated failed
starts, reboot loops, critical security events, and the fleet storm (one platform incident).
Event handlers are quick; timed rules are checked by `check`."""

from __future__ import annotations

import collections
from datetime import datetime, timedelta

from evgw import events as ev

from . import _metrics
from ._config import MaintenanceConfig
from ._desk import TicketDesk
from ._guard import StormGuard
from ._model import PortKey
from ._tickets import Incident, Severity


def charger_key(charger_id: str) -> str:
    return f"charger:{charger_id}"


class Rules:
    def __init__(self, cfg: MaintenanceConfig, desk: TicketDesk, storm: StormGuard) -> None:
        self.cfg = cfg
        self.rules = cfg.rules
        self.desk = desk
        self.storm = storm
        self.offline_since: dict[str, datetime] = {}
        self.preparing_since: dict[PortKey, datetime] = {}
        self.failed: collections.Counter[PortKey] = collections.Counter()
        self.sessions: dict[str, tuple[PortKey, int | None, datetime]] = {}
        self.boots: dict[str, collections.deque[datetime]] = {}
        self.caused_boots_until: dict[str, datetime] = {}
        self.storm_covered: set[str] = set()  # offline chargers the platform incident covers

    def _raise(self, incident: Incident) -> None:
        _metrics.INCIDENTS.labels(incident.kind).inc()
        self.desk.raise_nowait(incident)

    def _charger(
        self, cid: str, kind: str, severity: Severity, title: str, **detail: object
    ) -> None:
        self._raise(Incident(charger_key(cid), cid, kind, severity, title, dict(detail)))

    # events ------------------------------------------------------------------------------------

    def disconnected(self, e: ev.ChargerDisconnected, still_connected: int, now: datetime) -> None:
        self.offline_since.setdefault(e.charger_id, e.last_frame_at)
        if self.storm.active(now):
            self.storm_covered.add(e.charger_id)
        if self.storm.dropped(now, still_connected):
            self.storm_covered.update(self.offline_since)
            held = self.storm.held_until
            self._raise(
                Incident(
                    "platform",
                    None,
                    "platform",
                    Severity.CRITICAL,
                    "fleet-wide connection loss: many chargers dropped within a minute",
                    {"still_connected": still_connected, "held_until": held},
                )
            )

    def offline(self, charger_id: str, since: datetime) -> None:
        self.offline_since.setdefault(charger_id, since)

    def connected(self, charger_id: str) -> None:
        self.offline_since.pop(charger_id, None)
        self.storm_covered.discard(charger_id)

    def status(self, port: PortKey, status: str, at: datetime) -> None:
        if status == "Preparing":
            self.preparing_since.setdefault(port, at)
        else:
            self.preparing_since.pop(port, None)

    def started(self, e: ev.TransactionStarted) -> None:
        port = PortKey(e.charger_id, e.evse_id, e.connector_id)
        self.preparing_since.pop(port, None)
        if not e.duplicate:
            self.sessions[e.transaction_id] = (port, e.meter_start_wh, e.started_at)

    def stopped(self, e: ev.TransactionStopped) -> None:
        found = self.sessions.pop(e.transaction_id, None)
        if found is None or e.duplicate:
            return
        port, meter_start, started_at = found
        energy = (e.meter_stop_wh or 0) - (meter_start or 0)
        short = e.stopped_at - started_at < timedelta(seconds=self.rules.failed_start_max_s)
        if energy >= self.cfg.session_success_wh or not short:
            self.failed[port] = 0
            return
        self.failed[port] += 1
        if self.failed[port] >= self.rules.failed_starts:
            self.failed[port] = 0
            self._charger(
                port.charger_id,
                "failed_starts",
                Severity.MEDIUM,
                f"{port.label}: {self.rules.failed_starts} failed sessions in a row",
                port=port.label,
            )

    def reset_sent(self, charger_id: str, until: datetime) -> None:
        """Boots until `until` are ours (a reset), not a reboot loop."""
        self.caused_boots_until[charger_id] = until

    def booted(self, e: ev.ChargerBooted) -> None:
        ours = self.caused_boots_until.get(e.charger_id)
        if ours is not None and e.at <= ours:
            return
        boots = self.boots.setdefault(e.charger_id, collections.deque())
        boots.append(e.at)
        window = timedelta(seconds=self.rules.reboot_loop_window_s)
        while boots and e.at - boots[0] > window:
            boots.popleft()
        if len(boots) >= self.rules.reboot_loop_count:
            boots.clear()
            self._charger(
                e.charger_id,
                "reboot_loop",
                Severity.HIGH,
                f"{e.charger_id} booted {self.rules.reboot_loop_count} times within"
                f" {self.rules.reboot_loop_window_s:g} s",
            )

    def security(self, e: ev.SecurityEventReceived) -> None:
        """The charger's own critical mark (per OCPP version, evgw.ocpp._security_events)
        decides; routine critical events (a reboot, a firmware update) are left out."""
        if e.critical and e.kind not in self.rules.security_routine:
            self._charger(
                e.charger_id,
                "security",
                Severity.CRITICAL,
                f"{e.charger_id}: security event {e.kind}",
                tech_info=e.tech_info,
            )

    def certificate(self, incident: Incident) -> None:
        self._raise(incident)

    # timed rules -------------------------------------------------------------------------------

    def check(self, now: datetime) -> None:
        if self.storm.active(now):
            return
        offline_limit = timedelta(seconds=self.rules.offline_ticket_s)
        for cid, since in list(self.offline_since.items()):
            if now - since > offline_limit and cid not in self.storm_covered:
                del self.offline_since[cid]  # once per offline period
                self._charger(
                    cid, "offline", Severity.MEDIUM, f"{cid} offline since {since.isoformat()}"
                )
        stuck_limit = timedelta(seconds=self.rules.stuck_preparing_s)
        for port, since in list(self.preparing_since.items()):
            if now - since > stuck_limit:
                del self.preparing_since[port]
                self._charger(
                    port.charger_id,
                    "stuck_preparing",
                    Severity.LOW,
                    f"{port.label} in Preparing without a transaction since {since.isoformat()}",
                    port=port.label,
                )
