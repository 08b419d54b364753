"""Shared pieces of the operator API tests (no tests here).

`open_api` builds the real app on the real SQLite store (in memory) with one API token per
role, and an httpx client speaking ASGI to it. `RecordingCommander` is a TEST DOUBLE of the
gateway's Commander protocol (an internal boundary): it records calls and answers or raises
what the test tells it to. End-to-end tests with the real gateway live elsewhere.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import attrs
import httpx
from evgw.api import create_api_token, create_app
from evgw.domain import Role
from evgw.gateway import CommandError, ConnectionInfo
from evgw.gateway._config_cache import Configuration
from evgw.gateway._config_cache import parse as parse_configuration
from evgw.store import Store, open_store

PASSWORD = "0123456789abcdefXYZ"
CONNECTED_AT = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


@attrs.define
class RecordingCommander:
    """Test double of evgw.gateway.Commander: records calls, replies or raises on demand."""

    calls: list[tuple[str, str, dict[str, Any], float | None]] = attrs.Factory(list)
    reply: dict[str, Any] = attrs.Factory(lambda: {"status": "Accepted"})
    error: CommandError | None = None
    connected: dict[str, ConnectionInfo] = attrs.Factory(dict)
    disconnected: list[tuple[str, str]] = attrs.Factory(list)

    async def call(
        self,
        charger_id: str,
        action: str,
        payload: dict[str, Any],
        *,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        self.calls.append((charger_id, action, payload, timeout))
        if self.error is not None:
            raise self.error
        return self.reply

    async def configuration(
        self, charger_id: str, *, timeout: float | None = None
    ) -> Configuration:
        reply = await self.call(charger_id, "GetConfiguration", {}, timeout=timeout)
        return parse_configuration(reply)

    def connect(self, charger_id: str, version: str = "ocpp1.6") -> None:
        self.connected[charger_id] = ConnectionInfo(
            charger_id, version, CONNECTED_AT, "127.0.0.1", CONNECTED_AT
        )

    async def disconnect(self, charger_id: str, reason: str) -> bool:
        self.disconnected.append((charger_id, reason))
        return self.connected.pop(charger_id, None) is not None

    def connection(self, charger_id: str) -> ConnectionInfo | None:
        return self.connected.get(charger_id)

    def connections(self) -> list[ConnectionInfo]:
        return list(self.connected.values())

    def connected_count(self) -> int:
        return len(self.connected)


@attrs.define
class Api:
    client: httpx.AsyncClient
    store: Store
    commander: RecordingCommander
    secrets: dict[Role, str]
    ready: list[bool]

    async def request(
        self, method: str, path: str, *, role: Role | None = Role.ADMIN, **kwargs: Any
    ) -> httpx.Response:
        """`path` below /api/v1 when it does not start with '/'; authenticated as `role`."""
        headers = dict(kwargs.pop("headers", {}))
        if role is not None:
            headers["Authorization"] = f"Bearer {self.secrets[role]}"
        url = path if path.startswith("/") else f"/api/v1/{path}"
        return await self.client.request(method, url, headers=headers, **kwargs)

    async def register(self, charger_id: str, **fields: Any) -> httpx.Response:
        response = await self.request("POST", "chargers", json={"id": charger_id, **fields})
        assert response.status_code == 201, response.text
        return response


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The `error` member of an error body, checking the shape on the way."""
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    error: dict[str, Any] = body["error"]
    return error


def violated_fields(response: httpx.Response) -> set[str]:
    assert response.status_code == 422, response.text
    error = error_of(response)
    assert error["code"] == "validation_failed"
    assert all(set(v) == {"field", "message"} for v in error["details"])
    return {v["field"] for v in error["details"]}


@asynccontextmanager
async def open_api(store_url: str = "sqlite:///:memory:") -> AsyncIterator[Api]:
    store = await open_store(store_url)
    try:
        secrets = {role: await create_api_token(store, role, f"test {role}") for role in Role}
        commander = RecordingCommander()
        ready = [True]
        app = create_app(store=store, commander=commander, is_ready=lambda: ready[0])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://evgw.test") as client:
            yield Api(client, store, commander, secrets, ready)
    finally:
        await store.aclose()
