"""Reservations as a charger keeps them (1.6 ReserveNow/CancelReservation, 2.0.1 block H),
version-neutral: a reservation of one connector shows it Reserved and lets only the reserved
token (or its group) start there; a reservation without a connector (1.6 connectorId 0, 2.0.1
without evseId) keeps one free connector for the token, shown nowhere. Reservations expire at
their expiry time (the model reports `ReservationEnded`), end when the token starts, or are
cancelled."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from evgw.testing.fleet._connector import Connector

# ReserveNow answers (the same names in 1.6 and 2.0.1)
ACCEPTED, FAULTED, OCCUPIED, UNAVAILABLE = "Accepted", "Faulted", "Occupied", "Unavailable"


@attrs.frozen
class Reservation:
    id: int
    id_tag: str
    expires_s: float  # simulated seconds
    connector_id: int | None = None  # None: any connector
    group: str | None = None  # 1.6 parentIdTag, 2.0.1 groupIdToken

    def admits(self, id_tag: str, group: str | None = None) -> bool:
        return id_tag == self.id_tag or (self.group is not None and group == self.group)


def free(conn: Connector, ignoring: int | None = None) -> bool:
    """Nothing plugged in, no transaction, working, and not reserved (except by `ignoring`)."""
    reserved = conn.reservation is not None and conn.reservation.id != ignoring
    return (
        conn.ev is None
        and conn.tx is None
        and not conn.faulted
        and conn.operative
        and (not reserved)
    )


def refusal(conn: Connector, reservation_id: int) -> str | None:
    """Why `conn` cannot take reservation `reservation_id` (None: it can)."""
    if conn.faulted:
        return FAULTED
    if not conn.operative:
        return UNAVAILABLE
    return None if free(conn, reservation_id) else OCCUPIED


class Reservations:
    """The reservations without a connector; connector reservations live on the connector."""

    def __init__(self) -> None:
        self.anywhere: list[Reservation] = []

    def check_anywhere(self, connectors: Iterable[Connector], r: Reservation) -> str | None:
        others = [x for x in self.anywhere if x.id != r.id]
        spare = sum(1 for c in connectors if free(c))
        return None if spare > len(others) else OCCUPIED

    def drop(self, reservation_id: int) -> Reservation | None:
        for r in self.anywhere:
            if r.id == reservation_id:
                self.anywhere.remove(r)
                return r
        return None

    def claim_anywhere(
        self, connectors: list[Connector], conn: Connector, id_tag: str
    ) -> tuple[bool, Reservation | None]:
        """May `id_tag` start on the free connector `conn`: (allowed, the reservation it uses)."""
        mine = next((r for r in self.anywhere if r.admits(id_tag)), None)
        if mine is not None:
            return True, mine
        spare = sum(1 for c in connectors if c is not conn and free(c))
        return spare >= len(self.anywhere), None

    def expired(self, now: float) -> list[Reservation]:
        if not self.anywhere:
            return []
        gone = [r for r in self.anywhere if r.expires_s <= now]
        self.anywhere = [r for r in self.anywhere if r.expires_s > now]
        return gone
