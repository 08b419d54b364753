"""A05 / B09 security-profile upgrade (2.x SetNetworkProfile → NetworkConfigurationPriority →
Reset) and the 1.6 whitepaper's ChangeConfiguration SecurityProfile, against a real TLS
listener: the registration is raised only when the charger has connected at the new profile;
from then on a connection below it is refused."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from evgw.testing import connect_charger
from trio_websocket import ConnectionRejected

from tests.integration.gateway_fixtures import (
    PASSWORD,
    Running,
    api_client,
    register,
    server_config,
    start_server,
)
from tests.integration.test_gateway_tls import TlsSetup, tls_section
from tests.tls_pki import client_context, make_ca

CSMS_URL = "wss://csms.example/ocpp"


@pytest.fixture
async def tls(nursery: trio.Nursery, tmp_path: Path) -> AsyncIterator[TlsSetup]:
    ca = make_ca()
    ca_path, _ = ca.write(tmp_path, "ca")
    run = await start_server(nursery, server_config(tmp_path, tls=tls_section(tmp_path, ca)))
    for charger_id in ("U1", "U2"):
        await register(run, charger_id, profile=1)
    yield TlsSetup(run, ca, ca_path, tmp_path)
    run.server.stop()


async def api(run: Running) -> httpx.AsyncClient:
    return await api_client(run)


def answers(status: str = "Accepted", refuse: str | None = None) -> dict[str, Any]:
    """The charger's replies to the upgrade's calls (`refuse`: that action answers Rejected)."""

    def st(action: str) -> str:
        return "Rejected" if action == refuse else status

    def set_variables(p: dict[str, Any]) -> dict[str, Any]:
        item = p["setVariableData"][0]
        result = {k: item[k] for k in ("component", "variable")}
        return {"setVariableResult": [{**result, "attributeStatus": st("SetVariables")}]}

    return {
        "SetNetworkProfile": lambda p: {"status": st("SetNetworkProfile")},
        "SetVariables": set_variables,
        "Reset": lambda p: {"status": st("Reset")},
        "ChangeConfiguration": lambda p: {"status": st("ChangeConfiguration")},
    }


async def connects(
    url: str, ctx: ssl.SSLContext | None, user: str | None, version: str = "ocpp2.0.1"
) -> int:
    """200 when admitted, else the refusal's HTTP status."""
    try:
        async with connect_charger(
            url, version=version, user=user, password=PASSWORD, ssl_context=ctx
        ) as cp:
            await cp.result("Heartbeat", {})
    except ConnectionRejected as refused:
        return int(refused.status_code)
    return 200


async def profile(http: httpx.AsyncClient, charger_id: str) -> tuple[int, int | None]:
    state = (await http.get(f"/chargers/{charger_id}/security-profile-upgrade")).json()
    return state["registered"], state["pending"]


async def upgrade(
    tls: TlsSetup,
    http: httpx.AsyncClient,
    charger_id: str,
    body: dict[str, Any],
    *,
    via: tuple[str, ssl.SSLContext | None] | None = None,
    version: str = "ocpp2.0.1",
    replies: dict[str, Any] | None = None,
) -> tuple[httpx.Response, list[list[Any]]]:
    url, ctx = via or (tls.url(charger_id, "ws"), None)
    async with connect_charger(
        url, version=version, user=charger_id, password=PASSWORD, ssl_context=ctx
    ) as cp:
        cp.responses.update(replies or answers())
        reply = await http.post(f"/chargers/{charger_id}/security-profile-upgrade", json=body)
    return reply, cp.received_calls


