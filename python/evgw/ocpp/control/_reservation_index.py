"""The live reservations (requested / active) in memory, by charger: what the `authorize` hook
and the transaction follow-up consult, so neither waits on the store in a start burst.

The store stays the record. The index is loaded from it when the component starts (before the
gateway accepts connections, so a restart serves no start unchecked), follows every change
this process makes (`put`, `drop`), and is reloaded from the store by the expiry sweep, which
also brings in changes made by another node sharing the database. A change made while a
reload is in flight is applied again on top of the reloaded set, so a reload that read the
store just before the change cannot undo it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from evgw.ocpp.control._reservation_store import LIVE, Reservation


class ReservationIndex:
    def __init__(self) -> None:
        self._by_id: dict[int, Reservation] = {}
        self._by_charger: dict[str, dict[int, Reservation]] = {}
        self.loaded = False
        self._replay: list[Callable[[], None]] | None = None  # changes during a reload

    def of(self, charger_id: str, now: datetime | None = None) -> list[Reservation]:
        """The charger's live reservations (not past their expiry when `now` is given)."""
        found = self._by_charger.get(charger_id)
        if not found:
            return []
        return [r for r in found.values() if now is None or r.expires_at > now]

    def get(self, reservation_id: int) -> Reservation | None:
        return self._by_id.get(reservation_id)

    def put(self, r: Reservation) -> None:
        """Record the reservation's new state (a status that is not live drops it)."""
        self._change(lambda: self._put(r))

    def drop(self, reservation_id: int) -> None:
        self._change(lambda: self._drop(reservation_id))

    def begin_reload(self) -> None:
        self._replay = []

    def finish_reload(self, live: Iterable[Reservation]) -> None:
        """Replace the index with `live` (read from the store after `begin_reload`)."""
        replay, self._replay = self._replay or [], None
        self._by_id.clear()
        self._by_charger.clear()
        for r in live:
            self._put(r)
        for change in replay:
            change()
        self.loaded = True

    def abort_reload(self) -> None:
        self._replay = None

    def __len__(self) -> int:
        return len(self._by_id)

    def _change(self, change: Callable[[], None]) -> None:
        change()
        if self._replay is not None:
            self._replay.append(change)

    def _put(self, r: Reservation) -> None:
        self._drop(r.id)
        if r.status in LIVE:
            self._by_id[r.id] = r
            self._by_charger.setdefault(r.charger_id, {})[r.id] = r

    def _drop(self, reservation_id: int) -> None:
        old = self._by_id.pop(reservation_id, None)
        if old is None:
            return
        of_charger = self._by_charger.get(old.charger_id)
        if of_charger is not None:
            of_charger.pop(reservation_id, None)
            if not of_charger:
                del self._by_charger[old.charger_id]
