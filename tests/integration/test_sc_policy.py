"""Plugin hooks of load management in a real server: a VIP session is admitted before a
running default one when only one fits, and an external limit holds the site below its own."""

from __future__ import annotations

from pathlib import Path

import trio
from evgw.smartcharging import (
    ExternalLimit,
    ExternalLimitRequest,
    SessionPolicy,
    SessionPolicyRequest,
)

from tests.integration.gateway_fixtures import start_server
from tests.integration.sc_fixtures import one_node_site, sc_config
from tests.integration.test_sc_dispatch import charger, setup_site, start, tx_limits, until


class Policy:
    """VIP for CP2's sessions; an external limit of 20 A on site "capped"."""

    async def session_policy(self, request: SessionPolicyRequest) -> SessionPolicy | None:
        return SessionPolicy(priority=0) if request.charger_id == "CP2" else None

    async def external_limit(self, request: ExternalLimitRequest) -> ExternalLimit | None:
        return ExternalLimit(20.0) if request.site_id == "capped" else None


PLUGIN = {"plugins": {"entry_points": False, "modules": [f"{__name__}:Policy"]}}


async def test_a_vip_session_goes_first(nursery: trio.Nursery, tmp_path: Path) -> None:
    running = await start_server(nursery, {**sc_config(tmp_path), **PLUGIN})
    api = await setup_site(running, "s1", one_node_site(10, "CP1", "CP2"))
    async with charger(running, "CP1") as normal, charger(running, "CP2") as vip:
        await start(normal, 1)
        await until(lambda: tx_limits(normal, 1)[-1:] == [10])
        await start(vip, 1)
        await until(lambda: tx_limits(normal, 1)[-1:] == [0] and tx_limits(vip, 1)[-1:] == [10])
        body = (await api.get("/api/v1/sites/s1/allocation")).json()
        assert [c["priority"] for c in body["connectors"]] == [1, 0]
        assert body["connectors"][0]["reason"] == "no_capacity"
    running.server.stop()


async def test_an_external_limit_holds_the_site(nursery: trio.Nursery, tmp_path: Path) -> None:
    config = {**sc_config(tmp_path, external_limit_interval_s=0.1), **PLUGIN}
    running = await start_server(nursery, config)
    await setup_site(running, "capped", one_node_site(40, "CP1", "CP2"))
    async with charger(running, "CP1") as one, charger(running, "CP2") as two:
        await start(one, 1)
        await start(two, 1)
        await until(lambda: tx_limits(one, 1)[-1:] == [10] and tx_limits(two, 1)[-1:] == [10])
    running.server.stop()
