"""Interop: charge points built with the independent `ocpp` package (1.6 and 2.0.1, own
process) receive evgw's local authorization list: the package checks every SendLocalList
against its own schemas; a Full update split to 2 entries per message, then a Differential."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import pytest
import trio

from tests.integration.authz_fixtures import authz_server
from tests.integration.gateway_fixtures import PASSWORD, register
from tests.interop.test_ocpp_package_charger import ChargerProcess

SCRIPT = Path(__file__).with_name("ocpp_local_list_charger.py")
FAST = {"local_list": {"enabled": True, "sync_interval_s": 0.1, "retry_s": 0.1}}


@pytest.mark.parametrize("version", ["ocpp1.6", "ocpp2.0.1"])
async def test_ocpp_package_receives_the_local_list(
    nursery: trio.Nursery, tmp_path: Path, version: str
) -> None:
    async with authz_server(nursery, tmp_path, **FAST) as (run, api):
        await register(run, "LL1")
        for tag in ("A1", "B2", "C3"):
            await api.put(f"/tokens/{tag}", json={"status": "Accepted"})
        await api.put("/tokens/C3", json={"status": "Blocked"})
        proc = await nursery.start(
            functools.partial(
                trio.run_process,
                [sys.executable, str(SCRIPT), run.ocpp_url, "LL1", PASSWORD, version, "4"],
                stdout=subprocess.PIPE,
                check=False,
            )
        )
        charger = ChargerProcess(proc)
        assert (await charger.next_step())["step"] == "boot"
        first = [await charger.next_step() for _ in range(2)]
        assert [(s["update_type"], s["items"], s["version"]) for s in first] == [
            ("Full", 2, 1),
            ("Differential", 1, 2),
        ]
        assert first[-1]["entries"] == {"A1": "Accepted", "B2": "Accepted", "C3": "Blocked"}
        await api.put("/tokens/D4", json={"status": "Accepted"})
        step = await charger.next_step()
        assert (step["update_type"], step["items"], step["version"]) == ("Differential", 1, 3)
        assert step["entries"]["D4"] == "Accepted"
        assert (await charger.next_step())["step"] == "done"
        with trio.fail_after(10):
            assert await proc.wait() == 0
