"""What load management knows about each connector (sans-IO; fed by the domain events).

Times are monotonic seconds (`now`), passed in. Keys are (charger id, EVSE id): a 1.6
connector N is EVSE N, which is also the connectorId of its SetChargingProfile.
"""

from __future__ import annotations

import math
from collections import deque

import attrs

Key = tuple[str, int]


@attrs.define
class Policy:
    """From the `session_policy` plugin hook (or the defaults)."""

    priority: int = 1
    weight: float = 1.0
    departure_at: float | None = None  # monotonic seconds
    energy_wh: float | None = None  # energy wanted in this session


@attrs.define
class Live:
    key: Key
    max_a: float
    transaction_id: str | None = None
    started_at: float = 0.0
    meter_start_wh: float | None = None
    energy_wh: float | None = None  # last register reading
    policy: Policy = attrs.field(factory=Policy)
    # measured currents: (time, highest phase current), and the phases seen in use
    samples: deque[tuple[float, float]] = attrs.field(factory=deque)
    phases_in_use: int = 0
    last_phase_a: tuple[float, float, float] = (0.0, 0.0, 0.0)
    # what the charger has (last accepted profile) and what is in flight
    sent_a: float | None = None
    sent_at: float = -math.inf
    pending: bool = False
    # allocator state
    allocated_a: float = 0.0
    state_since: float = 0.0  # when it last went charging <-> paused
    paused_idle: bool = False  # paused while it drew (almost) nothing: behind the waiters
    fixed_a: float = math.nan
    fixed_why: str | None = None  # rejected, unanswered, noncompliant, offline
    fixed_since: float = -math.inf  # since when; for rejected/unanswered: the last failure
    failures: int = 0  # profiles in a row rejected or unanswered
    online: bool = True
    v201: bool = False  # the charger speaks OCPP 2.x (2.0.1 profiles)
    ocpp_transaction_id: str | None = None  # 2.x: the charger's transactionId (TxProfile)
    # caps from outside the allocator, A per phase (inf = none)
    plan_cap_a: float = math.inf  # the planner's, for the current slot (0 = deferred)
    ev_max_a: float = math.inf  # ISO 15118 evMaxCurrent (NotifyEVChargingNeeds)
    ev_min_a: float = 0.0  # ISO 15118 evMinCurrent
    external_a: dict[str, float] = attrs.field(factory=dict)  # NotifyChargingLimit per source

    def cap_a(self) -> float:
        """The lowest of the planner's, the EV's and the station's external limits."""
        return min(self.plan_cap_a, self.ev_max_a, *self.external_a.values())

    @property
    def active(self) -> bool:
        return self.transaction_id is not None

    def measured(
        self, now: float, window_s: float, stale_s: float, since: float = -math.inf
    ) -> float:
        """Highest phase current over the window (and not before `since`); NaN when unknown
        or stale."""
        while self.samples and self.samples[0][0] < now - max(window_s, stale_s):
            self.samples.popleft()
        start = max(now - window_s, since)
        recent = [a for t, a in self.samples if t >= start]
        if not self.samples or self.samples[-1][0] < now - stale_s or not recent:
            return math.nan
        return max(recent)

    def record(self, now: float, phases: tuple[float, ...]) -> None:
        known = [a for a in phases if not math.isnan(a)]
        self.samples.append((now, max(known)))
        self.last_phase_a = (
            _zero_nan(phases[0]),
            _zero_nan(phases[1]),
            _zero_nan(phases[2]),
        )
        in_use = sum(1 for a in known if a > 1.0)
        if in_use:
            self.phases_in_use = max(self.phases_in_use, in_use)

    def start(self, transaction_id: str, now: float, meter_start_wh: float | None) -> None:
        self.transaction_id = transaction_id
        self.started_at = self.state_since = now
        self.meter_start_wh = self.energy_wh = meter_start_wh
        self.samples.clear()
        self.phases_in_use = 0
        self.policy = Policy()
        self.allocated_a = 0.0
        self.paused_idle = False
        self.failures = 0
        self.ocpp_transaction_id = None
        self.plan_cap_a, self.ev_max_a, self.ev_min_a = math.inf, math.inf, 0.0
        self.clear_fixed()

    def stop(self, now: float) -> None:
        self.transaction_id = None
        self.state_since = now
        self.samples.clear()
        self.last_phase_a = (0.0, 0.0, 0.0)
        self.sent_a = None  # the TxProfile ends with the transaction
        self.plan_cap_a = math.inf
        self.clear_fixed()

    def set_fixed(self, amps: float, why: str, now: float) -> None:
        if self.fixed_why is None:
            self.fixed_since = now
        self.fixed_a, self.fixed_why = amps, why

    def failed(self, amps: float, why: str, now: float) -> None:
        """A profile was rejected or unanswered: a fixed load; the retry clock restarts."""
        self.set_fixed(amps, why, now)
        self.fixed_since = now
        self.failures += 1

    def clear_fixed(self) -> None:
        self.fixed_a, self.fixed_why = math.nan, None

    def last_known_max(self) -> float:
        """What it may draw when it does not take our profile: its last accepted limit, or
        the EVSE maximum when none was accepted; never less than it was seen to draw."""
        seen = max((a for _, a in self.samples), default=0.0)
        return max(self.max_a if self.sent_a is None else self.sent_a, seen)


def _zero_nan(value: float) -> float:
    return 0.0 if math.isnan(value) else value
