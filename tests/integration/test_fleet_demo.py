"""`evgw demo` runs a small fleet for a few seconds and stops cleanly with a consistent DB:
the chargers registered with their sites, the demo's tariff stored through the API and made
the default, and evgw's own shutdown not taken for a fleet-wide outage."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from evgw.demo import run_demo


def test_demo_runs_and_stops_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    assert run_demo(db=f"sqlite:///{db}", chargers=6, seconds=6) == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        sites = conn.execute("SELECT site_id, count(*) FROM chargers GROUP BY 1").fetchall()
        assert sorted(sites) == [("caltech", 3), ("jpl", 3)]
        assigned = conn.execute("SELECT scope, target, tariff_id FROM billing_assignments")
        assert assigned.fetchall() == [("default", "*", "DEMO-TOU")]
        assert conn.execute("SELECT count(*) FROM billing_tariff_versions").fetchone() == (1,)
        titles = [r[0] for r in conn.execute("SELECT title FROM mnt_tickets")]
        assert not [t for t in titles if "fleet-wide" in t]
        assert conn.execute("SELECT count(*) FROM mnt_outages").fetchone() == (0,)


def test_demo_refuses_an_empty_fleet(tmp_path: Path) -> None:
    assert run_demo(db=f"sqlite:///{tmp_path / 'd.db'}", chargers=0, seconds=1) == 2
