"""A charger's behaviour without I/O: EVs come and go, transactions, profiles, faults, reset.

Time is passed in (simulated seconds); what the charger would report is appended to `events`.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Collection, Sequence

import attrs

from evgw.testing.fleet._connector import Connector
from evgw.testing.fleet._ev import EV, VOLTAGE
from evgw.testing.fleet._events import (
    Event,
    MeterSample,
    ReservationEnded,
    StatusChanged,
    Tx,
    TxStarted,
    TxStopped,
)
from evgw.testing.fleet._profiles import ProfileStore
from evgw.testing.fleet._reservations import Reservation, Reservations, refusal

HISTORY = 20  # finished transactions a charger remembers (CustomerInformation reports them)


@attrs.frozen
class ModelSettings:
    connectors: int = 2
    max_current_a: float = 32.0
    lag_s: float = 2.0
    meter_interval_s: float = 60.0


class ChargerModel:
    def __init__(self, settings: ModelSettings, id_tags: Sequence[str], rng: random.Random) -> None:
        self.settings = settings
        self.connectors = {
            i: Connector(i, max_current_a=settings.max_current_a, lag_s=settings.lag_s)
            for i in range(1, settings.connectors + 1)
        }
        self.profiles = ProfileStore()
        self.events: list[Event] = []
        self.id_tags = list(id_tags) or ["SIMTAG"]
        self.rng = rng
        self.reservations = Reservations()
        self.history: deque[tuple[Tx, int]] = deque(maxlen=HISTORY)  # (tx, meter stop Wh)
        self._tx_ids = 0

    # EVs --------------------------------------------------------------------------------------
    def plug_in(
        self, cid: int, ev: EV, departure_s: float, now: float, id_tag: str | None = None
    ) -> bool:
        """An EV plugs in; not into a connector reserved for another token than `id_tag`."""
        conn = self.connectors[cid]
        if conn.ev is not None or conn.faulted or not conn.operative:
            return False
        if conn.reservation is not None and (id_tag is None or not conn.reservation.admits(id_tag)):
            return False
        self.advance(now)
        conn.ev, conn.departure_s, conn.finishing = ev, departure_s, False
        self._report(conn, now)
        return True

    def unplug(self, cid: int, now: float) -> None:
        conn = self.connectors[cid]
        self.advance(now)
        if conn.tx is not None:
            self.stop_tx(cid, "EVDisconnected", now, unplugged=True)
        conn.ev, conn.departure_s, conn.finishing = None, None, False
        if conn.inoperative_when_free:
            conn.operative, conn.inoperative_when_free = False, False
        self._report(conn, now)

    # transactions -----------------------------------------------------------------------------
    def start_tx(self, cid: int, id_tag: str, now: float) -> Tx | None:
        conn = self.connectors[cid]
        if conn.tx is not None or conn.ev is None or conn.faulted or not conn.operative:
            return None
        allowed, used = self._reservation_for(conn, id_tag)
        if not allowed:
            return None
        self.advance(now)
        self._tx_ids += 1
        tx = Tx(self._tx_ids, cid, id_tag, int(conn.register_wh), now)
        if used is not None:
            tx.reservation_id = used.id
            self.cancel_reservation(used.id, now)
        conn.tx, conn.next_meter_s = tx, now + self.settings.meter_interval_s
        self.events.append(TxStarted(tx, now))
        conn.limit_now(self._target_a(conn, now))
        self._report(conn, now)
        return tx

    def stop_tx(self, cid: int, reason: str, now: float, *, unplugged: bool = False) -> Tx | None:
        conn = self.connectors[cid]
        tx = conn.tx
        if tx is None:
            return None
        self.advance(now)
        if unplugged:
            conn.ev, conn.departure_s = None, None
        conn.tx, conn.finishing = None, conn.ev is not None
        conn.step(now, conn.target_a)
        self.events.append(TxStopped(tx, int(conn.register_wh), reason, now))
        self.history.append((tx, int(conn.register_wh)))
        self.profiles.clear(connector_id=cid, purpose="TxProfile")
        self._report(conn, now)
        return tx

    def active_tx(self, ref: int | str) -> Tx | None:
        """The running transaction the CSMS calls `ref`."""
        for conn in self.connectors.values():
            if conn.tx is not None and conn.tx.ref == ref:
                return conn.tx
        return None

    # reservations -----------------------------------------------------------------------------
    def reserve(self, r: Reservation, now: float) -> str:
        """ReserveNow: Accepted, or Occupied / Faulted / Unavailable. A reservation with the id
        of an existing one replaces it."""
        if r.connector_id is None:
            why = self.reservations.check_anywhere(self.connectors.values(), r)
        else:
            why = refusal(self.connectors[r.connector_id], r.id)
        if why is not None:
            return why
        self.cancel_reservation(r.id, now)
        if r.connector_id is None:
            self.reservations.anywhere.append(r)
        else:
            conn = self.connectors[r.connector_id]
            conn.reservation = r
            self._report(conn, now)
        return "Accepted"

    def cancel_reservation(self, reservation_id: int, now: float) -> Reservation | None:
        """Remove the reservation (None: there is none with that id)."""
        found = self.reservations.drop(reservation_id)
        for conn in self.connectors.values():
            if conn.reservation is not None and conn.reservation.id == reservation_id:
                found, conn.reservation = conn.reservation, None
                self._report(conn, now)
        return found

    def held_reservations(self) -> list[Reservation]:
        on_connectors = [c.reservation for c in self.connectors.values() if c.reservation]
        return [*on_connectors, *self.reservations.anywhere]

    def admits(self, cid: int, id_tag: str) -> bool:
        """May `id_tag` start on connector `cid` as far as reservations go?"""
        return self._reservation_for(self.connectors[cid], id_tag)[0]

    def _reservation_for(self, conn: Connector, id_tag: str) -> tuple[bool, Reservation | None]:
        if conn.reservation is not None:
            ok = conn.reservation.admits(id_tag)
            return ok, conn.reservation if ok else None
        return self.reservations.claim_anywhere(list(self.connectors.values()), conn, id_tag)

    def _expire_reservations(self, now: float) -> None:
        gone = self.reservations.expired(now)
        for conn in self.connectors.values():
            if conn.reservation is not None and conn.reservation.expires_s <= now:
                gone.append(conn.reservation)
                conn.reservation = None
        for r in gone:
            self.events.append(ReservationEnded(r.id, "Expired", now))

    # time -------------------------------------------------------------------------------------
    def advance(self, now: float) -> None:
        """Integrate every connector up to `now` and emit due meter samples and status changes."""
        self._expire_reservations(now)
        charger_a = self.profiles.charger_limit_a(now)
        sharing = max(1, sum(1 for c in self.connectors.values() if c.tx is not None))
        for conn in self.connectors.values():
            target = self._target_a(conn, now)
            if charger_a is not None:
                share = charger_a / sharing
                target = share if target is None else min(target, share)
            conn.step(now, target)
            self._report(conn, now)
            if conn.tx is not None and now >= conn.next_meter_s:
                self.events.append(self.sample(conn, now))
                conn.next_meter_s = now + self.settings.meter_interval_s

    def _target_a(self, conn: Connector, now: float) -> float | None:
        tx = conn.tx
        if tx is None:
            return None
        return self.profiles.tx_limit_a(conn.id, now, tx.ref, tx.start_s)

    def refresh_limits(self, now: float) -> None:
        """Profiles changed: re-evaluate (the connectors apply the result after their lag)."""
        self.advance(now)

    def sample(self, conn: Connector, now: float) -> MeterSample:
        soc = round(conn.ev.soc * 100, 1) if conn.ev else None
        return MeterSample(
            conn.id, conn.tx, now, conn.register_wh, conn.power_w, conn.current_a(), VOLTAGE, soc
        )

    # faults, availability, reset --------------------------------------------------------------
    def fault(self, cid: int, error_code: str, now: float) -> None:
        conn = self.connectors[cid]
        self.advance(now)
        conn.error_code = error_code
        if conn.tx is not None:
            self.stop_tx(cid, "Other", now)
        self._report(conn, now)

    def clear_fault(self, cid: int, now: float) -> None:
        conn = self.connectors[cid]
        conn.error_code = "NoError"
        self._report(conn, now)

    def set_availability(self, cid: int, operative: bool, now: float) -> str:
        """1.6 ChangeAvailability: Accepted, or Scheduled while a transaction runs."""
        targets = list(self.connectors.values()) if cid == 0 else [self.connectors[cid]]
        scheduled = False
        for conn in targets:
            if not operative and conn.tx is not None:
                conn.inoperative_when_free, scheduled = True, True
                continue
            conn.operative, conn.inoperative_when_free = operative, False
            self._report(conn, now)
        return "Scheduled" if scheduled else "Accepted"

    def reset(self, hard: bool, now: float, clears: Collection[str] = ()) -> None:
        """Stop every transaction; a hard reset also drops the profiles (volatile memory).
        Faults whose error code is in `clears` (software faults) are gone after the reboot."""
        for cid, conn in self.connectors.items():
            self.stop_tx(cid, "HardReset" if hard else "SoftReset", now)
            if conn.faulted and conn.error_code in clears:
                self.clear_fault(cid, now)
        if hard:
            self.profiles = ProfileStore()

    def statuses(self, now: float) -> list[StatusChanged]:
        return [StatusChanged(c.id, c.status, c.error_code, now) for c in self.connectors.values()]

    def _report(self, conn: Connector, now: float) -> None:
        status = conn.derived_status()
        if status != conn.status:
            conn.status = status
            self.events.append(StatusChanged(conn.id, status, conn.error_code, now))

    def drain(self) -> list[Event]:
        out, self.events = self.events, []
        return out
