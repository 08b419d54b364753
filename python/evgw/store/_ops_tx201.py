"""OCPP 2.x TransactionEvent: one write per event, idempotent on (charger, transactionId, seqNo).

A transaction row is found or created by (charger, transactionId) whatever the event type, so
events replayed out of order (``offline``) all land on one row: an Updated or Ended before its
Started makes a placeholder that the Started fills in later. Nothing is rejected; what looks
wrong is flagged for review (``seq_gap``, ``started_missing``, ``ended_without_started``).
"""

from __future__ import annotations

from evgw.domain import TxEvent, TxEventOutcome
from evgw.store import _codec as codec
from evgw.store._db import Db
from evgw.store._ops_registry import add_flag, now
from evgw.store._ops_tx import insert_samples, record_raw

_TX_KEY = "charger_id = ? AND ocpp_tx_id = ?"


def transaction_event(db: Db, e: TxEvent) -> TxEventOutcome:
    tx_id, evse_id, connector_id = _find_or_create(db, e)
    record_raw(db, e.charger_id, e.received_at, "TransactionEvent", tx_id=tx_id, raw=e.raw)
    max_seq = _max_seq(db, e)
    if not _insert_event(db, e, tx_id):
        return TxEventOutcome(
            tx_id, True, _started_seen(db, e), gap=False, evse_id=evse_id, connector_id=connector_id
        )
    evse_id, connector_id = _place(db, e, tx_id, evse_id, connector_id)
    _apply(db, e, tx_id)
    insert_samples(
        db, e.charger_id, evse_id=evse_id, connector_id=connector_id, tx_id=tx_id, samples=e.samples
    )
    gap = max_seq >= 0 and e.seq_no > max_seq + 1  # a first event may start anywhere
    if gap:
        detail = {"seq_no": e.seq_no, "expected": max_seq + 1, "offline": e.offline}
        add_flag(db, "seq_gap", e.charger_id, tx_id, detail)
    started = _started_seen(db, e)
    _flag_order(db, e, tx_id, started=started, first=max_seq < 0)
    return TxEventOutcome(tx_id, False, started, gap, evse_id, connector_id)


def _find(db: Db, e: TxEvent) -> tuple[str, int, int] | None:
    row = db.one(
        f"SELECT id, evse_id, connector_id FROM transactions WHERE {_TX_KEY}",
        (e.charger_id, e.ocpp_transaction_id),
    )
    return None if row is None else (row[0], int(row[1]), int(row[2]))


def _find_or_create(db: Db, e: TxEvent) -> tuple[str, int, int]:
    found = _find(db, e)
    if found is not None:
        return found
    tx_id = codec.new_transaction_id()
    db.run(
        "INSERT INTO transactions (id, charger_id, evse_id, connector_id, status, ocpp_tx_id,"
        " start_received_at, created_at) VALUES (?, ?, ?, ?, 'active', ?, ?, ?)"
        " ON CONFLICT (charger_id, ocpp_tx_id) DO NOTHING",
        (
            *(tx_id, e.charger_id, e.evse_id or 0, e.connector_id or 0, e.ocpp_transaction_id),
            *(db.ts(e.received_at), db.ts(now())),
        ),
    )
    created = _find(db, e)  # another node may have won the insert: use its row
    assert created is not None
    return created


def _max_seq(db: Db, e: TxEvent) -> int:
    row = db.one(
        f"SELECT MAX(seq_no) FROM transaction_events WHERE {_TX_KEY}",
        (e.charger_id, e.ocpp_transaction_id),
    )
    return -1 if row is None or row[0] is None else int(row[0])


def _insert_event(db: Db, e: TxEvent, tx_id: str) -> bool:
    """False when this seqNo is already stored (a retried or replayed message)."""
    inserted = db.one(
        "INSERT INTO transaction_events (charger_id, ocpp_tx_id, seq_no, transaction_id,"
        " event_type, trigger_reason, ts, offline, received_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (charger_id, ocpp_tx_id, seq_no) DO NOTHING RETURNING seq_no",
        (
            *(e.charger_id, e.ocpp_transaction_id, e.seq_no, tx_id, e.event_type),
            *(e.trigger_reason, db.ts(e.timestamp), int(e.offline), db.ts(e.received_at)),
        ),
    )
    return inserted is not None


def _started_seen(db: Db, e: TxEvent) -> bool:
    row = db.one(
        f"SELECT 1 FROM transaction_events WHERE {_TX_KEY} AND event_type = 'Started'",
        (e.charger_id, e.ocpp_transaction_id),
    )
    return row is not None


def _place(db: Db, e: TxEvent, tx_id: str, evse_id: int, connector_id: int) -> tuple[int, int]:
    """The EVSE and connector, learnt from the first event that names them."""
    new_evse = evse_id or e.evse_id or 0
    new_connector = connector_id or e.connector_id or 0
    if (new_evse, new_connector) != (evse_id, connector_id):
        db.run(
            "UPDATE transactions SET evse_id = ?, connector_id = ? WHERE id = ?",
            (new_evse, new_connector, tx_id),
        )
    return new_evse, new_connector


def _apply(db: Db, e: TxEvent, tx_id: str) -> None:
    if e.id_token is not None:
        db.run(
            "UPDATE transactions SET id_token = COALESCE(id_token, ?) WHERE id = ?",
            (e.id_token, tx_id),
        )
    if e.event_type == "Started":
        _apply_started(db, e, tx_id)
    elif e.event_type == "Ended":
        _apply_ended(db, e, tx_id)
    _update_energy(db, tx_id)


def _apply_started(db: Db, e: TxEvent, tx_id: str) -> None:
    db.run(
        "UPDATE transactions SET started_at = ?, meter_start_wh = ?, reservation_id = ?,"
        " status = CASE WHEN status = 'orphan' THEN 'completed' ELSE status END WHERE id = ?",
        (db.ts(e.timestamp), e.meter_start_wh, e.reservation_id, tx_id),
    )


def _apply_ended(db: Db, e: TxEvent, tx_id: str) -> None:
    started = _started_seen(db, e)
    db.run(
        "UPDATE transactions SET stopped_at = ?, meter_stop_wh = ?, stop_reason = ?,"
        " status = ?, stop_received_at = ? WHERE id = ?",
        (
            *(db.ts(e.timestamp), e.meter_stop_wh, e.stopped_reason),
            *("completed" if started else "orphan", db.ts(e.received_at), tx_id),
        ),
    )


def _update_energy(db: Db, tx_id: str) -> None:
    db.run(
        "UPDATE transactions SET energy_wh = meter_stop_wh - meter_start_wh"
        " WHERE id = ? AND meter_stop_wh IS NOT NULL AND meter_start_wh IS NOT NULL",
        (tx_id,),
    )


def _flag_order(db: Db, e: TxEvent, tx_id: str, *, started: bool, first: bool) -> None:
    """Once per transaction: its first event is not a Started; an Ended with no Started."""
    if started:
        return
    if e.event_type == "Ended":
        kind = "ended_without_started"
    elif first:
        kind = "started_missing"
    else:
        return
    detail = {"seq_no": e.seq_no, "event_type": e.event_type, "offline": e.offline}
    add_flag(db, kind, e.charger_id, tx_id, detail)
