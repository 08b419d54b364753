"""Offline detection: a charger silent for max(2 x heartbeat interval, a floor) is probed with
TriggerMessage(Heartbeat); no frame by the probe's timeout -> offline since its last frame."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import trio

from evgw.gateway._commands import Commander, CommandError, ConnectionInfo
from evgw.ocpp._time import utc_now

from . import _metrics
from ._health import HealthModel

log = logging.getLogger("evgw.maintenance")


class OfflineDetector:
    def __init__(
        self,
        commander: Commander,
        model: HealthModel,
        *,
        threshold_s: float,
        probe_timeout_s: float,
    ) -> None:
        self.commander = commander
        self.model = model
        self.threshold = timedelta(seconds=threshold_s)
        self.probe_timeout_s = probe_timeout_s
        self.offline: dict[str, datetime] = {}  # charger -> last frame before the silence
        self._probing: set[str] = set()
        self.on_offline: Callable[[str, datetime], None] = lambda charger_id, since: None

    def connected(self, charger_id: str) -> None:
        self.offline.pop(charger_id, None)

    async def check(self, nursery: trio.Nursery) -> None:
        """One pass over the live connections."""
        now = utc_now()
        for info in self.commander.connections():
            cid = info.charger_id
            silent_since = self.offline.get(cid)
            if silent_since is not None:
                if info.last_frame_at > silent_since:  # it spoke again: the outage ends
                    self.model.link(cid, info.last_frame_at, online=True)
                    del self.offline[cid]
            elif now - info.last_frame_at > self.threshold and cid not in self._probing:
                self._probing.add(cid)
                nursery.start_soon(self._probe, info)

    async def _probe(self, info: ConnectionInfo) -> None:
        cid = info.charger_id
        try:
            payload = {"requestedMessage": "Heartbeat"}
            await self.commander.call(cid, "TriggerMessage", payload, timeout=self.probe_timeout_s)
        except CommandError as exc:
            log.info("%s: offline probe failed: %s", cid, exc)
        finally:
            self._probing.discard(cid)
        current = self.commander.connection(cid)
        if current is None or current.last_frame_at > info.last_frame_at:
            _metrics.PROBES.labels("alive").inc()
            return  # it answered, or it is gone (the disconnect event records the outage)
        _metrics.PROBES.labels("offline").inc()
        log.warning("%s: no frame since %s: offline", cid, info.last_frame_at.isoformat())
        self.offline[cid] = info.last_frame_at
        self.model.link(cid, info.last_frame_at, online=False)
        self.on_offline(cid, info.last_frame_at)
