"""The health model: ports' timelines fed by observations, flushed to ledger records (pure).

No I/O and no clock of its own: callers pass the arrival time and the current time. The
component feeds it from the domain events and appends what `flush` answers to the store.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

import attrs

from ._classify import StatusFacts, classify
from ._config import MaintenanceConfig
from ._ledger import current_after, ledger_changes
from ._model import Cause, Health, Interval, OutageRecord, PortKey
from ._timeline import Point, Source, Timeline, derive


@attrs.frozen
class PortHealth:
    port: PortKey
    health: Health
    cause: Cause | None
    since: datetime | None
    warning: str | None


@attrs.define
class _Port:
    timeline: Timeline = attrs.field(factory=Timeline)
    written: list[OutageRecord] = attrs.field(factory=list)
    warning: str | None = None


@attrs.define
class _Charger:
    shared: list[Point] = attrs.field(factory=list)  # link and connector-0 points
    ports: dict[tuple[int, int], _Port] = attrs.field(factory=dict)
    vendor: str = ""
    model: str = ""


@attrs.define
class Counters:
    observations: int = 0
    replays: int = 0  # a point already known (dropped)
    clock_rejected: int = 0  # event time outside the accepted window: arrival time used
    ignored_connectors: int = 0
    quirks_ignored: int = 0
    warnings: int = 0
    records: int = 0


def _new_id() -> str:
    return uuid.uuid4().hex


class HealthModel:
    def __init__(self, cfg: MaintenanceConfig, new_id: Callable[[], str] = _new_id) -> None:
        self.cfg = cfg
        self.new_id = new_id
        self.counters = Counters()
        self._chargers: dict[str, _Charger] = {}
        self._dirty: dict[PortKey, datetime] = {}  # port -> earliest point added since flush
        h = cfg.health
        self._replay = timedelta(seconds=h.replay_window_s)
        self._skew = timedelta(seconds=h.future_skew_s)
        self._merge = timedelta(seconds=h.flap_merge_s)

    # observations ----------------------------------------------------------------------------

    def charger_model(self, charger_id: str, vendor: str, model: str) -> None:
        charger = self._charger(charger_id)
        charger.vendor, charger.model = vendor, model

    def model_of(self, charger_id: str) -> tuple[str, str]:
        charger = self._chargers.get(charger_id)
        return (charger.vendor, charger.model) if charger else ("", "")

    def link(self, charger_id: str, at: datetime, *, online: bool) -> None:
        """Connected (online) or lost since `at` (the last frame received)."""
        self._shared(charger_id, (at, Source.LINK, None if online else Cause.CONNECTIVITY))

    def status(
        self,
        port: PortKey,
        facts: StatusFacts,
        at: datetime,
        received_at: datetime,
    ) -> bool:
        """A status notification; False when it was not taken (unknown connector, quirk)."""
        limit = self.cfg.health.max_connectors
        if not (0 <= port.evse_id <= limit and 0 <= port.connector_id <= limit):
            self.counters.ignored_connectors += 1
            return False
        charger = self._charger(port.charger_id)
        if self.cfg.health.quirks:
            facts = attrs.evolve(facts, vendor=charger.vendor, model=charger.model)
        verdict = classify(facts, self.cfg)
        if verdict.ignored:
            self.counters.quirks_ignored += 1
            return False
        when = self.event_time(at, received_at)
        if port.connector_id == 0:
            self._shared(port.charger_id, (when, Source.CHARGER, verdict.cause))
            return True
        state = self._port(charger, port)
        state.warning = verdict.warning
        self.counters.warnings += verdict.warning is not None
        self._add(port, state, (when, Source.PORT, verdict.cause))
        return True

    def power(
        self, port: PortKey, cause: Cause | None, at: datetime, received_at: datetime
    ) -> None:
        """Derated (`cause`) or delivering its minimum power again (None) since `at`."""
        charger = self._charger(port.charger_id)
        when = self.event_time(at, received_at)
        self._add(port, self._port(charger, port), (when, Source.POWER, cause))

    def device_problem(
        self,
        charger_id: str,
        *,
        evse_id: int | None,
        connector_id: int | None,
        cause: Cause | None,
        at: datetime,
        received_at: datetime,
    ) -> None:
        """2.x NotifyEvent Problem/Tripped (`cause`) or its clearing (None): the station when
        `evse_id` is None, every known connector of the EVSE when `connector_id` is None."""
        when = self.event_time(at, received_at)
        if evse_id is None:
            self._shared(charger_id, (when, Source.CHARGER_DEVICE, cause))
            return
        charger = self._charger(charger_id)
        conns = [connector_id] if connector_id else [c for e, c in charger.ports if e == evse_id]
        for conn in conns or [1]:
            port = PortKey(charger_id, evse_id, conn)
            self._add(port, self._port(charger, port), (when, Source.DEVICE, cause))

    def event_time(self, at: datetime, received_at: datetime) -> datetime:
        if received_at - self._replay <= at <= received_at + self._skew:
            return at
        self.counters.clock_rejected += 1
        return received_at

    def resume(self, records: Iterable[OutageRecord]) -> None:
        """Seed with the ledger's open records after a restart (their cause keeps them open
        until the charger reports otherwise)."""
        for record in records:
            state = self._port(self._charger(record.port.charger_id), record.port)
            source = Source.LINK if record.interval.cause is Cause.CONNECTIVITY else Source.PORT
            base = state.timeline.baseline
            base.active[source] = record.interval.cause
            base.down_since = record.interval.start
            base.causes = set(record.interval.causes or {record.interval.cause})
            state.written.append(record)

    # output ------------------------------------------------------------------------------------

    def flush(self, now: datetime) -> list[OutageRecord]:
        """Ledger records for what changed since the last flush (the caller appends them)."""
        changes: list[OutageRecord] = []
        horizon = now - self._replay
        for port, earliest in self._dirty.items():
            state = self._chargers[port.charger_id].ports[(port.evse_id, port.connector_id)]
            changes += self._flush_port(port, state, horizon, earliest - self._merge)
        self._dirty.clear()
        self.counters.records += len(changes)
        return changes

    def health(self, port: PortKey) -> PortHealth:
        charger = self._chargers.get(port.charger_id)
        state = charger.ports.get((port.evse_id, port.connector_id)) if charger else None
        if state is None:
            return PortHealth(port, Health.UP, None, None, None)
        outage = self._open_outage(state)
        if outage is not None:
            return PortHealth(port, Health.DOWN, outage.cause, outage.start, None)
        health = Health.DEGRADED if state.warning else Health.UP
        return PortHealth(port, health, None, None, state.warning)

    def connector_healths(self) -> Iterator[Health]:
        """The health of every connector port (connector 0 excluded), unsorted, for counting.
        It walks a snapshot of the chargers, so the caller may yield to the loop between items
        while observations arrive."""
        for charger in list(self._chargers.values()):
            for (_, connector), state in list(charger.ports.items()):
                if connector > 0:
                    if self._open_outage(state) is not None:
                        yield Health.DOWN
                    else:
                        yield Health.DEGRADED if state.warning else Health.UP

    def ports(self) -> list[PortKey]:
        # sorted on plain tuples: PortKey's generated comparison is ~40x slower, which at
        # 30,000 ports held the event loop for a second
        keys = sorted(
            (cid, evse, conn)
            for cid, charger in self._chargers.items()
            for evse, conn in charger.ports
        )
        return [PortKey(*key) for key in keys]

    def intervals(self, port: PortKey) -> list[Interval]:
        state = self._chargers[port.charger_id].ports[(port.evse_id, port.connector_id)]
        return derive(state.timeline, self._merge)

    # internals ---------------------------------------------------------------------------------

    def _open_outage(self, state: _Port) -> Interval | None:
        current = derive(state.timeline, self._merge)
        return current[-1] if current and current[-1].end is None else None

    def _charger(self, charger_id: str) -> _Charger:
        charger = self._chargers.get(charger_id)
        if charger is None:
            charger = self._chargers[charger_id] = _Charger()
        return charger

    def _port(self, charger: _Charger, port: PortKey) -> _Port:
        key = (port.evse_id, port.connector_id)
        state = charger.ports.get(key)
        if state is None:
            state = charger.ports[key] = _Port()
            for point in charger.shared:
                state.timeline.add(point)
        return state

    def _shared(self, charger_id: str, point: Point) -> None:
        charger = self._charger(charger_id)
        charger.shared.append(point)
        del charger.shared[: -self.cfg.health.max_points_per_port]
        for (evse, conn), state in charger.ports.items():
            self._add(PortKey(charger_id, evse, conn), state, point)

    def _add(self, port: PortKey, state: _Port, point: Point) -> None:
        self.counters.observations += 1
        if state.timeline.add(point):
            earliest = self._dirty.get(port)
            if earliest is None or point[0] < earliest:
                self._dirty[port] = point[0]
        else:
            self.counters.replays += 1

    def _flush_port(
        self, port: PortKey, state: _Port, horizon: datetime, changed: datetime
    ) -> list[OutageRecord]:
        """Diff only what the new points can have changed: intervals ending after `changed`
        (the earliest new point less the merge gap); earlier ones are as written."""
        timeline = state.timeline
        timeline.fold_before(horizon, self.cfg.health.max_points_per_port)
        first = timeline.points[0][0] if timeline.points else None
        cut = changed
        kept, tail = _split(state.written, cut, first)
        derived = [i for i in derive(timeline, self._merge) if i.end is None or i.end >= cut]
        changes = ledger_changes(port, tail, derived, self.new_id)
        state.written = kept + current_after(tail, changes)
        return changes


def _split(
    written: list[OutageRecord], cut: datetime, first: datetime | None
) -> tuple[list[OutageRecord], list[OutageRecord]]:
    """(records before `cut` still retained, records from `cut` on); records that ended before
    the first retained point are final and dropped."""
    kept: list[OutageRecord] = []
    tail: list[OutageRecord] = []
    for record in written:
        end = record.interval.end
        if end is not None and (first is None or end < first):
            continue
        (tail if end is None or end >= cut else kept).append(record)
    return kept, tail
