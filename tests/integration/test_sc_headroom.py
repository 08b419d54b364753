"""Headroom from measured draw, end to end: EVs that are full (they draw nothing, plugged in)
give a 6 A place to an EV that waits, on a real server with the fleet simulator. Before the
`yield_after_s` rule a charging EV kept its 6 A until rotation (15 min) whatever it drew:
the demo showed EVs paused while the site drew well under its limit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import trio
from evgw.security import hash_password
from evgw.testing.fleet import Fleet

from tests.integration.gateway_fixtures import PASSWORD, add_token, start_server
from tests.integration.sc_fixtures import admin, one_node_site, sc_config
from tests.integration.sc_fleet_harness import Scenario, env, specs, start_everything

LIMIT_A = 18.0  # room for three connectors at 6 A; four sessions
SCENARIO = Scenario(chargers=2, sites=(("depot", LIMIT_A),), meter_interval_s=2.0)
TIMING = {  # real seconds (speed x10): short windows so the test runs in seconds
    "measure_window_s": 0.6,
    "stale_meter_s": 2.0,
    "yield_after_s": 1.0,
    "rotate_after_s": 600.0,  # no rotation during the test: only the new rule can help
}


async def connectors(api: httpx.AsyncClient) -> dict[tuple[str, int], dict[str, Any]]:
    reply = await api.get("/api/v1/sites/depot/allocation")
    assert reply.status_code == 200, reply.text
    return {(c["charger_id"], c["evse_id"]): c for c in reply.json()["connectors"]}


async def until(api: httpx.AsyncClient, what: Any, timeout: float) -> dict[Any, Any]:
    with trio.fail_after(timeout):
        while True:
            state = await connectors(api)
            if what(state):
                return state
            await trio.sleep(0.1)


def paused(state: dict[Any, Any]) -> list[Any]:
    return [k for k, c in state.items() if c["reason"] == "no_capacity"]


async def test_full_evs_give_their_six_amps_to_a_waiting_one(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    lag = SCENARIO.lag_sim_s / SCENARIO.speed
    config = sc_config(tmp_path, response_lag_s=lag, tx_profile_duration_s=86_400, **TIMING)
    running = await start_server(nursery, config)
    fleet_specs, _ = specs(SCENARIO)
    store = running.server.store
    assert store is not None
    for spec in fleet_specs:
        from evgw.domain import ChargerRegistration  # noqa: PLC0415

        secret = hash_password(PASSWORD)
        await store.put_charger(ChargerRegistration(id=spec.charger_id, password_hash=secret))
    await add_token(running, "TAG1")
    api = await admin(running)
    ids = [s.charger_id for s in fleet_specs]
    reply = await api.put("/api/v1/sites/depot", json=one_node_site(LIMIT_A, *ids, connectors=2))
    assert reply.status_code == 201, reply.text
    stop = trio.Event()
    fleet = Fleet(env(running, tmp_path, stop, SCENARIO), fleet_specs)
    async with trio.open_nursery() as inner:
        inner.start_soon(fleet.run, 0.1)
        with trio.fail_after(30):
            while fleet.statistics().online < len(fleet_specs):  # noqa: ASYNC110
                await trio.sleep(0.05)
        await start_everything(running, fleet)
        # three charge at 6 A, one waits
        state = await until(api, lambda s: len(paused(s)) == 1 and _charging(s) == 3, 20)
        waiting = paused(state)[0]
        full = [k for k, c in state.items() if c["reason"] == "charging"][:2]
        for charger_id, evse in full:  # these EVs are full: they draw nothing, stay plugged in
            ev = _model(fleet, charger_id).connectors[evse].ev
            assert ev is not None
            ev.delivered_wh = ev.energy_wanted_wh
        # the waiting EV charges (a full one gave its place), and draws current
        state = await until(api, lambda s: s[waiting]["reason"] == "charging", 20)
        assert state[waiting]["limit_a"] >= 6.0
        with trio.fail_after(10):
            while _drawn(fleet, waiting) < 5.0:  # noqa: ASYNC110
                await trio.sleep(0.05)
        # and it keeps charging; the two full EVs do not swap the one place left each tick
        seen = []
        for _ in range(15):
            await trio.sleep(0.1)
            state = await connectors(api)
            assert state[waiting]["reason"] == "charging", state
            seen.append(tuple(state[k]["limit_a"] for k in full))
        assert len(set(seen)) == 1, seen
        assert sum(c["limit_a"] for c in state.values()) <= LIMIT_A
        stop.set()
        inner.cancel_scope.cancel()
    running.server.stop()


def _charging(state: dict[Any, Any]) -> int:
    return sum(1 for c in state.values() if c["reason"] == "charging")


def _model(fleet: Fleet, charger_id: str) -> Any:
    return next(c.model for c in fleet.chargers if c.spec.charger_id == charger_id)


def _drawn(fleet: Fleet, key: tuple[str, int]) -> float:
    amps: float = max(_model(fleet, key[0]).connectors[key[1]].current_a())
    return amps
