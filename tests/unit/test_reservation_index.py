"""The in-memory index of live reservations: statuses, expiry, and reloads that race changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
from evgw.ocpp.control._reservation_index import ReservationIndex
from evgw.ocpp.control._reservation_store import Reservation

NOW = datetime(2026, 11, 27, 10, tzinfo=UTC)


def res(rid: int, charger: str = "CP1", status: str = "active", minutes: int = 30) -> Reservation:
    expires = NOW + timedelta(minutes=minutes)
    return Reservation(rid, charger, 1, None, "TAG1", "ISO14443", None, expires, status)


def ids(index: ReservationIndex, charger: str = "CP1") -> list[int]:
    return sorted(r.id for r in index.of(charger, NOW))


def test_only_live_statuses_are_kept() -> None:
    index = ReservationIndex()
    index.finish_reload([res(1), res(2, status="requested"), res(3, "CP2")])
    assert (ids(index), ids(index, "CP2"), len(index)) == ([1, 2], [3], 3)
    for status in ("refused", "cancelled", "expired", "removed", "used"):
        index.put(res(1, status=status))
        assert ids(index) == [2]
        index.put(res(1))
    index.drop(2)
    index.drop(99)  # unknown: nothing happens
    assert ids(index) == [1]


def test_past_expiry_does_not_count() -> None:
    index = ReservationIndex()
    index.finish_reload([res(1, minutes=-1), res(2)])
    assert ids(index) == [2]
    assert len(index.of("CP1")) == 2  # without a time: what the store still calls live


def test_a_reload_cannot_undo_a_change_made_while_it_read() -> None:
    index = ReservationIndex()
    index.finish_reload([res(1), res(2)])
    index.begin_reload()
    stale_read = [res(1), res(2)]  # read before the changes below
    index.put(res(3))
    index.drop(1)
    index.put(attrs.evolve(res(2), status="used"))
    index.finish_reload(stale_read)
    assert ids(index) == [3]
    index.begin_reload()
    index.put(res(4))
    index.abort_reload()  # the read failed: the index as it was, with the change
    assert ids(index) == [3, 4]


def test_not_loaded_until_the_first_reload() -> None:
    index = ReservationIndex()
    assert not index.loaded
    index.finish_reload([])
    assert index.loaded
