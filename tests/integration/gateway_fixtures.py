"""A real evgw server (gateway + API + SQLite file store) on 127.0.0.1:0 for integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import trio
from evgw.api import create_api_token
from evgw.app import Endpoints, Server
from evgw.config import config_from_dict
from evgw.domain import BootPolicy, ChargerRegistration, IdToken, Role, TokenStatus
from evgw.security import hash_password

PASSWORD = "correct horse battery staple"


@attrs.frozen
class Running:
    server: Server
    endpoints: Endpoints

    @property
    def ocpp_url(self) -> str:
        return f"ws://127.0.0.1:{self.endpoints.ocpp_port}/ocpp"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.endpoints.api_port}"

    def charger_url(self, charger_id: str) -> str:
        return f"{self.ocpp_url}/{charger_id}"


def server_config(tmp_path: Path, store_url: str | None = None, **ocpp: Any) -> dict[str, Any]:
    return {
        "ocpp": {
            "listen": "127.0.0.1:0",
            "spool_dir": str(tmp_path / "spool"),
            "call_timeout_s": 2.0,
            **ocpp,
        },
        "api": {"listen": "127.0.0.1:0"},
        "store": {"url": store_url or f"sqlite:///{tmp_path / 'evgw.db'}"},
        "plugins": {"entry_points": False},
    }


async def start_server(nursery: trio.Nursery, config: dict[str, Any]) -> Running:
    server = Server(config_from_dict(config))
    endpoints = await nursery.start(server.run)
    return Running(server, endpoints)


async def register(
    running: Running,
    charger_id: str,
    *,
    password: str = PASSWORD,
    boot_policy: BootPolicy = BootPolicy.ACCEPTED,
    profile: int = 1,
) -> None:
    store = running.server.store
    assert store is not None
    await store.put_charger(
        ChargerRegistration(
            id=charger_id,
            security_profile=profile,
            password_hash=hash_password(password) if profile else None,
            boot_policy=boot_policy,
        )
    )


async def add_token(
    running: Running, token_id: str, status: TokenStatus = TokenStatus.ACCEPTED, **kw: Any
) -> None:
    store = running.server.store
    assert store is not None
    await store.put_token(IdToken(id=token_id, status=status, **kw))


async def api_client(
    run: Running,
    role: Role = Role.ADMIN,
    path: str = "/api/v1",
    *,
    label: str = "",
    timeout: float = 10.0,
) -> httpx.AsyncClient:
    """An operator-API client with a new bearer token of `role` (named `label`), its base URL
    `path` (use it with `async with`)."""
    store = run.server.store
    assert store is not None
    secret = await create_api_token(store, role, label or f"test {role}")
    headers = {"authorization": f"Bearer {secret}"}
    return httpx.AsyncClient(base_url=run.api_url + path, headers=headers, timeout=timeout)


@pytest.fixture
async def running(nursery: trio.Nursery, tmp_path: Path) -> AsyncIterator[Running]:
    run = await start_server(nursery, server_config(tmp_path))
    await register(run, "CP1")
    await add_token(run, "TAG1")
    yield run
    run.server.stop()
