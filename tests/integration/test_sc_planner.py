"""The planner in a real server: with the cheap window hours away and a departure after it,
a session is deferred (TxProfile 0 A, reason `deferred`, the plan shows its energy in the
cheap slots); a price change through the API replans it to charge now; bad planner bodies
are refused and change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import trio
from evgw.smartcharging import SessionPolicy, SessionPolicyRequest

from tests.integration.gateway_fixtures import start_server
from tests.integration.sc_fixtures import one_node_site, sc_config
from tests.integration.test_sc_dispatch import (
    allocation,
    charger,
    setup_site,
    start,
    tx_limits,
    until,
)


class Departures:
    """Every session leaves in 10 h wanting 20 kWh."""

    async def session_policy(self, request: SessionPolicyRequest) -> SessionPolicy | None:
        leave = datetime.now(UTC) + timedelta(hours=10)
        return SessionPolicy(departure_at=leave, energy_wh=20_000.0)


PLUGIN = {"plugins": {"entry_points": False, "modules": [f"{__name__}:Departures"]}}


def hhmm(at: datetime) -> str:
    return f"{at.hour:02d}:{at.minute:02d}"


def cheap_later() -> dict[str, Any]:
    """Cheap from 2 h to 8 h from now, dear otherwise (UTC)."""
    now = datetime.now(UTC)
    points = sorted(
        [(hhmm(now + timedelta(hours=2)), 0.10), (hhmm(now + timedelta(hours=8)), 0.40)]
    )
    return {"timezone": "UTC", "prices": [{"from": t, "price": p} for t, p in points]}


async def test_a_flexible_session_waits_for_the_cheap_window_then_a_price_change_replans(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    running = await start_server(nursery, {**sc_config(tmp_path), **PLUGIN})
    site = {**one_node_site(63, "CP1"), "planner": cheap_later()}
    api = await setup_site(running, "s1", site)
    async with charger(running, "CP1") as cp:
        await start(cp, 1)
        await until(lambda: tx_limits(cp, 1)[-1:] == [0])
        body = await allocation(api)
        assert body["connectors"][0]["reason"] == "deferred"
        plan = (await api.get("/api/v1/sites/s1/plan")).json()
        (session,) = plan["sessions"]
        assert (session["wanted_wh"], session["met"], session["now_kw"]) == (20_000.0, True, 0.0)
        assert abs(session["planned_wh"] - 20_000.0) < 1.0
        busy = [s for s in plan["slots"] if s["planned_kw"] > 0]
        assert busy
        assert all(s["price"] == 0.10 for s in busy)

        flat = {"timezone": "UTC", "prices": [{"from": "00:00", "price": 0.2}]}
        reply = await api.put("/api/v1/sites/s1/planner", json=flat)
        assert reply.status_code == 200, reply.text
        await until(lambda: tx_limits(cp, 1)[-1:] == [32])  # charge now: as early as possible
        stored = (await api.get("/api/v1/sites/s1")).json()
        assert stored["planner"]["prices"] == [{"from": "00:00", "price": 0.2}]
    running.server.stop()


async def test_bad_planner_bodies_are_refused_and_change_nothing(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    running = await start_server(nursery, sc_config(tmp_path))
    api = await setup_site(running, "s1", {**one_node_site(63, "CP1"), "planner": cheap_later()})
    before = (await api.get("/api/v1/sites/s1")).json()
    bad_bodies: list[Any] = [
        {"timezone": "Nowhere/City"},
        {"prices": [{"from": "24:00", "price": 1}]},
        {"prices": [{"from": "08:00", "price": 1}, {"from": "07:00", "price": 2}]},
        {"prices": [{"from": "08:00"}]},
        {"peak_kw": -5},
        {"peak_kw": "lots"},
        [1, 2],
    ]
    for bad in bad_bodies:
        reply = await api.put("/api/v1/sites/s1/planner", json=bad)
        assert reply.status_code == 422, (bad, reply.text)
        assert reply.json()["error"]["details"], bad
    assert (await api.get("/api/v1/sites/s1")).json() == before
    missing = await api.put("/api/v1/sites/nope/planner", json={})
    assert missing.status_code == 404
    assert (await api.get("/api/v1/sites/nope/plan")).status_code == 404
    null = {"content": b"null", "headers": {"content-type": "application/json"}}
    off = await api.put("/api/v1/sites/s1/planner", **null)
    assert off.status_code == 200
    assert (await api.get("/api/v1/sites/s1")).json()["planner"] is None
    running.server.stop()
