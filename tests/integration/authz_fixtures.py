"""A real evgw server with authorization settings, an API client, and small helpers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import trio

from tests.integration.gateway_fixtures import (
    Running,
    api_client,
    register,
    server_config,
    start_server,
)

TARIFF = {
    "currency": "EUR",
    "elements": [
        {"price_components": [{"type": "ENERGY", "price": 0.50, "vat": 0.0, "step_size": 1}]}
    ],
}


@asynccontextmanager
async def authz_server(
    nursery: trio.Nursery, tmp_path: Path, store_url: str | None = None, **authz: Any
) -> AsyncIterator[tuple[Running, httpx.AsyncClient]]:
    config = server_config(tmp_path, store_url)
    config["authz"] = {"limit_check_interval_s": 0.1, **authz}
    config["billing"] = {"sweep_interval_s": 0.2}
    run = await start_server(nursery, config)
    await register(run, "CP1")
    async with await api_client(run) as client:
        yield run, client
    run.server.stop()


async def eventually(check: Callable[[], Awaitable[object]], within: float = 10.0) -> Any:
    """Poll an async condition until it answers something truthy; answer it."""
    with trio.fail_after(within):
        for _ in range(int(within / 0.05) + 1):
            if found := await check():
                return found
            await trio.sleep(0.05)
    raise AssertionError("never held")


async def default_tariff(api: httpx.AsyncClient) -> None:
    assert (await api.put("/tariffs/T1", json=TARIFF)).status_code == 201
    assignment = {"scope": "default", "target": "*", "tariff_id": "T1"}
    assert (await api.put("/tariff-assignments", json=assignment)).status_code == 200
