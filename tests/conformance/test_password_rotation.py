"""A01 password rotation (2.x SetVariables BasicAuthPassword, 1.6 ChangeConfiguration
AuthorizationKey) and S-25/S-26: the stored hash changes only when the charger connects with
the new password; a refusal changes nothing; SecurityProfile can only be raised."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from evgw.domain import Role
from evgw.testing import connect_charger
from trio_websocket import ConnectionRejected

from tests.integration.gateway_fixtures import PASSWORD, Running, api_client, register, running

__all__ = ["running"]


@pytest.fixture
async def admin(running: Running) -> AsyncIterator[httpx.AsyncClient]:
    async with await api_client(running, Role.ADMIN, "/api/v1/chargers") as http:
        yield http


async def can_connect(running: Running, version: str, password: str) -> bool:
    """True when admitted; False when refused with 401 (any other refusal fails the test)."""
    status = 200
    try:
        url = running.charger_url("CP1")
        async with connect_charger(url, version=version, user="CP1", password=password) as cp:
            await cp.result("Heartbeat", {})
    except ConnectionRejected as refused:
        status = refused.status_code
    assert status in (200, 401)
    return status == 200


def capture(sent: list[str], status: str, version: str) -> Any:
    def answer(payload: dict[str, Any]) -> dict[str, Any]:
        if version == "ocpp1.6":
            sent.append(payload["value"])
            return {"status": status}
        item = payload["setVariableData"][0]
        sent.append(item["attributeValue"])
        result = {k: item[k] for k in ("component", "variable")}
        return {"setVariableResult": [{**result, "attributeStatus": status}]}

    return answer


async def rotate(
    running: Running, admin: httpx.AsyncClient, version: str, status: str
) -> tuple[dict[str, Any], str]:
    sent: list[str] = []
    action = "ChangeConfiguration" if version == "ocpp1.6" else "SetVariables"
    url = running.charger_url("CP1")
    async with connect_charger(url, version=version, user="CP1", password=PASSWORD) as cp:
        cp.responses[action] = capture(sent, status, version)
        reply = await admin.post("/CP1/password-rotation")
        assert reply.status_code == 200, reply.text
    return reply.json(), sent[0]


@pytest.mark.parametrize(
    ("version", "shape"),
    [("ocpp2.0.1", r"[A-Za-z0-9*\-_=:+|@.]{16,40}"), ("ocpp1.6", r"[0-9a-f]{40}")],
)
async def test_A01_rotation_takes_effect_when_the_charger_reconnects(
    running: Running, admin: httpx.AsyncClient, version: str, shape: str
) -> None:
    body, new = await rotate(running, admin, version, "Accepted")
    assert body == {"status": "Accepted", "pending": True}
    assert re.fullmatch(shape, new)
    assert await can_connect(running, version, PASSWORD)  # not yet switched: old still works
    assert await can_connect(running, version, new)  # the charger uses the new one...
    assert not await can_connect(running, version, PASSWORD)  # ...which retires the old
    assert await can_connect(running, version, new)


async def test_refused_rotation_changes_nothing(running: Running, admin: httpx.AsyncClient) -> None:
    body, new = await rotate(running, admin, "ocpp2.0.1", "Rejected")
    assert body == {"status": "Rejected", "pending": False}
    assert not await can_connect(running, "ocpp2.0.1", new)
    assert await can_connect(running, "ocpp2.0.1", PASSWORD)


async def test_rotation_needs_a_connected_password_charger(
    running: Running, admin: httpx.AsyncClient
) -> None:
    assert (await admin.post("/CP1/password-rotation")).status_code == 409  # not connected
    await register(running, "CP3", profile=3)
    assert (await admin.post("/CP3/password-rotation")).status_code == 409  # certificates


async def test_S25_security_profile_downgrade_refused(
    running: Running, admin: httpx.AsyncClient
) -> None:
    await register(running, "CP2", profile=2)

    def item(value: str) -> dict[str, Any]:
        variable = {"name": "SecurityProfile"}
        return {
            "component": {"name": "SecurityCtrlr"},
            "variable": variable,
            "attributeValue": value,
        }

    reply = await admin.post("/CP2/variables/set", json={"items": [item("1")]})
    assert reply.status_code == 422
    assert "raised" in reply.text
    raise_ = await admin.post("/CP2/variables/set", json={"items": [item("3")]})
    assert raise_.status_code == 409  # allowed by the check; CP2 is just not connected
