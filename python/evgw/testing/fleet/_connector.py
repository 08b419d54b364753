"""One connector: its EV, transaction, energy register and the limit it applies (with lag)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from evgw.testing.fleet._ev import EV, VOLTAGE
from evgw.testing.fleet._events import Tx

if TYPE_CHECKING:
    from evgw.testing.fleet._reservations import Reservation

MIN_CURRENT_A = 6.0  # IEC 61851: below this an EV pauses


@attrs.define
class Connector:
    id: int
    max_current_a: float = 32.0
    lag_s: float = 2.0  # how long a new limit takes to reach the EV
    status: str = "Available"
    error_code: str = "NoError"
    operative: bool = True
    inoperative_when_free: bool = False  # ChangeAvailability answered Scheduled
    finishing: bool = False  # transaction stopped, EV still plugged in
    ev: EV | None = None
    departure_s: float | None = None
    tx: Tx | None = None
    reservation: Reservation | None = None
    register_wh: float = 0.0
    power_w: float = 0.0
    target_a: float | None = None
    applied_a: float | None = None
    changes: list[tuple[float, float | None]] = attrs.field(factory=list)
    last_s: float = 0.0
    next_meter_s: float = 0.0

    @property
    def faulted(self) -> bool:
        return self.error_code != "NoError"

    def limit_now(self, target_a: float | None) -> None:
        """Apply a limit immediately (a transaction starting under a known profile)."""
        self.target_a = self.applied_a = target_a
        self.changes.clear()
        self._repower()

    def step(self, now: float, target_a: float | None) -> None:
        """Integrate energy up to `now`; a changed target is applied `lag_s` later."""
        if target_a != self.target_a:
            self.target_a = target_a
            self.changes.append((now + self.lag_s, target_a))
        while self.changes and self.changes[0][0] <= now:
            at, limit = self.changes.pop(0)
            self._integrate(at)
            self.applied_a = limit
            self._repower()
        self._integrate(now)
        self._repower()

    def _integrate(self, t: float) -> None:
        dt = t - self.last_s
        if dt <= 0:
            return
        energy = self.power_w * dt / 3600.0
        if self.ev is not None:
            energy = min(energy, max(0.0, self.ev.energy_wanted_wh - self.ev.delivered_wh))
            self.ev.delivered_wh += energy
        self.register_wh += energy
        self.last_s = t

    def _repower(self) -> None:
        limit = min(self.max_current_a, self.applied_a if self.applied_a is not None else 1e9)
        charging = self.ev is not None and self.tx is not None and self.operative
        if not charging or self.faulted or limit < MIN_CURRENT_A or self.ev is None:
            self.power_w = 0.0
            return
        self.power_w = self.ev.draw_w(limit)

    def derived_status(self) -> str:
        """The OCPP 1.6 status this state shows."""
        if self.faulted:
            return "Faulted"
        if not self.operative:
            return "Unavailable"
        if self.tx is None:
            return self._idle_status()
        if self.power_w > 0:
            return "Charging"
        full = self.ev is not None and self.ev.acceptance_w() == 0
        return "SuspendedEV" if full else "SuspendedEVSE"

    def _idle_status(self) -> str:
        if self.ev is None:
            return "Available" if self.reservation is None else "Reserved"
        return "Finishing" if self.finishing else "Preparing"

    def current_a(self) -> tuple[float, ...]:
        phases = self.ev.phases if self.ev else 1
        return tuple(round(self.power_w / VOLTAGE / phases, 2) for _ in range(phases))
