"""Sessions a charger started offline with a token evgw refuses: kept (never lost), priced,
and handled by the configured policy (bill, bill and flag, hold for review).

Recorded in the OCPP handler's path, before the charger's answer, so the record (and a
billing hold) exists before the session's stop can be billed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from evgw.billing import _issue as billing
from evgw.store import Db
from evgw.store import _ops_registry as registry

from ._config import OfflinePolicy

FLAG = "offline_unauthorized"
HOLD_REASON = "offline_authorization"

_COLUMNS = (
    "transaction_id, charger_id, id_token, auth_status, policy, state, created_at, resolved_at"
)


def record(
    db: Db, policy: OfflinePolicy, charger_id: str, tx_id: str, *, id_token: str, status: str
) -> bool:
    """Once per transaction (a retried start changes nothing); True when recorded now."""
    if db.one("SELECT 1 FROM authz_offline WHERE transaction_id = ?", (tx_id,)):
        return False
    state = {"bill": "billed", "bill_and_flag": "flagged", "hold": "held"}[policy.value]
    db.run(
        f"INSERT INTO authz_offline ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
        (tx_id, charger_id, id_token, status, policy.value, state, db.ts(datetime.now(UTC))),
    )
    detail = {"id_token": id_token, "auth_status": status, "policy": policy.value}
    if policy is not OfflinePolicy.BILL:
        registry.add_flag(db, FLAG, charger_id, tx_id, detail)
    if policy is OfflinePolicy.HOLD:
        billing.hold(db, tx_id, HOLD_REASON, detail)
    return True


def _view(db: Db, r: tuple[Any, ...]) -> dict[str, Any]:
    created, resolved = db.dt(r[6]), db.dt(r[7])
    return {
        "transaction_id": r[0],
        "charger_id": r[1],
        "id_token": r[2],
        "auth_status": r[3],
        "policy": r[4],
        "state": r[5],
        "created_at": None if created is None else created.isoformat(),
        "resolved_at": None if resolved is None else resolved.isoformat(),
    }


def get(db: Db, tx_id: str) -> dict[str, Any] | None:
    r = db.one(f"SELECT {_COLUMNS} FROM authz_offline WHERE transaction_id = ?", (tx_id,))
    return None if r is None else _view(db, r)


def page(db: Db, state: str | None, limit: int, offset: int) -> list[dict[str, Any]]:
    where, params = ("WHERE state = ?", (state,)) if state else ("", ())
    rows = db.all(
        f"SELECT {_COLUMNS} FROM authz_offline {where} ORDER BY created_at, transaction_id "
        "LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return [_view(db, r) for r in rows]


class NotHeld(ValueError):
    pass


def release(db: Db, tx_id: str, bill: bool) -> dict[str, Any] | None:
    """An operator's decision on a held session: bill it (the hold goes, billing's sweep
    issues the CDR) or write it off (stays held from billing, state written_off)."""
    found = get(db, tx_id)
    if found is None:
        return None
    if found["state"] != "held":
        raise NotHeld(f"the session is {found['state']}, not held")
    if bill:
        db.run(
            "DELETE FROM billing_holds WHERE transaction_id = ? AND reason = ?",
            (tx_id, HOLD_REASON),
        )
    db.run(
        "UPDATE authz_offline SET state = ?, resolved_at = ? WHERE transaction_id = ?",
        ("released" if bill else "written_off", db.ts(datetime.now(UTC)), tx_id),
    )
    return get(db, tx_id)
