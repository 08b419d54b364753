"""The ``authorize`` plugin hook with real plugins loaded from the configuration
(docs/authorization.md: the contract)."""

from __future__ import annotations

from pathlib import Path

import trio
from evgw.testing import connect_charger

from tests.conformance.v201_frames import V201
from tests.integration.authz_plugin import Tightener
from tests.integration.gateway_fixtures import (
    PASSWORD,
    add_token,
    register,
    server_config,
    start_server,
)
from tests.integration.test_gateway_v16 import BOOT

PLUGINS = [
    "tests.integration.authz_plugin:PartnerPolicy",
    "tests.integration.authz_plugin:Tightener",
]


async def test_plugins_decide_after_the_token_table(nursery: trio.Nursery, tmp_path: Path) -> None:
    config = server_config(tmp_path)
    config["plugins"] = {"entry_points": False, "modules": PLUGINS, "timeout_s": 1.0}
    run = await start_server(nursery, config)
    for charger_id in ("CP1", "CP-CLOSED"):
        await register(run, charger_id)
    await add_token(run, "TAG1")
    Tightener.asked.clear()
    async with connect_charger(
        run.charger_url("CP1"), version=V201, user="CP1", password=PASSWORD
    ) as cp:

        async def info(value: str, kind: str = "ISO14443") -> dict[str, object]:
            reply = await cp.result("Authorize", {"idToken": {"idToken": value, "type": kind}})
            return dict(reply["idTokenInfo"])

        assert await info("PARTNER-77", "eMAID") == {
            "status": "Accepted",
            "personalMessage": {"format": "UTF8", "content": "welcome, eMAID guest"},
        }
        assert await info("TAG1") == {"status": "Accepted", "language1": "fr"}
        assert await info("STRANGER") == {"status": "Invalid"}  # nobody overrides
        assert await info("RAISE") == {"status": "Invalid"}  # a failing plugin: the default
    assert Tightener.asked == ["TAG1", "STRANGER", "RAISE"]  # the first answer wins
    async with connect_charger(
        run.charger_url("CP-CLOSED"), user="CP-CLOSED", password=PASSWORD
    ) as cp16:
        await cp16.result("BootNotification", BOOT)
        reply = await cp16.result("Authorize", {"idTag": "TAG1"})
        assert reply == {"idTagInfo": {"status": "Blocked"}}  # NotAtThisTime in 1.6 terms
    run.server.stop()
