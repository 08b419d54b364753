"""End to end load management: a real server and the fleet simulator (EVs that follow
profiles after a lag and draw at most their limit) behind one or more sites. Shared by the
small test in `make test` (test_sc_fleet.py) and the 1,000-charger benchmark
(tests/benchmarks/bench_sc_e2e.py)."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import trio
from evgw.domain import ChargerRegistration
from evgw.security import hash_password
from evgw.smartcharging import SiteLoad, site_loads
from evgw.smartcharging._metrics import PROFILES
from evgw.testing.fleet import (
    ChargerSpec,
    Fleet,
    FleetEnv,
    ModelSettings,
    Ocpp16,
    Recorder,
    SimClock,
)

from tests.integration.gateway_fixtures import PASSWORD, Running, add_token, start_server
from tests.integration.sc_fixtures import admin, one_node_site, sc_config

TX_KINDS = ("reduce", "first", "increase", "refresh")


@attrs.frozen
class Scenario:
    chargers: int = 6
    sites: tuple[tuple[str, float], ...] = (("depot", 100.0),)  # (id, A per phase)
    v201_every: int = 0  # every n-th charger speaks 2.0.1 (0: none)
    speed: float = 10.0
    lag_sim_s: float = 5.0  # the EVs' response lag, simulated seconds
    run_s: float = 8.0  # real seconds after every session started
    meter_interval_s: float = 5.0  # simulated seconds
    managed: bool = True
    sample_s: float = 0.02
    fleet_tick_s: float = 0.05  # the simulated chargers' step (real s): raise it for big fleets
    smartcharging: dict[str, Any] = attrs.field(factory=dict)  # config overrides


@attrs.frozen
class FleetRun:
    scenario: Scenario
    samples: dict[str, list[tuple[float, float]]]  # site -> (real time, highest phase A)
    energy_wh: float  # delivered by every EV over the run
    tx_profiles: int  # TxProfile SetChargingProfile calls evgw made (any outcome)
    allocations: dict[str, dict[str, Any]]  # site -> GET .../allocation at the end
    errors: int  # protocol errors the simulated chargers saw
    started_s: float  # real seconds to start every session
    loads: tuple[SiteLoad, ...]  # the public per-tick view at the end (evgw.smartcharging)
    composite: dict[tuple[str, int], float]  # 2.0.1 GetCompositeSchedule limit per EVSE (A)

    def longest_overload_s(self, site: str, limit_a: float) -> float:
        longest, since = 0.0, None
        for t, amps in self.samples[site]:
            if amps > limit_a + 0.5:
                since = t if since is None else since
                longest = max(longest, t - since)
            else:
                since = None
        return longest

    def settled_peak(self, site: str) -> float:
        samples = self.samples[site]
        end = samples[-1][0]
        return max(a for t, a in samples if t > end - self.scenario.run_s / 2)


def specs(scenario: Scenario) -> tuple[list[ChargerSpec], list[str]]:
    names = [s for s, _ in scenario.sites]
    return [
        ChargerSpec(
            f"LM{i:05d}",
            i,
            site=None,
            password=PASSWORD,
            ocpp_version="ocpp2.0.1"
            if scenario.v201_every and i % scenario.v201_every == 0
            else None,
        )
        for i in range(scenario.chargers)
    ], names


def _site_of(index: int, names: list[str]) -> str:
    return names[index % len(names)]


def env(running: Running, tmp_path: Path, stop: trio.Event, scenario: Scenario) -> FleetEnv:
    return FleetEnv(
        url=running.ocpp_url,
        clock=SimClock(datetime.now(UTC), speed=scenario.speed),
        recorder=Recorder(),
        protocol=Ocpp16(),
        output_dir=tmp_path / "out",
        stop=stop,
        id_tags=("TAG1",),
        seed=4,
        model=ModelSettings(
            connectors=2, lag_s=scenario.lag_sim_s, meter_interval_s=scenario.meter_interval_s
        ),
        tick_s=scenario.fleet_tick_s,
        heartbeat_s=300.0,
        call_timeout_s=30.0,
    )


def site_load(fleet: Fleet, chargers: list[int]) -> float:
    per_phase = [0.0, 0.0, 0.0]
    for i in chargers:
        for conn in fleet.chargers[i].model.connectors.values():
            for phase, amps in enumerate(conn.current_a()):
                per_phase[phase] += amps
    return max(per_phase)


def energy(fleet: Fleet) -> float:
    return sum(conn.register_wh for c in fleet.chargers for conn in c.model.connectors.values())


async def watch(
    fleet: Fleet,
    groups: dict[str, list[int]],
    samples: dict[str, list[tuple[float, float]]],
    every: float,
) -> None:
    while True:
        now = trio.current_time()
        for site, members in groups.items():
            samples[site].append((now, site_load(fleet, members)))
        await trio.sleep(every)


async def start_everything(running: Running, fleet: Fleet) -> None:
    gateway = running.server.gateway
    assert gateway is not None
    async with trio.open_nursery() as nursery:
        for charger in fleet.chargers:
            nursery.start_soon(_start_charger, gateway, charger)


async def _start_charger(gateway: Any, charger: Any) -> None:
    charger_id = charger.spec.charger_id
    for n, cid in enumerate(charger.model.connectors):
        if charger.spec.ocpp_version == "ocpp2.0.1":
            token = {"idToken": "TAG1", "type": "ISO14443"}
            payload = {"idToken": token, "remoteStartId": n + 1, "evseId": cid}
            reply = await gateway.call(charger_id, "RequestStartTransaction", payload)
        else:
            payload = {"connectorId": cid, "idTag": "TAG1"}
            reply = await gateway.call(charger_id, "RemoteStartTransaction", payload)
        assert reply["status"] == "Accepted", (charger_id, reply)


async def composite_limits(running: Running, fleet: Fleet) -> dict[tuple[str, int], float]:
    """What each 2.0.1 station believes (GetCompositeSchedule), for the first 4 of them."""
    gateway = running.server.gateway
    assert gateway is not None
    out: dict[tuple[str, int], float] = {}
    v201 = [c for c in fleet.chargers if c.spec.ocpp_version == "ocpp2.0.1"][:4]
    for charger in v201:
        for evse in charger.model.connectors:
            payload = {"evseId": evse, "duration": 60, "chargingRateUnit": "A"}
            reply = await gateway.call(charger.spec.charger_id, "GetCompositeSchedule", payload)
            period = reply["schedule"]["chargingSchedulePeriod"][0]
            out[charger.spec.charger_id, evse] = float(period["limit"])
    return out


def tx_profiles_sent() -> float:
    return sum(
        PROFILES.labels(kind, result)._value.get()
        for kind in TX_KINDS
        for result in ("accepted", "rejected", "unanswered")
    )


async def run_fleet(nursery: trio.Nursery, tmp_path: Path, scenario: Scenario) -> FleetRun:
    lag_real = scenario.lag_sim_s / scenario.speed
    overrides = {"response_lag_s": max(lag_real, 0.05), "tx_profile_duration_s": 86_400}
    config = sc_config(tmp_path, **overrides, **scenario.smartcharging)
    config["smartcharging"]["enabled"] = scenario.managed
    # a big fleet connects at once from one address: room for the handshakes (each checks a
    # password) and no brute-force throttle on the slow ones
    ocpp = {"messages_per_second": 1000.0}
    config["ocpp"] = {**config.get("ocpp", {}), **ocpp, "auth_failures_per_minute": 100_000}
    running = await start_server(nursery, config)
    fleet_specs, names = specs(scenario)
    store = running.server.store
    assert store is not None
    secret = hash_password(PASSWORD)  # one KDF run shared by the simulated chargers
    for spec in fleet_specs:
        await store.put_charger(ChargerRegistration(id=spec.charger_id, password_hash=secret))
    await add_token(running, "TAG1")
    api = await admin(running)
    groups = {
        name: [i for i in range(scenario.chargers) if _site_of(i, names) == name] for name in names
    }
    for name, limit in scenario.sites:
        ids = [fleet_specs[i].charger_id for i in groups[name]]
        reply = await api.put(
            f"/api/v1/sites/{name}", json=one_node_site(limit, *ids, connectors=2)
        )
        assert reply.status_code == 201, reply.text
    stop = trio.Event()
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    fleet = Fleet(env(running, tmp_path, stop, scenario), fleet_specs)
    before = tx_profiles_sent()
    async with trio.open_nursery() as inner:
        inner.start_soon(fleet.run, scenario.chargers / 50)  # ramp: 50 connections/s
        with trio.fail_after(60 + scenario.chargers):  # the handshakes verify passwords (KDF)
            while fleet.statistics().online < scenario.chargers:  # noqa: ASYNC110
                await trio.sleep(0.05)
        inner.start_soon(watch, fleet, groups, samples, scenario.sample_s)
        t0, e0 = trio.current_time(), energy(fleet)
        await start_everything(running, fleet)
        started = trio.current_time() - t0
        await trio.sleep(scenario.run_s)
        delivered = energy(fleet) - e0
        allocations = {
            name: (await api.get(f"/api/v1/sites/{name}/allocation")).json() for name in names
        }
        loads = tuple(site_loads(running.server.components))
        composite = await composite_limits(running, fleet)
        stop.set()
        inner.cancel_scope.cancel()
    running.server.stop()
    return FleetRun(
        scenario,
        samples,
        delivered,
        int(tx_profiles_sent() - before),
        allocations,
        fleet.env.recorder.errors(),
        started,
        loads,
        composite,
    )


def feasible(allocation: dict[str, Any]) -> bool:
    return all(
        r["allocated"] <= r["limit"] + 1e-6 or not math.isfinite(r["limit"])
        for r in allocation["rows"]
    )