async def test_TC_A_19_upgrade_201_from_profile_1_to_2_then_3(tls: TlsSetup) -> None:
    async with await api(tls.run) as http:
        reply, calls = await upgrade(tls, http, "U1", {"profile": 2, "csms_url": CSMS_URL})
        assert reply.status_code == 200, reply.text
        assert reply.json()["pending"] is True
        assert [c[2] for c in calls] == ["SetNetworkProfile", "SetVariables", "Reset"]
        profile_sent = calls[0][3]
        assert profile_sent["configurationSlot"] == 1
        assert profile_sent["connectionData"]["securityProfile"] == 2
        assert profile_sent["connectionData"]["ocppCsmsUrl"] == CSMS_URL
        assert calls[1][3]["setVariableData"][0]["attributeValue"] == "1"
        assert calls[2][3] == {"type": "OnIdle"}
        assert await profile(http, "U1") == (1, 2)
        # still on the old profile: admitted, nothing raised
        assert await connects(tls.url("U1", "ws"), None, "U1") == 200
        assert await profile(http, "U1") == (1, 2)
        # the charger comes back at profile 2: raised; plain ws is now below it
        tls_ctx = client_context(tls.ca_path)
        assert await connects(tls.url("U1"), tls_ctx, "U1") == 200
        assert await profile(http, "U1") == (2, None)
        assert await connects(tls.url("U1", "ws"), None, "U1") == 403

        # 2 -> 3: a client certificate naming the charger, no password
        reply, _ = await upgrade(
            tls, http, "U1", {"profile": 3, "csms_url": CSMS_URL}, via=(tls.url("U1"), tls_ctx)
        )
        assert reply.json()["pending"] is True
        assert await connects(tls.url("U1"), tls_ctx, "U1") == 200  # profile 2 until then
        cert_ctx = client_context(tls.ca_path, tls.client_cert("U1"))
        assert await connects(tls.url("U1"), cert_ctx, None) == 200
        assert await profile(http, "U1") == (3, None)
        assert await connects(tls.url("U1"), tls_ctx, "U1") == 403  # Basic over TLS: below 3


async def test_TC_083_16_upgrade_through_change_configuration_security_profile(
    tls: TlsSetup,
) -> None:
    async with await api(tls.run) as http:
        reply, calls = await upgrade(tls, http, "U2", {"profile": 2}, version="ocpp1.6")
        assert reply.status_code == 200, reply.text
        assert [c[2:] for c in calls] == [
            ["ChangeConfiguration", {"key": "SecurityProfile", "value": "2"}],
            ["Reset", {"type": "Hard"}],
        ]
        tls_ctx = client_context(tls.ca_path)
        assert await connects(tls.url("U2"), tls_ctx, "U2", "ocpp1.6") == 200
        assert await profile(http, "U2") == (2, None)
        assert await connects(tls.url("U2", "ws"), None, "U2", "ocpp1.6") == 403


@pytest.mark.parametrize("refuse", ["SetNetworkProfile", "SetVariables", "Reset"])
async def test_a_refused_step_changes_nothing(tls: TlsSetup, refuse: str) -> None:
    async with await api(tls.run) as http:
        body = {"profile": 2, "csms_url": CSMS_URL}
        reply, calls = await upgrade(tls, http, "U1", body, replies=answers(refuse=refuse))
        assert reply.json()["status"] == "Rejected"
        assert reply.json()["pending"] is False
        assert calls[-1][2] == refuse  # nothing sent after the refusal
        assert await connects(tls.url("U1"), client_context(tls.ca_path), "U1") == 200
        assert await profile(http, "U1") == (1, None)  # TLS alone raises nothing


async def test_a_wrong_certificate_during_an_upgrade_to_3_is_refused(tls: TlsSetup) -> None:
    async with await api(tls.run) as http:
        await register(tls.run, "U1", profile=2)
        tls_ctx = client_context(tls.ca_path)
        body = {"profile": 3, "csms_url": CSMS_URL}
        await upgrade(tls, http, "U1", body, via=(tls.url("U1"), tls_ctx))
        other = client_context(tls.ca_path, tls.client_cert("U2"))
        assert await connects(tls.url("U1"), other, None) == 403
        assert await profile(http, "U1") == (2, 3)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"profile": 1}, "not_higher"),  # equal: only raising
        ({"profile": 0}, None),  # below the field's minimum: 422
        ({"profile": 2}, "no_url"),  # 2.x needs the URL (none configured)
        ({"profile": 2, "csms_url": "ws://csms.example/ocpp"}, "not_wss"),
    ],
)
async def test_bad_upgrade_requests(tls: TlsSetup, body: dict[str, Any], code: str | None) -> None:
    async with await api(tls.run) as http:
        reply, calls = await upgrade(tls, http, "U1", body)
        assert reply.status_code == (409 if code else 422), reply.text
        if code:
            assert reply.json()["error"]["code"] == code
        assert calls == []
        assert await profile(http, "U1") == (1, None)
        not_connected = await http.post(
            "/chargers/U2/security-profile-upgrade", json={"profile": 2, "csms_url": CSMS_URL}
        )
        assert not_connected.status_code == 409
