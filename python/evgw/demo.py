"""`evgw demo`: the gateway on embedded SQLite plus a simulated fleet living a day fast.

Two sites (the JPL and Caltech workloads), EVs arrive and leave, meter values flow, now and
then a connector faults and recovers; load management holds each site at its limit (the
"limit kW" column beside "load kW"); a live terminal view shows it all. Ctrl-C stops the fleet
first, then drains the gateway and closes the store, so the database stays consistent.
"""

from __future__ import annotations

import logging
import signal
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import trio
from rich.console import Console
from rich.live import Live

from evgw.app import Endpoints, Server
from evgw.config import config_from_dict
from evgw.domain import ChargerRegistration, IdToken
from evgw.security import hash_password
from evgw.store import Store
from evgw.testing.fleet import (
    ChargerSpec,
    FaultSettings,
    Fleet,
    FleetEnv,
    ModelSettings,
    Ocpp16,
    Recorder,
    SimClock,
    raise_fd_limit,
)
from evgw.testing.fleet._view import EventLog, render

DAY_S = 600.0  # one simulated day in ten real minutes
START_HOUR = 5.0  # local time in Pasadena when the demo begins
PASSWORD = "demo-charger-password"
TOKENS = tuple(f"DEMO{i:03d}" for i in range(40))
SITE_LIMIT_A = {"jpl": 60.0, "caltech": 40.0}  # per phase, 230/400 V: well below the peak
VOLTAGE = 230.0


def _sites(specs: list[ChargerSpec]) -> list[dict[str, object]]:
    return [
        {
            "id": site,
            "name": f"demo {site}",
            "nodes": [{"id": "grid", "limit_a": limit}],
            # rotated wiring spreads single-phase EVs over the three phases
            "chargers": [
                {"id": s.charger_id, "node": "grid", "connectors": 2, "rotation": s.index % 3}
                for s in specs
                if s.site == site
            ],
        }
        for site, limit in SITE_LIMIT_A.items()
    ]


def _limits_kw() -> dict[str, float]:
    return {site: 3 * VOLTAGE * amps / 1000 for site, amps in SITE_LIMIT_A.items()}


def _epoch() -> datetime:
    """13:00 UTC (05:00 in Pasadena) at or after now: the chargers' clocks never lag evgw's,
    so the TxProfiles evgw starts "now" are in force at once on the fast simulated clock."""
    now = datetime.now(UTC)
    epoch = now.replace(hour=13, minute=0, second=0, microsecond=0)
    return epoch if epoch >= now else epoch + timedelta(days=1)


def _config(db: str, spool: Path, specs: list[ChargerSpec]) -> dict[str, object]:
    return {
        # a simulated day lasts DAY_S: profiles must outlive the compressed time
        "smartcharging": {"sites": _sites(specs), "tx_profile_duration_s": 30 * 86_400},
        "ocpp": {"listen": "127.0.0.1:0", "spool_dir": str(spool), "messages_per_second": 100.0},
        "api": {"listen": "127.0.0.1:0"},
        "store": {"url": db},
        "plugins": {"entry_points": False},
        "log_level": "WARNING",
    }


def _specs(chargers: int) -> list[ChargerSpec]:
    half = (chargers + 1) // 2
    return [
        ChargerSpec(
            f"DEMO-{'JPL' if i < half else 'CAL'}-{i % half + 1:02d}",
            i,
            site="jpl" if i < half else "caltech",
            password=PASSWORD,
        )
        for i in range(chargers)
    ]


async def _register(store: Store, specs: list[ChargerSpec]) -> None:
    secret = hash_password(PASSWORD)  # one KDF run, shared by the demo chargers
    for spec in specs:
        await store.put_charger(ChargerRegistration(id=spec.charger_id, password_hash=secret))
    for token in TOKENS:
        await store.put_token(IdToken(id=token))


def _fleet(url: str, specs: list[ChargerSpec], out: Path, stop: trio.Event) -> Fleet:
    speed = 86_400.0 / DAY_S
    env = FleetEnv(
        url=url,
        clock=SimClock(_epoch(), speed),
        recorder=Recorder(),
        protocol=Ocpp16(),
        output_dir=out,
        stop=stop,
        id_tags=TOKENS,
        seed=2026,
        start_hour=START_HOUR,
        model=ModelSettings(connectors=2, meter_interval_s=900.0),
        faults=FaultSettings(connector_fault_every_s=1800.0, connector_fault_duration_s=20.0),
        tick_s=1.0,
        heartbeat_s=60.0,
    )
    return Fleet(env, specs)


def _urls(ep: Endpoints) -> list[str]:
    api = f"http://127.0.0.1:{ep.api_port}"
    return [
        f"API      {api}/api/v1 (OpenAPI: /openapi.json)",
        f"metrics  {api}/metrics",
        f"OCPP     ws://127.0.0.1:{ep.ocpp_port}/ocpp/<id>",
    ]


async def _view(fleet: Fleet, urls: list[str], console: Console, stop: trio.Event) -> None:
    log = EventLog(fleet)
    with Live(console=console, auto_refresh=False, transient=False) as live:
        while not stop.is_set():
            log.poll(f"{fleet.env.clock.datetime_at(fleet.env.clock.now()):%H:%M}")
            live.update(render(fleet, log, urls, _limits_kw()), refresh=True)
            with trio.move_on_after(0.5):
                await stop.wait()


async def _until_stopped(stop: trio.Event, seconds: float) -> None:
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        with trio.move_on_after(seconds if seconds > 0 else float("inf")):
            async for _ in signals:
                break
    stop.set()


async def _demo(db: str, chargers: int, seconds: float, console: Console) -> None:
    raise_fd_limit()
    with tempfile.TemporaryDirectory(prefix="evgw-demo-") as tmp:
        specs = _specs(chargers)
        server = Server(config_from_dict(_config(db, Path(tmp) / "spool", specs)))
        async with trio.open_nursery() as nursery:
            endpoints = await nursery.start(server.run)
            assert server.store is not None
            await _register(server.store, specs)
            stop = trio.Event()
            fleet = _fleet(f"ws://127.0.0.1:{endpoints.ocpp_port}/ocpp", specs, Path(tmp), stop)
            for line in _urls(endpoints):
                console.print(line)
            async with trio.open_nursery() as inner:
                inner.start_soon(_until_stopped, stop, seconds)
                inner.start_soon(_view, fleet, _urls(endpoints), console, stop)
                await fleet.run(ramp_s=min(5.0, chargers * 0.1))
            console.print("\nstopping: fleet down, draining the gateway, closing the store…")
            server.stop()


def run_demo(*, db: str, chargers: int = 50, seconds: float = 0) -> int:
    """Run the demo until Ctrl-C (or `seconds`); 0 on a clean stop."""
    if chargers < 1:
        print("evgw demo: --chargers must be at least 1")
        return 2
    logging.getLogger().setLevel(logging.WARNING)
    console = Console()
    trio.run(_demo, db, chargers, seconds, console)
    console.print("stopped cleanly")
    return 0
