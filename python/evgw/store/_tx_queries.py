"""Reading transactions back as domain objects (flags and, on request, samples)."""

from __future__ import annotations

from evgw.domain import Transaction
from evgw.store import _codec as codec
from evgw.store import _meter_rows as meter_rows
from evgw.store._db import Db, Row


def _flags(db: Db, ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {i: [] for i in ids}
    if ids:
        rows = db.all(
            "SELECT transaction_id, kind FROM review_flags "
            f"WHERE transaction_id IN ({codec.marks(len(ids))}) ORDER BY id",
            ids,
        )
        for tx_id, kind in rows:
            out[tx_id].append(kind)
    return out


def _build(db: Db, rows: list[Row], with_samples: bool = False) -> list[Transaction]:
    flags = _flags(db, [r[0] for r in rows])
    result = []
    for row in rows:
        samples = meter_rows.transaction_samples(db, row[0]) if with_samples else []
        result.append(codec.transaction(db, row, flags[row[0]], samples))
    return result


def get_transaction(db: Db, transaction_id: str, with_samples: bool) -> Transaction | None:
    rows = db.all(f"SELECT {codec.TX_COLUMNS} FROM transactions WHERE id = ?", (transaction_id,))
    found = _build(db, rows, with_samples)
    return found[0] if found else None


def find_by_ocpp16_id(db: Db, charger_id: str, ocpp16_id: int) -> Transaction | None:
    rows = db.all(
        f"SELECT {codec.TX_COLUMNS} FROM transactions WHERE ocpp16_id = ? AND charger_id = ?",
        (ocpp16_id, charger_id),
    )
    found = _build(db, rows)
    return found[0] if found else None


def find_by_ocpp_id(db: Db, charger_id: str, ocpp_transaction_id: str) -> Transaction | None:
    rows = db.all(
        f"SELECT {codec.TX_COLUMNS} FROM transactions WHERE charger_id = ? AND ocpp_tx_id = ?",
        (charger_id, ocpp_transaction_id),
    )
    found = _build(db, rows)
    return found[0] if found else None


def list_transactions(
    db: Db, charger_id: str | None, status: str | None, limit: int, offset: int
) -> list[Transaction]:
    where, params = [], []
    if charger_id is not None:
        where.append("charger_id = ?")
        params.append(charger_id)
    if status is not None:
        where.append("status = ?")
        params.append(status)
    clause = f"WHERE {' AND '.join(where)} " if where else ""
    rows = db.all(
        f"SELECT {codec.TX_COLUMNS} FROM transactions {clause}"
        "ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return _build(db, rows)
