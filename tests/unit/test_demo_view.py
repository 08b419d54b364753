"""The demo's view logic on a fleet that is built but not connected: which fault clears the
event log credits to evgw's reset, site peaks, and the money line."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import trio
from evgw.demo import _setup as setup
from evgw.demo._ops import Operations, _cdr_line, paused_sessions
from evgw.demo._run import _fleet
from evgw.demo._view import EventLog, SitePeaks, _money
from evgw.testing.fleet import Fleet


def _two_chargers(tmp_path: Path) -> Fleet:
    return _fleet("ws://127.0.0.1:9/ocpp", setup.specs(2), tmp_path, trio.Event())


async def test_a_fault_cleared_by_a_remote_reset_counts_as_remediated(tmp_path: Path) -> None:
    fleet = _two_chargers(tmp_path)
    log = EventLog(fleet, setup.UTC_OFFSET_H)
    log.poll()
    charger = fleet.chargers[0]
    charger.model.fault(1, "EVCommunicationError", 1.0)
    charger.model.fault(2, "GroundFailure", 1.0)
    log.poll()
    assert any("fault EVCommunicationError" in line for line in log.lines)
    charger.request_reboot(hard=False)
    log.poll()
    assert log.remediated == 1
    assert "cleared by evgw's remote reset" in log.lines[0]
    assert charger.model.connectors[2].status == "Faulted"  # a safety trip outlives a reset


async def test_site_peaks_keep_the_highest_load(tmp_path: Path) -> None:
    fleet = _two_chargers(tmp_path)
    peaks = SitePeaks()
    fleet.chargers[0].model.connectors[1].power_w = 7_000.0
    assert peaks.update(fleet) == {"jpl": 7.0, "caltech": 0.0}
    fleet.chargers[0].model.connectors[1].power_w = 1_000.0
    assert peaks.update(fleet)["jpl"] == 1.0
    assert peaks.peak_kw["jpl"] == 7.0


def test_money_line_and_cdr_line() -> None:
    ops = Operations(revenue_excl=Decimal("10.00"), tax=Decimal("0.80"), cdrs=3, held=1)
    assert _money(ops) == "USD 10.80 (3 CDRs, 1 held for review)"
    cdr = {
        "id": "T1",
        "currency": "USD",
        "total_energy": 12.345,
        "total_cost": {"excl_vat": 4.7, "incl_vat": 4.7},
        "cdr_location": {"evse_uid": "DEMO-JPL-01*1"},
    }
    assert _cdr_line(cdr) == "[cyan]CDR[/cyan] DEMO-JPL-01*1: 12.3 kWh, USD 4.7"


def test_paused_counts_sessions_held_by_the_site_not_full_evs() -> None:
    def conn(tx: str | None, reason: str, limit: float) -> dict[str, object]:
        return {"transaction_id": tx, "reason": reason, "limit_a": limit}

    allocation = {
        "connectors": [
            conn("1", "charging", 16.0),
            conn("2", "no_capacity", 0.0),
            conn("3", "idle", 0.0),  # the EV is full: its session goes on, it is not paused
            conn("4", "infeasible", 0.0),
            conn("5", "deferred", 0.0),
            conn(None, "idle", 0.0),
        ]
    }
    assert paused_sessions(allocation) == 3
