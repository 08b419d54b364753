"""`evgw demo` runs a small fleet for a few seconds and stops cleanly with a consistent DB."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from evgw.demo import run_demo


def test_demo_runs_and_stops_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert run_demo(db=f"sqlite:///{db}", chargers=4, seconds=4) == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        charger_table = next(t for t in tables if "charger" in t)
        assert conn.execute(f"SELECT count(*) FROM {charger_table}").fetchone()[0] >= 4


def test_demo_refuses_an_empty_fleet(tmp_path: Path) -> None:
    assert run_demo(db=f"sqlite:///{tmp_path / 'd.db'}", chargers=0, seconds=1) == 2
