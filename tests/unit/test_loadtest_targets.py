"""Load-test targets start every run from an empty store: a database left by an earlier run
into the same folder would hold its transactions, which the ledger would count as this run's."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from loadtests.targets import Target


def _count(db: Path, table: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _leftovers(work: Path, db: str) -> None:
    work.mkdir()
    (work / db).write_bytes(b"an earlier run's database, not readable as one")
    (work / f"{db}-wal").write_bytes(b"stale")
    (work / "spool").mkdir()
    (work / "spool" / "journal").write_text("stale")


@pytest.mark.parametrize(("name", "db"), [("evgw", "evgw.db"), ("peer", "peer.db")])
async def test_a_run_starts_from_an_empty_store(tmp_path: Path, name: str, db: str) -> None:
    work = tmp_path / name
    _leftovers(work, db)
    await Target(name, work).prepare(["CP1", "CP2"], ["TAG1"], 1)
    assert _count(work / db, "chargers") == 2
    assert not (work / "spool").exists()
    assert not (work / f"{db}-wal").exists() or (work / f"{db}-wal").read_bytes() != b"stale"
