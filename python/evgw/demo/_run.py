"""`evgw demo`: the gateway on embedded SQLite plus a simulated fleet living a day fast.

Two sites (the JPL and Caltech workloads), EVs arrive and leave, meter values flow. Load
management holds each site under its limit (the "peak kW" column beside "limit kW"); every
session is priced with a time-of-use tariff and its CDR counted as revenue; now and then a
connector faults: software faults are fixed by evgw's remote reset, safety trips and the rest
open tickets. Ctrl-C stops the fleet first, then drains the gateway and closes the store, so
the database stays consistent.
"""

from __future__ import annotations

import logging
import signal
import tempfile
from pathlib import Path

import httpx
import trio
from rich.console import Console
from rich.live import Live
from trio import TaskStatus

from evgw.app import Endpoints, Server
from evgw.config import config_from_dict
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

from . import _setup as setup
from ._ops import OperationsPoller
from ._view import EventLog, Screen


def _fleet(url: str, specs: list[ChargerSpec], out: Path, stop: trio.Event) -> Fleet:
    env = FleetEnv(
        url=url,
        clock=SimClock(setup.epoch(), setup.SPEED),
        recorder=Recorder(),
        protocol=Ocpp16(),
        output_dir=out,
        stop=stop,
        id_tags=setup.TOKENS,
        seed=2026,
        start_hour=setup.START_HOUR,
        model=ModelSettings(connectors=2, meter_interval_s=setup.METER_INTERVAL_S),
        faults=FaultSettings(
            connector_fault_every_s=1200.0,
            connector_fault_duration_s=240.0,  # real seconds: only a reset ends it sooner
            reset_clears=setup.RESET_CLEARS,
        ),
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


async def _view(fleet: Fleet, urls: list[str], api: httpx.AsyncClient, console: Console,
                stop: trio.Event) -> None:  # fmt: skip
    log = EventLog(fleet, setup.UTC_OFFSET_H)
    poller = OperationsPoller(api, sorted(setup.SITE_LIMIT_A), log.note)
    screen = Screen(fleet, log, urls, setup.site_limits_kw())
    async with trio.open_nursery() as nursery:
        nursery.start_soon(poller.run)
        with Live(console=console, auto_refresh=False, transient=False) as live:
            while not stop.is_set():
                log.poll()
                live.update(screen.render(poller.ops), refresh=True)
                with trio.move_on_after(0.5):
                    await stop.wait()
        nursery.cancel_scope.cancel()


async def _until_stopped(stop: trio.Event, seconds: float) -> None:
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        with trio.move_on_after(seconds if seconds > 0 else float("inf")):
            async for _ in signals:
                break
    stop.set()


async def _serve(server: Server, done: trio.Event, *, task_status: TaskStatus[Endpoints]) -> None:
    try:
        await server.run(task_status=task_status)
    finally:
        done.set()


async def _demo(db: str, chargers: int, seconds: float, console: Console) -> None:
    """Stops evgw before the fleet: the chargers outlive the server, as in a real restart, so
    the shutdown is not mistaken for a fleet-wide connection loss."""
    raise_fd_limit()
    with tempfile.TemporaryDirectory(prefix="evgw-demo-") as tmp:
        specs = setup.specs(chargers)
        server = Server(config_from_dict(setup.config(db, Path(tmp) / "spool", specs)))
        quit_, server_done, fleet_stop = trio.Event(), trio.Event(), trio.Event()
        async with trio.open_nursery() as nursery:
            endpoints = await nursery.start(_serve, server, server_done)
            assert server.store is not None
            await setup.register(server.store, specs)
            token = await setup.operator_token(server.store)
            base = f"http://127.0.0.1:{endpoints.api_port}/api/v1"
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as api:
                await setup.price_sessions(api)
                ocpp = f"ws://127.0.0.1:{endpoints.ocpp_port}/ocpp"
                fleet = _fleet(ocpp, specs, Path(tmp), fleet_stop)
                urls = _urls(endpoints)
                for line in [*urls, f"API token (admin, this run): {token}"]:
                    console.print(line)
                nursery.start_soon(fleet.run, min(5.0, chargers * 0.1))
                async with trio.open_nursery() as inner:
                    inner.start_soon(_view, fleet, urls, api, console, quit_)
                    await _until_stopped(quit_, seconds)
            console.print("\nstopping: draining the gateway, closing the store, then the fleet…")
            server.stop()
            await server_done.wait()
            fleet_stop.set()


def run_demo(*, db: str, chargers: int = 50, seconds: float = 0) -> int:
    """Run the demo until Ctrl-C (or `seconds`); 0 on a clean stop."""
    if chargers < 1:
        print("evgw demo: --chargers must be at least 1")
        return 2
    logging.getLogger().setLevel(logging.ERROR)  # the view shows tickets and faults
    console = Console()
    trio.run(_demo, db, chargers, seconds, console)
    console.print("stopped cleanly")
    return 0
