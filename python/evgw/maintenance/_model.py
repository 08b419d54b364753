"""The maintenance vocabulary: cause classes, ports, outage intervals and ledger records."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs


class Cause(enum.StrEnum):
    """Why a port is not up (the outage ledger's cause classes)."""

    HARDWARE = "hardware"
    CONNECTIVITY = "connectivity"
    FIRMWARE = "firmware"
    PAYMENT = "payment"
    OUT_OF_SERVICE = "out_of_service"  # Unavailable without a fault (operator, update, ...)
    EV = "ev"
    UTILITY = "utility"
    VANDALISM = "vandalism"
    NATURAL_DISASTER = "natural_disaster"
    SCHEDULED_MAINTENANCE = "scheduled_maintenance"
    OUTSIDE_HOURS = "outside_hours"


class Health(enum.StrEnum):
    UP = "up"
    DEGRADED = "degraded"
    DOWN = "down"


@attrs.frozen(order=True, cache_hash=True)
class PortKey:
    """One port: 1.6 connector N is (N, 1); the charger as a whole is (0, 0)."""

    charger_id: str
    evse_id: int
    connector_id: int

    @property
    def label(self) -> str:
        return f"{self.charger_id}/{self.evse_id}/{self.connector_id}"


@attrs.frozen
class Interval:
    """A span of down time in event time; ``end`` None while it lasts."""

    start: datetime
    end: datetime | None
    cause: Cause
    causes: frozenset[Cause] = frozenset()

    def overlaps(self, other: Interval) -> bool:
        self_ends_after = self.end is None or self.end > other.start
        other_ends_after = other.end is None or other.end > self.start
        return self.start == other.start or (self_ends_after and other_ends_after)


@attrs.frozen
class OutageRecord:
    """One append-only ledger row. A later row that ``supersedes`` it replaces it; a ``void``
    row withdraws it (a replayed history showed the port was up)."""

    id: str
    port: PortKey
    interval: Interval
    supersedes: str | None = None
    void: bool = False
