"""Interop: a charge point built with the independent `ocpp` package (own process, asyncio)
against a real evgw server, on SQLite and on PostgreSQL; remote commands go through the
operator API over HTTP."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from evgw.api import create_api_token
from evgw.domain import Role

from tests.integration.gateway_fixtures import (
    PASSWORD,
    Running,
    add_token,
    register,
    server_config,
    start_server,
)

SCRIPT = Path(__file__).with_name("ocpp_charger.py")


@pytest.fixture
async def server(
    durable_store_url: str, nursery: trio.Nursery, tmp_path: Path
) -> AsyncIterator[Running]:
    """A real server on SQLite and on PostgreSQL (the store fixtures' backends)."""
    run = await start_server(nursery, server_config(tmp_path, durable_store_url))
    await register(run, "INTEROP1")
    await add_token(run, "TAG1")
    yield run
    run.server.stop()


class ChargerProcess:
    @classmethod
    async def start(cls, nursery: trio.Nursery, script: Path, server: Running) -> ChargerProcess:
        """Run `script` (an interop charger) as INTEROP1 against `server`."""
        proc = await nursery.start(
            functools.partial(
                trio.run_process,
                [sys.executable, str(script), server.ocpp_url, "INTEROP1", PASSWORD],
                stdout=subprocess.PIPE,
                check=False,
            )
        )
        return cls(proc)

    def __init__(self, proc: trio.Process) -> None:
        assert proc.stdout is not None
        self.proc = proc
        self._stdout = proc.stdout
        self._buffer = b""

    async def next_step(self, timeout: float = 20) -> dict[str, Any]:
        with trio.fail_after(timeout):
            while b"\n" not in self._buffer:
                chunk = await self._stdout.receive_some()
                if not chunk:
                    raise AssertionError(f"charger exited early: {self._buffer!r}")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        step: dict[str, Any] = json.loads(line)
        return step


async def test_ocpp_package_charger_end_to_end(server: Running, nursery: trio.Nursery) -> None:
    store = server.server.store
    assert store is not None
    api_token = await create_api_token(store, Role.OPERATOR, "interop")
    charger = await ChargerProcess.start(nursery, SCRIPT, server)
    steps = [await charger.next_step() for _ in range(7)]
    by_name = {s["step"]: s for s in steps}
    assert by_name["boot"]["status"] == "Accepted"
    assert by_name["authorize"]["status"] == "Accepted"
    assert by_name["start"]["status"] == "Accepted"
    assert by_name["stop"]["status"] == "Accepted"
    assert steps[-1]["step"] == "ready"

    headers = {"Authorization": f"Bearer {api_token}"}
    async with httpx.AsyncClient(base_url=server.api_url, headers=headers, timeout=10) as http:
        base = "/api/v1/chargers/INTEROP1/ocpp"
        remote = await http.post(f"{base}/RemoteStartTransaction", json={"idTag": "TAG1"})
        assert remote.status_code == 200, remote.text
        assert remote.json()["payload"] == {"status": "Accepted"}
        assert (await charger.next_step())["action"] == "RemoteStartTransaction"
        config = await http.post(f"{base}/GetConfiguration", json={})
        assert config.json()["payload"]["configurationKey"][0]["key"] == "HeartbeatInterval"
        assert (await charger.next_step())["action"] == "GetConfiguration"
        bad = await http.post(f"{base}/Reset", json={"type": "Sideways"})
        assert bad.status_code == 422
        reset = await http.post(f"{base}/Reset", json={"type": "Soft"})
        assert reset.json()["payload"] == {"status": "Accepted"}
        assert (await charger.next_step())["action"] == "Reset"
        assert (await charger.next_step())["step"] == "done"
        with trio.fail_after(10):
            await charger.proc.wait()
        assert charger.proc.returncode == 0
        gone = await http.post(f"{base}/Reset", json={"type": "Soft"})
        assert gone.status_code == 409

    tx = await store.find_transaction_by_ocpp16_id("INTEROP1", by_name["start"]["transaction_id"])
    assert tx is not None
    full = await store.get_transaction(tx.id, with_samples=True)
    assert full is not None
    assert (full.status, full.energy_wh) == ("completed", 1500)
    assert len(full.samples) == 4
