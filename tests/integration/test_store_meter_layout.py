"""Meter samples packed per meterValue (core migration 5): samples stored one row per value
by an older evgw read back the same after the migration, and the packed layout keeps every
sample the old one kept (retries skipped, signed values beside plain ones)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from evgw.billing._metering import TxFacts, load_samples
from evgw.domain import MeterBatch, MeterSample, SampledValues, StartTx
from evgw.store import Db, Store, open_store
from evgw.store._meter_rows import latest_register_wh
from evgw.store._migrations import _BOOKKEEPING, MIGRATIONS, _apply_step, _statements
from evgw.store._open import connector_for

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
REG = "Energy.Active.Import.Register"


def at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


#: What an older evgw stored, one row per sampled value, in insertion order:
#: (transaction id, connector, minute, measurand, value, unit, phase, context, location, format)
OLD_ROWS = [
    ("TX1", 1, 0, REG, "1000", "Wh", None, "Transaction.Begin", "Outlet", None),
    ("TX1", 1, 1, REG, "1500", "Wh", None, "Sample.Periodic", "Outlet", None),
    ("TX1", 1, 1, "Current.Import", "16.5", "A", "L1", "Sample.Periodic", None, None),
    ("TX1", 1, 1, "Current.Import", "16.1", "A", "L2", "Sample.Periodic", None, None),
    ("TX1", 1, 1, REG, "<signed blob>", None, None, "Sample.Periodic", "Outlet", "SignedData"),
    (None, 1, 2, REG, "1.9", "kWh", None, "Sample.Clock", "Outlet", "Raw"),
    ("TX1", 1, 3, "Power.Active.Import", "7360", "W", None, "Sample.Periodic", None, None),
    (None, 2, 2, REG, "88", "Wh", None, None, None, None),
]


def _old_schema(db: Db) -> None:
    """The core schema as migrations 1-4 left it, with a transaction and its samples."""
    db.begin_write()
    for statement in _statements(db, _BOOKKEEPING):
        db.run(statement)
    db.commit()
    for version, step in MIGRATIONS[:4]:
        assert version <= 4
        _apply_step(db, "core", version, step)
    db.begin_write()
    db.run(
        "INSERT INTO transactions (id, charger_id, evse_id, connector_id, id_token, "
        "meter_start_wh, started_at, status, created_at) "
        "VALUES ('TX1', 'CP1', 1, 1, 'TAG', 1000, ?, 'active', ?)",
        (db.ts(at(0)), db.ts(at(0))),
    )
    db.many(
        "INSERT INTO meter_samples (transaction_id, charger_id, evse_id, connector_id, ts, "
        "measurand, value, unit, phase, context, location, format) "
        "VALUES (?, 'CP1', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(tx, c, c, db.ts(at(m)), *rest) for tx, c, m, *rest in OLD_ROWS],
    )
    db.commit()


def _expected(tx: str | None, connector: int) -> list[MeterSample]:
    return [MeterSample(at(m), *rest) for t, c, m, *rest in OLD_ROWS if (t, c) == (tx, connector)]


async def test_old_samples_read_back_after_the_migration(durable_store_url: str) -> None:
    db = connector_for(durable_store_url)()
    try:
        _old_schema(db)
    finally:
        db.close()
    store = await open_store(durable_store_url)  # migrates to the packed layout
    try:
        tx = await store.get_transaction("TX1", with_samples=True)
        assert tx is not None
        assert list(tx.samples) == _expected("TX1", 1)
        facts = TxFacts("TX1", "CP1", 1, 1, "TAG", 1000, None, at(0), None, "active")
        billed = await store.read(lambda db: load_samples(db, facts, at(10)))
        # the transaction's samples and the connector's unlinked one, by time
        wanted = sorted(_expected("TX1", 1) + _expected(None, 1), key=lambda s: s.timestamp)
        assert [(s.ts, s.measurand, s.value, s.format) for s in billed] == [
            (s.timestamp, s.measurand, s.value, s.format) for s in wanted
        ]
        # the newest plain register: 1500 Wh (the signed one at the same minute is not read)
        assert await store.read(lambda db: latest_register_wh(db, "TX1")) == Decimal(1500)
        old_table = await store.read(_has_old_table)
        assert not old_table
    finally:
        await store.aclose()


def _has_old_table(db: Db) -> bool:
    if db.backend == "sqlite":
        sql = "SELECT 1 FROM sqlite_master WHERE name = 'meter_samples'"
    else:
        sql = "SELECT 1 WHERE to_regclass('meter_samples') IS NOT NULL"
    return db.one(sql) is not None


async def test_packed_rows_keep_order_and_skip_retried_values(store: Store) -> None:
    start = StartTx("CP1", 1, 1, "TAG", 0, at(0), at(0), raw="")
    s = await store.start_transaction(start)
    rows = [
        (at(1), REG, "100", "Wh", None, None, None, None),
        (at(1), "Voltage", "230.1", "V", "L1-N", None, None, None),
        (at(1), REG, "ocmf|{}", None, None, None, None, "SignedData"),
        (at(2), REG, "200", "Wh", None, None, None, None),
    ]
    first = MeterBatch("CP1", 1, 1, None, s.ocpp16_id, SampledValues(rows), at(2), raw="[1]")
    await store.add_meter_values(first)
    await store.add_meter_values(first)  # a retry: nothing read twice
    changed = (at(2), REG, "999", "Wh", None, None, None, None)  # same key, stored later
    extra = (at(2), "SoC", "40", "Percent", None, None, None, None)
    later = MeterBatch("CP1", 1, 1, None, s.ocpp16_id, SampledValues([changed, extra]), at(3))
    await store.add_meter_values(later)
    tx = await store.get_transaction(s.transaction_id, with_samples=True)
    assert tx is not None
    assert [(x.timestamp, x.measurand, x.value) for x in tx.samples] == [
        (at(1), REG, "100"),
        (at(1), "Voltage", "230.1"),
        (at(1), REG, "ocmf|{}"),
        (at(2), REG, "200"),  # the first stored wins, as with the old unique index
        (at(2), "SoC", "40"),
    ]
    assert await store.read(lambda db: latest_register_wh(db, s.transaction_id)) == Decimal(200)
