"""After a run: the fleet's transaction ledger held against evgw's store (SQLite).

- lost: a start the CSMS acknowledged with no transaction in the store, or an acknowledged
  stop whose transaction is not completed with that meter stop;
- double counted: a charger with more transactions in the store than starts it ever sent
  (each transaction counted once however often its start was retried or duplicated);
- mismatched: an acknowledged start stored with another meter start;
- orphans: stops the store could not match to a start (flagged for review by evgw).

Messages still queued or in flight when the run ended are neither acknowledged nor checked.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from evgw.testing.fleet import TxLedger

Row = tuple[int | None, int | None, str]  # meter start, meter stop, status


def store_transactions(db_path: Path) -> tuple[dict[tuple[str, str], Row], Counter[str], int]:
    """(charger, reference) -> row, transactions per charger, orphan stops."""
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT charger_id, ocpp16_id, ocpp_tx_id, meter_start_wh, meter_stop_wh, status "
            "FROM transactions"
        ).fetchall()
    finally:
        db.close()
    by_ref: dict[tuple[str, str], Row] = {}
    per_charger: Counter[str] = Counter()
    orphans = 0
    for charger, ocpp16_id, ocpp_tx_id, start, stop, status in rows:
        if status == "orphan":
            orphans += 1
            continue
        per_charger[charger] += 1
        ref = ocpp_tx_id if ocpp_tx_id is not None else str(ocpp16_id)
        by_ref[(charger, ref)] = (start, stop, status)
    return by_ref, per_charger, orphans


def check(ledger: TxLedger, db_path: Path) -> dict[str, Any]:
    stored, per_charger, orphans = store_transactions(db_path)
    lost_starts = lost_stops = mismatched = 0
    samples: list[str] = []
    for (charger, ref), (start, stop) in ledger.acked.items():
        row = stored.get((charger, ref))
        if row is None:
            lost_starts += start is not None
            lost_stops += stop is not None
            samples.append(f"{charger} {ref}: not in the store")
            continue
        if start is not None and row[0] != start:
            mismatched += 1
            samples.append(f"{charger} {ref}: meter start {row[0]} stored, {start} sent")
        if stop is not None and (row[1] != stop or row[2] != "completed"):
            lost_stops += 1
            samples.append(f"{charger} {ref}: stop {stop} acknowledged, stored {row[1:]}")
    double = {c: n - ledger.starts_sent[c] for c, n in per_charger.items()}
    double = {c: d for c, d in double.items() if d > 0}
    samples += [f"{c}: {d} more in the store than starts sent" for c, d in double.items()]
    return {
        "starts_sent": sum(ledger.starts_sent.values()),
        "starts_acknowledged": sum(1 for s, _ in ledger.acked.values() if s is not None),
        "stops_acknowledged": sum(1 for _, s in ledger.acked.values() if s is not None),
        "in_store": sum(per_charger.values()),
        "lost_starts": lost_starts,
        "lost_stops": lost_stops,
        "double_counted": sum(double.values()),
        "meter_start_mismatched": mismatched,
        "orphan_stops": orphans,
        "samples": samples[:20],
    }
