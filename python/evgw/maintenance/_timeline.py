"""One port's history as points in event time, and the down intervals it implies (pure).

Every source (the link, the charger as a whole, the port's own status, its delivered power)
sets a condition at an instant: a cause (down) or None (up). The port is down while any
source is down; overlapping causes make one interval. Points may arrive out of order (a
charger replaying queued notifications after an outage): they are inserted in time order and
the intervals derived again, so a replay corrects history and is never counted twice.
"""

from __future__ import annotations

import bisect
import enum
from datetime import datetime, timedelta

import attrs

from ._model import Cause, Interval


class Source(enum.IntEnum):
    LINK = 0
    CHARGER = 1  # connector 0: the charger as a whole
    PORT = 2
    POWER = 3
    DEVICE = 4  # 2.x NotifyEvent Problem / Tripped on an EVSE or connector
    CHARGER_DEVICE = 5  # ... on the charging station


Point = tuple[datetime, Source, Cause | None]


@attrs.define
class Baseline:
    """The state folded out of the retained points (conditions and the open outage's start)."""

    active: dict[Source, Cause] = attrs.field(factory=dict)
    down_since: datetime | None = None
    causes: set[Cause] = attrs.field(factory=set)


@attrs.define
class _Derived:
    """What `derive` computed last time: points applied, the state after, intervals closed."""

    done: int
    state: Baseline
    closed: list[Interval]


@attrs.define
class Timeline:
    points: list[Point] = attrs.field(factory=list)
    baseline: Baseline = attrs.field(factory=Baseline)
    cache: _Derived | None = None  # dropped when a point is inserted before the end

    def add(self, point: Point) -> bool:
        """Insert in time order; False when the same point is already there (a replay)."""
        points = self.points
        if not points or point[0] > points[-1][0]:  # the common case: in order
            points.append(point)
            return True
        index = bisect.bisect_right(self.points, point[0], key=lambda p: p[0])
        probe = index - 1
        while probe >= 0 and self.points[probe][0] == point[0]:
            if self.points[probe] == point:
                return False
            probe -= 1
        self.points.insert(index, point)
        self.cache = None
        return True

    def fold_before(self, horizon: datetime, keep_at_most: int) -> None:
        """Fold old points into the baseline: those before `horizon`, and the oldest beyond
        `keep_at_most`. The intervals they closed are already in the ledger."""
        cut = bisect.bisect_left(self.points, horizon, key=lambda p: p[0])
        cut = max(cut, len(self.points) - keep_at_most)
        if cut <= 0:
            return
        last = self.points[cut - 1][0]
        for point in self.points[:cut]:
            _apply(self.baseline, point)
        del self.points[:cut]
        cache = self.cache
        if cache is not None and cache.done >= cut:
            cache.done -= cut
            cache.closed = [i for i in cache.closed if i.end is None or i.end > last]
        else:
            self.cache = None


def _apply(state: Baseline, point: Point) -> Interval | None:
    """Apply one point; answer the interval it closes, if any."""
    at, source, cause = point
    was_down = bool(state.active)
    if cause is None:
        state.active.pop(source, None)
    else:
        state.active[source] = cause
    if not was_down and state.active:
        state.down_since, state.causes = at, set(state.active.values())
        return None
    if was_down and not state.active:
        closed = _interval(state, at)
        state.down_since, state.causes = None, set()
        return closed
    if cause is not None:
        state.causes.add(cause)
    return None


def _interval(state: Baseline, end: datetime | None) -> Interval:
    assert state.down_since is not None
    primary = min(state.causes, key=_priority) if state.causes else Cause.HARDWARE
    return Interval(state.down_since, end, primary, frozenset(state.causes))


_PRIORITY = {cause: rank for rank, cause in enumerate(Cause)}


def _priority(cause: Cause) -> int:
    return _PRIORITY[cause]


def derive(timeline: Timeline, merge_gap: timedelta) -> list[Interval]:
    """The down intervals, oldest first; gaps shorter than `merge_gap` (flapping) merged."""
    cache = timeline.cache
    if cache is None:
        base = timeline.baseline
        state = Baseline(dict(base.active), base.down_since, set(base.causes))
        cache = timeline.cache = _Derived(0, state, [])
    points = timeline.points
    for index in range(cache.done, len(points)):
        closed = _apply(cache.state, points[index])
        if closed is not None:
            cache.closed.append(closed)
    cache.done = len(points)
    intervals = list(cache.closed)
    if cache.state.active:
        intervals.append(_interval(cache.state, None))
    return merge_close(intervals, merge_gap)


def merge_close(intervals: list[Interval], gap: timedelta) -> list[Interval]:
    merged: list[Interval] = []
    for interval in intervals:
        if interval.end is not None and interval.end <= interval.start:
            continue
        last = merged[-1] if merged else None
        if last is not None and last.end is not None and interval.start - last.end < gap:
            causes = last.causes | interval.causes
            merged[-1] = Interval(last.start, interval.end, last.cause, causes)
        else:
            merged.append(interval)
    return merged
