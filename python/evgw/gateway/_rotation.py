"""Password rotation, storage side (A01 / 1.6 AuthorizationKey): the new password's hash is
kept as *pending* from the moment it is sent; the registration's hash is replaced only when
the charger connects with the new password (then the old one stops working). Until then the
old password keeps working, so a charger that rejected or never applied it is not locked out.
"""

from __future__ import annotations

from datetime import UTC, datetime

from evgw.store._db import Db


def put_pending(db: Db, charger_id: str, password_hash: str) -> None:
    db.run(
        "INSERT INTO ocpp201_pending_passwords (charger_id, password_hash, created_at)"
        " VALUES (?, ?, ?) ON CONFLICT (charger_id) DO UPDATE SET"
        " password_hash = excluded.password_hash, created_at = excluded.created_at",
        (charger_id, password_hash, db.ts(datetime.now(UTC))),
    )


def drop_pending(db: Db, charger_id: str) -> None:
    db.run("DELETE FROM ocpp201_pending_passwords WHERE charger_id = ?", (charger_id,))


def get_pending(db: Db, charger_id: str) -> str | None:
    row = db.one(
        "SELECT password_hash FROM ocpp201_pending_passwords WHERE charger_id = ?", (charger_id,)
    )
    return None if row is None else str(row[0])


def promote_pending(db: Db, charger_id: str, password_hash: str) -> bool:
    """The charger connected with the pending password: it becomes the registered one."""
    if get_pending(db, charger_id) != password_hash:
        return False  # rotated again meanwhile
    db.run(
        "UPDATE chargers SET password_hash = ?, updated_at = ? WHERE id = ?",
        (password_hash, db.ts(datetime.now(UTC)), charger_id),
    )
    drop_pending(db, charger_id)
    return True
