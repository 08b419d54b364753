"""The API over a real socket (serve_api on 127.0.0.1:0), the root endpoints and OpenAPI."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import httpx
import pytest
import trio
from evgw.api import create_api_token, create_app, openapi_document, serve_api
from evgw.domain import Role
from evgw.store import Store, open_store
from starlette.routing import Route

from tests.integration.test_api_support import PASSWORD, RecordingCommander, open_api


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    s = await open_store("sqlite:///:memory:")
    try:
        yield s
    finally:
        await s.aclose()


async def test_real_socket(nursery: trio.Nursery, store: Store) -> None:
    ready = [False]
    app = create_app(store=store, commander=RecordingCommander(), is_ready=lambda: ready[0])
    port = await nursery.start(serve_api, app, "127.0.0.1", 0)
    secret = await create_api_token(store, Role.ADMIN, "socket test")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        assert (await client.get("/readyz")).status_code == 503
        ready[0] = True
        assert (await client.get("/readyz")).status_code == 200
        metrics = await client.get("/metrics")
        assert metrics.status_code == 200  # served at exactly /metrics: no 307 to /metrics/
        assert metrics.headers["content-type"].startswith("text/plain")
        assert "# TYPE evgw_connected_chargers gauge" in metrics.text
        auth = {"Authorization": f"Bearer {secret}"}
        created = await client.post("/api/v1/chargers", json={"id": "CP1"}, headers=auth)
        assert created.status_code == 201
        assert (await client.get("/api/v1/chargers")).status_code == 401
    nursery.cancel_scope.cancel()


async def test_shutdown_event_stops_the_server(store: Store) -> None:
    app = create_app(store=store, commander=RecordingCommander(), is_ready=lambda: True)
    shutdown = trio.Event()
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            port = await nursery.start(partial(serve_api, app, "127.0.0.1", 0, shutdown=shutdown))
            async with httpx.AsyncClient() as client:
                response = await client.get(f"http://127.0.0.1:{port}/healthz")
                assert response.status_code == 200
            shutdown.set()
    with pytest.raises(OSError, match="connect"):  # the listener is closed
        await trio.open_tcp_stream("127.0.0.1", port)


async def test_readyz_failing_check_is_503(store: Store) -> None:
    def broken() -> bool:
        raise RuntimeError("boom")

    app = create_app(store=store, commander=RecordingCommander(), is_ready=broken)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://evgw.test") as client:
        response = await client.get("/readyz")
    assert (response.status_code, response.json()) == (503, {"status": "not_ready"})


def _app_operations(store: Store) -> set[tuple[str, str]]:
    app = create_app(store=store, commander=RecordingCommander(), is_ready=lambda: True)
    operations = set()
    for route in app.routes:
        assert isinstance(route, Route)
        for method in route.methods or ():
            if method != "HEAD":
                operations.add((method.lower(), route.path))
    return operations


async def test_openapi_lists_exactly_the_app_routes(store: Store) -> None:
    document = openapi_document()
    documented = {(m, p) for p, item in document["paths"].items() for m in item}
    assert documented == _app_operations(store)


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def test_openapi_is_consistent() -> None:
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    schemas = document["components"]["schemas"]
    for ref in _refs(document):
        assert ref.removeprefix("#/components/schemas/") in schemas, ref
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, item in document["paths"].items():
        for operation in item.values():
            params = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert params == set(re.findall(r"{(\w+)}", path))
            if path.startswith("/api/v1/"):
                assert operation["security"] == [{"bearer": []}]
                assert {"401", "403", "500"} <= set(operation["responses"])
                for error in ("401", "403"):
                    body = operation["responses"][error]["content"]["application/json"]
                    assert body["schema"] == {"$ref": "#/components/schemas/Error"}


def test_request_schemas_come_from_the_validators() -> None:
    schemas = openapi_document()["components"]["schemas"]
    create = schemas["ChargerCreate"]
    assert create["required"] == ["id"]
    assert create["additionalProperties"] is False
    assert create["properties"]["password"]["writeOnly"] is True
    assert create["properties"]["security_profile"] == {
        "type": "integer",
        "minimum": 0,
        "maximum": 3,
        "description": "OCPP security profile",
    }
    assert "required" not in schemas["ChargerPatch"]
    assert schemas["TokenPut"]["properties"]["expires_at"]["format"] == "date-time"


async def test_every_store_backend(store_url: str) -> None:
    """A round trip on each backend of the shared `store_url` fixture (PostgreSQL in CI)."""
    async with open_api(store_url) as api:
        await api.register("CP1", password=PASSWORD, site_id="S1")
        assert (
            await api.request("PATCH", "chargers/CP1", json={"site_id": "S2"})
        ).status_code == 200
        body = (await api.request("GET", "chargers/CP1")).json()
        assert (body["site_id"], body["has_password"]) == ("S2", True)
        put = await api.request("PUT", "tokens/T1", json={"status": "Accepted"})
        assert put.status_code == 201
        assert (await api.request("GET", "tokens", role=Role.VIEWER)).json()["items"][0][
            "id"
        ] == "T1"
