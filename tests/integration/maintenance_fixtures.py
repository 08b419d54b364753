"""A real server with short maintenance timers, chargers over real sockets, API helpers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import trio
from evgw.domain import Role
from evgw.maintenance._component import Maintenance
from evgw.testing import ScriptedCharger

from tests.integration.gateway_fixtures import (
    Running,
    api_client,
    register,
    server_config,
    start_server,
)

FAST: dict[str, Any] = {
    "flush_interval_s": 0.05,
    "detection": {"offline_floor_s": 0.5, "probe_timeout_s": 0.3, "check_interval_s": 0.05},
    "remediation": {
        "settle_s": 0.3,
        "recovery_timeout_s": 1.5,
        "defer_poll_s": 0.05,
        "reset_cooldown_s": 0,
    },
}


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and key in out else value
    return out


async def serve(
    nursery: trio.Nursery,
    tmp_path: Path,
    chargers: int = 1,
    ocpp: dict[str, Any] | None = None,
    **maintenance: Any,
) -> Running:
    config = server_config(tmp_path, heartbeat_interval_s=1, **(ocpp or {}))
    config["maintenance"] = merge(
        merge(FAST, {"files": {"dir": str(tmp_path / "maintenance-files")}}), maintenance
    )
    run = await start_server(nursery, config)
    for n in range(1, chargers + 1):
        await register(run, f"CP{n}")
    return run


async def client(run: Running, role: Role = Role.OPERATOR) -> httpx.AsyncClient:
    return await api_client(run, role, label="tester")


def component(run: Running) -> Maintenance:
    (found,) = [c for c in run.server.components if isinstance(c, Maintenance)]
    return found


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def status(
    connector: int, st: str, code: str = "NoError", at: datetime | None = None
) -> dict[str, Any]:
    return {
        "connectorId": connector,
        "errorCode": code,
        "status": st,
        "timestamp": iso(at or datetime.now(UTC)),
    }


async def poll(
    api: httpx.AsyncClient, path: str, done: Callable[[Any], object], timeout: float = 10
) -> Any:
    """GET `path` until `done(json)` holds."""
    with trio.fail_after(timeout):
        while True:
            reply = await api.get(path)
            assert reply.status_code == 200, reply.text
            body = reply.json()
            if done(body):
                return body
            await trio.sleep(0.05)


def calls(cp: ScriptedCharger, action: str) -> list[dict[str, Any]]:
    return [frame[3] for frame in cp.received_calls if frame[2] == action]


async def wait_call(cp: ScriptedCharger, action: str, count: int = 1, timeout: float = 10) -> None:
    with trio.fail_after(timeout):
        while True:
            if len(calls(cp, action)) >= count:
                return
            await trio.sleep(0.02)
