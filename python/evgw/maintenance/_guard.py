"""Guardrails before an automatic reset, and the fleet circuit breaker (pure)."""

from __future__ import annotations

import collections
import enum
from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from ._config import DetectionRules, RemediationConfig


class ResetVerdict(enum.StrEnum):
    ALLOWED = "allowed"
    SESSION_ACTIVE = "session_active"  # defer (1.6) or OnIdle (2.x)
    BUDGET_EXHAUSTED = "reset_budget_exhausted"
    COOLING_DOWN = "reset_cooldown"
    STORM = "fleet_storm"


@attrs.frozen
class ResetFacts:
    now: datetime
    resets_in_last_day: Sequence[datetime]  # automatic resets already sent to this charger
    active_sessions: int
    storm: bool


def reset_verdict(facts: ResetFacts, cfg: RemediationConfig) -> ResetVerdict:
    if facts.storm:
        return ResetVerdict.STORM
    if len(facts.resets_in_last_day) >= cfg.reset_budget_per_day:
        return ResetVerdict.BUDGET_EXHAUSTED
    last = max(facts.resets_in_last_day, default=None)
    if last is not None and facts.now - last < timedelta(seconds=cfg.reset_cooldown_s):
        return ResetVerdict.COOLING_DOWN
    if facts.active_sessions:
        return ResetVerdict.SESSION_ACTIVE
    return ResetVerdict.ALLOWED


class StormGuard:
    """More than `storm_share` of the connected chargers (and at least `storm_min_chargers`)
    dropping within `storm_window_s` is one platform incident: per-charger tickets and resets
    are held for `storm_hold_s`."""

    def __init__(self, rules: DetectionRules) -> None:
        self.rules = rules
        self._drops: collections.deque[datetime] = collections.deque()
        self.held_until: datetime | None = None

    def active(self, now: datetime) -> bool:
        return self.held_until is not None and now < self.held_until

    def dropped(self, now: datetime, still_connected: int) -> bool:
        """Record a disconnect; True when this one starts a storm."""
        window = timedelta(seconds=self.rules.storm_window_s)
        self._drops.append(now)
        while self._drops and now - self._drops[0] > window:
            self._drops.popleft()
        drops = len(self._drops)
        fleet = still_connected + drops
        if drops < self.rules.storm_min_chargers or drops <= self.rules.storm_share * fleet:
            return False
        starts = not self.active(now)
        self.held_until = now + timedelta(seconds=self.rules.storm_hold_s)
        return starts
