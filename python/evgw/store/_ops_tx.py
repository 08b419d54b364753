"""Transaction operations: idempotent start and stop, orphans, meter samples, raw frames.

Idempotency lives in the database (unique natural keys), not in process memory, so it holds
across restarts and across several nodes sharing one PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from evgw.domain import (
    MeterBatch,
    MeterSample,
    StartOutcome,
    StartTx,
    StopOutcome,
    StopTx,
)
from evgw.store import _codec as codec
from evgw.store import _meter_rows as meter_rows
from evgw.store._db import Db, utc
from evgw.store._errors import StoreError
from evgw.store._ops_registry import add_flag, now

FUTURE_SLACK = timedelta(hours=24)
OCPP16_ID_MAX = 2**31 - 1  # chargers hold transactionId in an int32

_START_KEY = (
    "charger_id = ? AND evse_id = ? AND connector_id = ? AND id_token = ? "
    "AND meter_start_wh = ? AND started_at = ? AND ocpp_tx_id IS NULL"
)


def record_raw(
    db: Db, charger_id: str, received_at: datetime, action: str, *, tx_id: str | None, raw: str
) -> None:
    if raw:
        db.run(_INSERT_RAW, (charger_id, db.ts(received_at), action, tx_id, raw))


def _is_future(at: datetime, received_at: datetime) -> bool:
    return utc(at) > utc(received_at) + FUTURE_SLACK


def _next_ocpp16_id(db: Db) -> int:
    row = db.one("UPDATE counters SET value = value + 1 WHERE name = 'ocpp16_tx' RETURNING value")
    assert row is not None, "counters row missing: migrations not applied"
    value = int(row[0])
    if value > OCPP16_ID_MAX:
        raise StoreError("OCPP 1.6 transaction id space (int32) exhausted")
    return value


def start_transaction(db: Db, s: StartTx) -> StartOutcome:
    """Insert first (the common case); a conflict on the natural key means a retry. A retry
    costs one unused ocpp16 id, which is harmless."""
    key_params = (
        *(s.charger_id, s.evse_id, s.connector_id, s.id_token, s.meter_start_wh),
        db.ts(s.started_at),
    )
    tx_id = codec.new_transaction_id()
    inserted = db.one(
        "INSERT INTO transactions (id, ocpp16_id, charger_id, evse_id, connector_id, id_token,"
        " meter_start_wh, started_at, status, reservation_id, auth_status, start_received_at,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?) "
        "ON CONFLICT (charger_id, evse_id, connector_id, id_token, meter_start_wh, started_at)"
        " WHERE ocpp_tx_id IS NULL DO NOTHING RETURNING ocpp16_id",
        (
            *(tx_id, _next_ocpp16_id(db), *key_params, s.reservation_id, s.auth_status),
            *(db.ts(s.received_at), db.ts(now())),
        ),
    )
    if inserted is not None:
        record_raw(db, s.charger_id, s.received_at, "StartTransaction", tx_id=tx_id, raw=s.raw)
        _flag_start(db, s, tx_id)
        return StartOutcome(tx_id, int(inserted[0]), duplicate=False)
    found = db.one(f"SELECT id, ocpp16_id FROM transactions WHERE {_START_KEY}", key_params)
    assert found is not None
    record_raw(db, s.charger_id, s.received_at, "StartTransaction", tx_id=found[0], raw=s.raw)
    return StartOutcome(found[0], found[1], duplicate=True)


def _flag_start(db: Db, s: StartTx, tx_id: str) -> None:
    if _is_future(s.started_at, s.received_at):
        detail = {"started_at": utc(s.started_at).isoformat(), "received_at": s.received_at}
        add_flag(db, "future_timestamp", s.charger_id, tx_id, detail)
    known = db.all(
        "SELECT evse_id, connector_id FROM connectors WHERE charger_id = ?", (s.charger_id,)
    )
    if known and (s.evse_id, s.connector_id) not in {(int(e), int(c)) for e, c in known}:
        detail = {"evse_id": s.evse_id, "connector_id": s.connector_id}
        add_flag(db, "unknown_connector", s.charger_id, tx_id, detail)


def _locate(db: Db, s: StopTx) -> tuple[str, int, int, int | None, object, str] | None:
    cols = "id, evse_id, connector_id, meter_start_wh, stopped_at, status"
    row = None
    if s.transaction_id is not None:
        row = db.one(
            f"SELECT {cols} FROM transactions WHERE id = ? AND charger_id = ?",
            (s.transaction_id, s.charger_id),
        )
    if row is None and s.ocpp16_id is not None and s.ocpp16_id >= 0:
        row = db.one(
            f"SELECT {cols} FROM transactions WHERE ocpp16_id = ? AND charger_id = ?",
            (s.ocpp16_id, s.charger_id),
        )
    return None if row is None else (row[0], row[1], row[2], row[3], row[4], row[5])


def stop_transaction(db: Db, s: StopTx) -> StopOutcome:
    found = _locate(db, s)
    if found is None:
        return _orphan_stop(db, s)
    tx_id, evse_id, connector_id, meter_start, stopped_at, status = found
    record_raw(db, s.charger_id, s.received_at, "StopTransaction", tx_id=tx_id, raw=s.raw)
    if stopped_at is not None:  # a retried stop: the first one's values stand
        return StopOutcome(tx_id, duplicate=True, orphan=status == "orphan")
    energy = None if meter_start is None else s.meter_stop_wh - meter_start
    db.run(
        "UPDATE transactions SET meter_stop_wh = ?, stopped_at = ?, stop_reason = ?, "
        "stop_id_token = ?, energy_wh = ?, status = 'completed', stop_received_at = ? WHERE id = ?",
        (
            *(s.meter_stop_wh, db.ts(s.stopped_at), s.reason, s.id_token, energy),
            *(db.ts(s.received_at), tx_id),
        ),
    )
    insert_samples(
        db, s.charger_id, evse_id=evse_id, connector_id=connector_id, tx_id=tx_id, samples=s.samples
    )
    if meter_start is not None and s.meter_stop_wh < meter_start:
        detail = {"meter_start_wh": meter_start, "meter_stop_wh": s.meter_stop_wh}
        add_flag(db, "meter_stop_below_start", s.charger_id, tx_id, detail)
    _flag_future_stop(db, s, tx_id)
    return StopOutcome(tx_id, duplicate=False, orphan=False)


def _orphan_stop(db: Db, s: StopTx) -> StopOutcome:
    """No matching start: keep the stop as an orphan transaction and flag it for review."""
    reported = s.transaction_id or str(s.ocpp16_id if s.ocpp16_id is not None else -1)
    key = (s.charger_id, reported, s.meter_stop_wh, db.ts(s.stopped_at))
    where = (
        "charger_id = ? AND reported_id = ? AND meter_stop_wh = ? AND stopped_at = ?"
        " AND ocpp_tx_id IS NULL"
    )
    row = db.one(f"SELECT id FROM transactions WHERE {where}", key)
    if row is None:
        tx_id = codec.new_transaction_id()
        row = db.one(
            "INSERT INTO transactions (id, charger_id, evse_id, connector_id, id_token, "
            "stop_id_token, meter_stop_wh, stopped_at, stop_reason, status, reported_id, "
            "stop_received_at, created_at) VALUES (?, ?, 0, 0, ?, ?, ?, ?, ?, 'orphan', ?, ?, ?) "
            "ON CONFLICT (charger_id, reported_id, meter_stop_wh, stopped_at)"
            " WHERE ocpp_tx_id IS NULL DO NOTHING RETURNING id",
            (
                *(tx_id, s.charger_id, s.id_token, s.id_token, s.meter_stop_wh),
                *(db.ts(s.stopped_at), s.reason, reported, db.ts(s.received_at), db.ts(now())),
            ),
        )
        if row is not None:
            record_raw(db, s.charger_id, s.received_at, "StopTransaction", tx_id=tx_id, raw=s.raw)
            insert_samples(
                db, s.charger_id, evse_id=0, connector_id=0, tx_id=tx_id, samples=s.samples
            )
            detail = {
                "reported_ocpp16_id": s.ocpp16_id,
                "reported_transaction_id": s.transaction_id,
            }
            add_flag(db, "orphan_stop", s.charger_id, tx_id, detail)
            _flag_future_stop(db, s, tx_id)
            return StopOutcome(tx_id, duplicate=False, orphan=True)
        row = db.one(f"SELECT id FROM transactions WHERE {where}", key)
        assert row is not None
    record_raw(db, s.charger_id, s.received_at, "StopTransaction", tx_id=row[0], raw=s.raw)
    return StopOutcome(row[0], duplicate=True, orphan=True)


def _flag_future_stop(db: Db, s: StopTx, tx_id: str) -> None:
    if _is_future(s.stopped_at, s.received_at):
        detail = {"stopped_at": utc(s.stopped_at).isoformat(), "received_at": s.received_at}
        add_flag(db, "future_timestamp", s.charger_id, tx_id, detail)


_INSERT_RAW = (
    "INSERT INTO raw_frames (charger_id, received_at, action, transaction_id, raw) "
    "VALUES (?, ?, ?, ?, ?)"
)


def insert_samples(
    db: Db,
    charger_id: str,
    *,
    evse_id: int,
    connector_id: int,
    tx_id: str | None,
    samples: Sequence[MeterSample],
) -> None:
    if samples:
        key = (tx_id, charger_id, evse_id, connector_id)
        db.many(meter_rows.INSERT, meter_rows.rows(db, key, samples))


def add_meter_values(db: Db, b: MeterBatch) -> str | None:
    return add_meter_values_many(db, [b])[0]


def add_meter_values_many(db: Db, batches: Sequence[MeterBatch]) -> list[str | None]:
    """Many MeterValues (of any chargers) in one go: one lookup of their 1.6 transaction ids,
    one multi-row INSERT of every sample and one of every raw frame. Answers each batch's
    transaction id (None when outside a known transaction)."""
    tx_ids = _resolve_ocpp16(db, batches)
    samples: list[tuple[object, ...]] = []
    raws: list[tuple[object, ...]] = []
    for b, tx_id in zip(batches, tx_ids, strict=True):
        samples += meter_rows.rows(db, (tx_id, b.charger_id, b.evse_id, b.connector_id), b.samples)
        if b.raw:
            raws.append((b.charger_id, db.ts(b.received_at), "MeterValues", tx_id, b.raw))
    if samples:
        db.many(meter_rows.INSERT, samples)
    if raws:
        db.many(_INSERT_RAW, raws)
    return tx_ids


def _resolve_ocpp16(db: Db, batches: Sequence[MeterBatch]) -> list[str | None]:
    """Each batch's evgw transaction id: given, or found by its 1.6 id on that charger."""
    wanted = sorted(
        {
            b.ocpp16_id
            for b in batches
            if b.transaction_id is None and b.ocpp16_id is not None and b.ocpp16_id >= 0
        }
    )
    found: dict[tuple[int, str], str] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        for ocpp16_id, charger_id, tx_id in db.all(
            "SELECT ocpp16_id, charger_id, id FROM transactions "
            f"WHERE ocpp16_id IN ({codec.marks(len(chunk))})",
            chunk,
        ):
            found[(int(ocpp16_id), charger_id)] = tx_id
    return [
        b.transaction_id
        if b.transaction_id is not None or b.ocpp16_id is None
        else found.get((b.ocpp16_id, b.charger_id))
        for b in batches
    ]


_IN_CHUNK = 500  # ids per IN list (SQLite allows 32,766 parameters; PostgreSQL 65,535)
