"""Reservations, store side: one row per reservation evgw asked for, its life in `status`.

| status | meaning |
|---|---|
| requested | ReserveNow sent, no answer yet |
| active | the charger Accepted it |
| refused | the charger answered Occupied / Faulted / Unavailable / Rejected |
| cancelled | CancelReservation Accepted |
| expired | past its expiry (the charger's ReservationStatusUpdate, or evgw's own sweep) |
| removed | the charger removed it (2.x ReservationStatusUpdate Removed) |
| used | a transaction started on it |
"""

from __future__ import annotations

from datetime import datetime

import attrs

from evgw.ocpp.control._ids import next_id
from evgw.store._db import Db, Row

LIVE = ("requested", "active")
STATUSES = ("requested", "active", "refused", "cancelled", "expired", "removed", "used")
_COLUMNS = (
    "id, charger_id, evse_id, connector_type, id_token, token_type, group_id, expires_at,"
    " status, charger_status, transaction_id, created_at, updated_at"
)


@attrs.frozen
class Reservation:
    id: int
    charger_id: str
    evse_id: int | None  # None: any EVSE of the charger (1.6 connectorId 0)
    connector_type: str | None
    id_token: str
    token_type: str
    group_id: str | None
    expires_at: datetime
    status: str
    charger_status: str | None = None  # the charger's last answer
    transaction_id: str | None = None  # evgw's transaction that used it
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def admits(self, id_token: str, group_id: str | None) -> bool:
        """The reserved token, or a token of the reserved group."""
        return id_token == self.id_token or (
            self.group_id is not None and group_id == self.group_id
        )


def _reservation(db: Db, row: Row) -> Reservation:
    expires, created, updated = (db.dt(row[i]) for i in (7, 11, 12))
    assert expires is not None
    return Reservation(
        id=int(row[0]),
        charger_id=row[1],
        evse_id=row[2],
        connector_type=row[3],
        id_token=row[4],
        token_type=row[5],
        group_id=row[6],
        expires_at=expires,
        status=row[8],
        charger_status=row[9],
        transaction_id=row[10],
        created_at=created,
        updated_at=updated,
    )


def insert(db: Db, r: Reservation, at: datetime) -> Reservation:
    """Store a new reservation (status requested) under a fresh id."""
    new = attrs.evolve(r, id=next_id(db, "ocpp_reservation"), status="requested")
    db.run(
        f"INSERT INTO ocpp_reservations ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            *(new.id, new.charger_id, new.evse_id, new.connector_type, new.id_token),
            *(new.token_type, new.group_id, db.ts(new.expires_at), new.status, None, None),
            *(db.ts(at), db.ts(at)),
        ),
    )
    return attrs.evolve(new, created_at=at, updated_at=at)


def get(db: Db, reservation_id: int) -> Reservation | None:
    row = db.one(f"SELECT {_COLUMNS} FROM ocpp_reservations WHERE id = ?", (reservation_id,))
    return None if row is None else _reservation(db, row)


def select(
    db: Db,
    *,
    charger_id: str | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Reservation]:
    where, params = ["1 = 1"], []
    if charger_id is not None:
        where.append("charger_id = ?")
        params.append(charger_id)
    if status is not None:
        where.append("status = ?")
        params.append(status)
    rows = db.all(
        f"SELECT {_COLUMNS} FROM ocpp_reservations WHERE {' AND '.join(where)}"
        " ORDER BY id LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return [_reservation(db, row) for row in rows]


def live(db: Db, charger_id: str) -> list[Reservation]:
    rows = db.all(
        f"SELECT {_COLUMNS} FROM ocpp_reservations WHERE charger_id = ? AND status IN (?, ?)"
        " ORDER BY id",
        (charger_id, *LIVE),
    )
    return [_reservation(db, row) for row in rows]


def all_live(db: Db) -> list[Reservation]:
    rows = db.all(
        f"SELECT {_COLUMNS} FROM ocpp_reservations WHERE status IN (?, ?) ORDER BY id", LIVE
    )
    return [_reservation(db, row) for row in rows]


def update(
    db: Db,
    reservation_id: int,
    status: str,
    at: datetime,
    *,
    charger_status: str | None = None,
    transaction_id: str | None = None,
) -> bool:
    """Move a live reservation to `status`; False when it was no longer live."""
    changed = db.run(
        "UPDATE ocpp_reservations SET status = ?, updated_at = ?,"
        " charger_status = COALESCE(?, charger_status),"
        " transaction_id = COALESCE(?, transaction_id)"
        " WHERE id = ? AND status IN (?, ?)",
        (status, db.ts(at), charger_status, transaction_id, reservation_id, *LIVE),
    )
    return changed > 0


def expire_due(db: Db, now: datetime) -> list[Reservation]:
    rows = db.all(
        f"SELECT {_COLUMNS} FROM ocpp_reservations WHERE status IN (?, ?) AND expires_at <= ?",
        (*LIVE, db.ts(now)),
    )
    due = [_reservation(db, row) for row in rows]
    for r in due:
        update(db, r.id, "expired", now)
    return due


def transaction_reservation(db: Db, transaction_id: str) -> int | None:
    row = db.one("SELECT reservation_id FROM transactions WHERE id = ?", (transaction_id,))
    return None if row is None or row[0] is None else int(row[0])
