"""An admin API client and a connected scripted charger for the control-service tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import trio
from evgw.ocpp.control._component import OcppControl
from evgw.testing import ScriptedCharger, connect_charger

from tests.integration.gateway_fixtures import PASSWORD, Running, api_client


@asynccontextmanager
async def admin_api(run: Running) -> AsyncIterator[httpx.AsyncClient]:
    async with await api_client(run) as http:
        yield http


@asynccontextmanager
async def charger(
    run: Running, version: str = "ocpp2.0.1", charger_id: str = "CP1"
) -> AsyncIterator[ScriptedCharger]:
    url = run.charger_url(charger_id)
    async with connect_charger(url, version=version, user=charger_id, password=PASSWORD) as cp:
        yield cp


def control(run: Running) -> OcppControl:
    return next(c for c in run.server.components if isinstance(c, OcppControl))


async def eventually(check: Callable[[], Awaitable[object]], within: float = 5.0) -> None:
    """Return once `await check()` is truthy (an API read, unlike `wait_until`)."""
    with trio.fail_after(within):
        while True:
            if await check():
                return
            await trio.sleep(0.05)
