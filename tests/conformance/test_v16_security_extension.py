"""OCPP 1.6 Security Whitepaper (edition 3) extension for 1.6 chargers: the CSMS-initiated
messages go out through the operator API, validated against the 1.6 schemas; the charger's
SignCertificate / SecurityEventNotification / Signed* / LogStatus messages are handled (see
test_v201_certificates.py, test_security_events.py, test_v201_core.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from evgw.domain import Role
from evgw.testing import connect_charger

from tests.integration.gateway_fixtures import PASSWORD, Running, api_client, running
from tests.tls_pki import make_ca

__all__ = ["running"]


@pytest.fixture
async def operator(running: Running) -> AsyncIterator[httpx.AsyncClient]:
    async with await api_client(running, Role.OPERATOR, "/api/v1/chargers/CP1/ocpp") as http:
        yield http


def commands() -> list[tuple[str, dict[str, Any]]]:
    root = make_ca().cert.public_bytes(Encoding.PEM)
    hash_data = {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": "a" * 64,
        "issuerKeyHash": "b" * 64,
        "serialNumber": "01",
    }
    firmware = {
        "location": "https://fw.example/fw.bin",
        "retrieveDateTime": "2026-11-27T00:00:00Z",
        "signingCertificate": "-----BEGIN CERTIFICATE-----",
        "signature": "c2ln",
    }
    return [
        ("ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"}),
        (
            "InstallCertificate",
            {"certificateType": "CentralSystemRootCertificate", "certificate": root.decode()},
        ),
        ("GetInstalledCertificateIds", {"certificateType": "ManufacturerRootCertificate"}),
        ("DeleteCertificate", {"certificateHashData": hash_data}),
        ("SignedUpdateFirmware", {"requestId": 3, "firmware": firmware}),
        (
            "GetLog",
            {
                "logType": "SecurityLog",
                "requestId": 4,
                "log": {"remoteLocation": "https://logs.example/u"},
            },
        ),
    ]


async def test_security_extension_commands_reach_a_16_charger(
    running: Running, operator: httpx.AsyncClient
) -> None:
    sent = commands()
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        for action, payload in sent:
            reply = await operator.post(f"/{action}", json=payload)
            assert reply.status_code == 200, (action, reply.text)
            assert reply.json()["payload"] == {"status": "Accepted"}
        bad = await operator.post("/ExtendedTriggerMessage", json={"requestedMessage": "Nope"})
        assert bad.status_code == 422
    assert [(c[2], c[3]) for c in cp.received_calls] == sent
