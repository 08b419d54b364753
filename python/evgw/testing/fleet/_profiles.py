"""Charging profiles the way a charger applies them (version-neutral; units per phase).

Purposes: ChargePointMaxProfile (connector 0, caps the whole charger), TxDefaultProfile
(connector N or 0 for all; a connector's own one wins), TxProfile (the running transaction).
The highest stack level with a period active now wins within a purpose.
"""

from __future__ import annotations

import itertools
from typing import Any

import attrs

from evgw.testing.fleet._ev import VOLTAGE

CP_MAX = "ChargePointMaxProfile"
TX_DEFAULT = "TxDefaultProfile"
TX = "TxProfile"
PURPOSES = (CP_MAX, TX_DEFAULT, TX)
RECURRENCE_S = {"Daily": 86_400.0, "Weekly": 604_800.0}


@attrs.frozen
class Period:
    start_s: float
    limit: float
    number_phases: int | None = None


@attrs.frozen
class Profile:
    id: int
    stack_level: int
    purpose: str
    kind: str  # Absolute | Relative | Recurring
    unit: str  # A | W
    periods: tuple[Period, ...]
    start_s: float | None = None  # schedule start, simulated seconds
    duration_s: float | None = None
    recurrency: str | None = None
    transaction_id: int | str | None = None
    valid_from_s: float | None = None
    valid_to_s: float | None = None
    raw: dict[str, Any] | None = attrs.field(default=None, eq=False)  # as the CSMS sent it

    def limit_a(self, now: float, tx_start: float | None) -> float | None:
        """Per-phase current limit at `now`, or None when no period of this profile applies."""
        if (self.valid_from_s is not None and now < self.valid_from_s) or (
            self.valid_to_s is not None and now >= self.valid_to_s
        ):
            return None
        elapsed = now - self._origin(now, tx_start)
        if self.kind == "Recurring" and self.recurrency in RECURRENCE_S:
            elapsed %= RECURRENCE_S[self.recurrency]
        if elapsed < 0 or (self.duration_s is not None and elapsed >= self.duration_s):
            return None
        active = [p for p in self.periods if p.start_s <= elapsed]
        return _to_amps(active[-1], self.unit) if active else None

    def _origin(self, now: float, tx_start: float | None) -> float:
        if self.kind == "Relative":
            return tx_start if tx_start is not None else now
        return self.start_s if self.start_s is not None else (self.valid_from_s or 0.0)


def periods_from(raw: list[dict[str, Any]]) -> tuple[Period, ...]:
    """chargingSchedulePeriod (same fields in 1.6 and 2.0.1); ValueError where a charger
    rejects it: empty, not starting at 0, not in increasing order, a negative limit."""
    periods = tuple(
        Period(float(x["startPeriod"]), float(x["limit"]), x.get("numberPhases")) for x in raw
    )
    if not periods or periods[0].start_s != 0 or any(x.limit < 0 for x in periods):
        raise ValueError("schedule must start at 0 with non-negative limits")
    if any(b.start_s <= a.start_s for a, b in itertools.pairwise(periods)):
        raise ValueError("schedule periods out of order")
    return periods


def _to_amps(period: Period, unit: str) -> float:
    if unit == "A":
        return period.limit
    return period.limit / (VOLTAGE * (period.number_phases or 3))


class ProfileStore:
    """The profiles installed on one charger, by connector (0 = the whole charger)."""

    def __init__(self) -> None:
        self._by_connector: dict[int, list[Profile]] = {}

    def install(self, connector_id: int, profile: Profile) -> None:
        for cid, profiles in self._by_connector.items():
            self._by_connector[cid] = [p for p in profiles if p.id != profile.id]
        kept = [
            p
            for p in self._by_connector.get(connector_id, [])
            if (p.purpose, p.stack_level) != (profile.purpose, profile.stack_level)
        ]
        self._by_connector[connector_id] = [*kept, profile]

    def clear(
        self,
        *,
        profile_id: int | None = None,
        connector_id: int | None = None,
        purpose: str | None = None,
        stack_level: int | None = None,
    ) -> int:
        """Remove matching profiles; return how many went."""
        removed = 0
        for cid, profiles in self._by_connector.items():
            keep = [
                p
                for p in profiles
                if not _matches(
                    p,
                    cid=cid,
                    profile_id=profile_id,
                    connector_id=connector_id,
                    purpose=purpose,
                    stack_level=stack_level,
                )
            ]
            removed += len(profiles) - len(keep)
            self._by_connector[cid] = keep
        return removed

    def profiles(self, connector_id: int) -> list[Profile]:
        return list(self._by_connector.get(connector_id, []))

    def tx_limit_a(
        self, connector_id: int, now: float, tx_id: int | str | None, tx_start: float | None
    ) -> float | None:
        """The transaction's limit: its TxProfile, else the connector's or the default TxDefault."""
        tx = [
            p
            for p in self.profiles(connector_id)
            if p.purpose == TX and p.transaction_id in (None, tx_id)
        ]
        for candidates in (tx, self._of(connector_id, TX_DEFAULT), self._of(0, TX_DEFAULT)):
            limit = _highest(candidates, now, tx_start)
            if limit is not None:
                return limit
        return None

    def charger_limit_a(self, now: float) -> float | None:
        return _highest(self._of(0, CP_MAX), now, None)

    def _of(self, connector_id: int, purpose: str) -> list[Profile]:
        return [p for p in self.profiles(connector_id) if p.purpose == purpose]


def _highest(profiles: list[Profile], now: float, tx_start: float | None) -> float | None:
    for profile in sorted(profiles, key=lambda p: -p.stack_level):
        limit = profile.limit_a(now, tx_start)
        if limit is not None:
            return limit
    return None


def _matches(
    p: Profile,
    *,
    cid: int,
    profile_id: int | None,
    connector_id: int | None,
    purpose: str | None,
    stack_level: int | None,
) -> bool:
    if profile_id is not None:
        return p.id == profile_id
    return (
        (connector_id is None or cid == connector_id)
        and (purpose is None or p.purpose == purpose)
        and (stack_level is None or p.stack_level == stack_level)
    )
