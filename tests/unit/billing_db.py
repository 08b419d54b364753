"""A real SQLite database (in memory) with every migration, and helpers that write
transactions and meter samples the way the OCPP handlers store them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from evgw.billing import _tariffs as tariffs
from evgw.domain import MeterSample
from evgw.store import Db
from evgw.store import _meter_rows as meter_rows
from evgw.store._db import SqliteDb
from evgw.store._migrations import apply_migrations

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def open_db() -> SqliteDb:
    conn = SqliteDb(":memory:")
    apply_migrations(conn)
    return conn


def writer(db: SqliteDb) -> Callable[[Callable[[SqliteDb], Any]], Any]:
    """Each op in its own committed transaction, like `store.write`."""

    def write(op: Callable[[SqliteDb], Any]) -> Any:
        db.begin_write()
        try:
            out = op(db)
        except BaseException:
            db.rollback()
            raise
        db.commit()
        return out

    return write


def add_tariff(db: Db, body: dict[str, Any], tariff_id: str = "T1") -> None:
    tariffs.save(db, tariff_id, body, body["currency"])
    tariffs.assign(db, "default", "*", tariff_id)


def add_tx(
    db: Db,
    tx_id: str,
    registers: Sequence[tuple[datetime, int]],
    *,
    stopped: datetime | None = None,
    id_token: str = "TAG1",
    charger: str = "CP1",
) -> None:
    """A transaction with Energy.Active.Import.Register samples (Wh); meterStart is the
    first register, meterStop the last one when stopped."""
    start_at, start_wh = registers[0]
    db.run(
        "INSERT INTO transactions (id, charger_id, evse_id, connector_id, id_token, "
        "meter_start_wh, meter_stop_wh, started_at, stopped_at, status, created_at) "
        "VALUES (?, ?, 1, 1, ?, ?, ?, ?, ?, ?, ?)",
        (
            *(tx_id, charger, id_token, start_wh),
            registers[-1][1] if stopped else None,
            *(db.ts(start_at), db.ts(stopped) if stopped else None),
            *("completed" if stopped else "active", db.ts(start_at)),
        ),
    )
    add_samples(db, tx_id, registers, charger=charger)


def add_samples(
    db: Db, tx_id: str, registers: Sequence[tuple[datetime, int]], *, charger: str = "CP1"
) -> None:
    for at, wh in registers:
        sample = MeterSample(
            at, "Energy.Active.Import.Register", str(wh), "Wh", None, "Sample.Periodic", "Outlet"
        )
        db.many(meter_rows.INSERT, meter_rows.rows(db, (tx_id, charger, 1, 1), [sample]))


def stop_tx(db: Db, tx_id: str, at: datetime, meter_stop_wh: int) -> None:
    db.run(
        "UPDATE transactions SET stopped_at = ?, meter_stop_wh = ?, status = 'completed' "
        "WHERE id = ?",
        (db.ts(at), meter_stop_wh, tx_id),
    )
