"""The load tests' transaction ledger: what the fleet had acknowledged, held against evgw's
store. A mixed 1.6 / 2.0.1 fleet with every transaction message duplicated and offline periods
(replays) runs against a real server; the ledger then finds nothing lost or double counted,
and finds both once the store is tampered with."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import attrs
import trio
from evgw.testing.fleet import FaultSettings, Fleet, Recorder, fleet_specs

from loadtests import ledger
from tests.integration.gateway_fixtures import (
    PASSWORD,
    add_token,
    register,
    server_config,
    start_server,
)
from tests.integration.test_fleet_e2e import fleet_env

CHARGERS = 4
FAULTS = FaultSettings(duplicate_share=1.0, offline_every_s=4.0, offline_duration_s=1.0)


def _enough(rec: Recorder) -> bool:
    """A stop acknowledged, duplicates sent and queued transaction messages replayed."""
    seen = rec.ledger.stops_acked() and rec.events["replayed"] and len(rec.ledger.acked) >= 3
    return bool(seen and rec.events["duplicates"] >= 6)


async def run_fleet(nursery: trio.Nursery, tmp_path: Path) -> Recorder:
    running = await start_server(nursery, server_config(tmp_path))
    specs = [
        attrs.evolve(s, ocpp_version="ocpp2.0.1" if i % 2 else "ocpp1.6")
        for i, s in enumerate(fleet_specs(CHARGERS, prefix="LED", password=PASSWORD))
    ]
    for spec in specs:
        await register(running, spec.charger_id)
    await add_token(running, "TAG1")
    stop, rec = trio.Event(), Recorder()
    fleet = Fleet(fleet_env(running, tmp_path, stop, rec, faults=FAULTS), specs)
    async with trio.open_nursery() as inner:
        inner.start_soon(fleet.run)
        with trio.fail_after(30):
            while not _enough(rec):  # noqa: ASYNC110
                await trio.sleep(0.1)
        stop.set()
    running.server.stop()
    return rec


async def test_ledger_matches_the_store_under_duplicates_and_replays(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    rec = await run_fleet(nursery, tmp_path)
    assert rec.events["replayed"] > 0
    result = ledger.check(rec.ledger, tmp_path / "evgw.db")
    assert result["starts_acknowledged"] >= 2
    assert result["in_store"] >= result["starts_acknowledged"]
    assert (result["lost_starts"], result["lost_stops"], result["double_counted"]) == (0, 0, 0)
    assert (result["meter_start_mismatched"], result["orphan_stops"]) == (0, 0), result

    db = sqlite3.connect(tmp_path / "evgw.db")
    charger, ref = next(k for k, (_, stop) in rec.ledger.acked.items() if stop is not None)
    column = "ocpp16_id" if ref.isdigit() else "ocpp_tx_id"
    db.execute(
        f"UPDATE transactions SET meter_stop_wh = meter_stop_wh + 1 "
        f"WHERE charger_id = ? AND {column} = ?",
        (charger, ref),
    )
    extra = db.execute(
        "SELECT * FROM transactions WHERE charger_id = ? AND ocpp16_id IS NOT NULL LIMIT 1",
        ("LED00000",),
    ).fetchone()
    names = [d[0] for d in db.execute("SELECT * FROM transactions LIMIT 0").description]
    copy = dict(zip(names, extra, strict=True))
    copy.update(id="copied", ocpp16_id=999999, started_at="2020-01-01 00:00:00")
    marks = ", ".join("?" * len(copy))
    insert = f"INSERT INTO transactions ({', '.join(copy)}) VALUES ({marks})"
    db.execute(insert, list(copy.values()))
    db.commit()
    db.close()
    tampered = ledger.check(rec.ledger, tmp_path / "evgw.db")
    assert tampered["lost_stops"] == 1
    assert tampered["double_counted"] == 1
