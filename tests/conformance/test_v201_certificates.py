"""SignCertificate -> CertificateSigned (A02/A03) with the CSMS-side charger CA, on 2.0.1 and
on 1.6 (security extension): CSR checks before the answer, the signed chain sent after it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trio
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from evgw.testing import connect_charger, wait_until

from tests.integration.gateway_fixtures import (
    PASSWORD,
    Running,
    register,
    server_config,
    start_server,
)
from tests.tls_pki import ORG, Issued, make_ca, make_csr, new_key

VERSIONS = ["ocpp2.0.1", "ocpp1.6"]


@pytest.fixture
async def ca_server(nursery: trio.Nursery, tmp_path: Path) -> AsyncIterator[tuple[Running, Issued]]:
    ca = make_ca("Charger CA")
    cert, key = ca.write(tmp_path, "charger-ca")
    config = server_config(
        tmp_path, charger_ca={"certificate": cert, "key": key}, tls={"organization": ORG}
    )
    run = await start_server(nursery, config)
    await register(run, "CP1")
    yield run, ca
    run.server.stop()


def signed_calls(cp: Any) -> list[dict[str, Any]]:
    return [c[3] for c in cp.received_calls if c[2] == "CertificateSigned"]


@pytest.mark.parametrize("version", VERSIONS)
async def test_TC_A_csr_signed_and_sent_back(
    ca_server: tuple[Running, Issued], version: str
) -> None:
    run, ca = ca_server
    key = new_key("ec")
    csr = make_csr("CP1", key=key)
    request = (
        {"csr": csr}
        if version == "ocpp1.6"
        else {"csr": csr, "certificateType": "ChargingStationCertificate"}
    )
    async with connect_charger(
        run.charger_url("CP1"), version=version, user="CP1", password=PASSWORD
    ) as cp:
        assert await cp.result("SignCertificate", request) == {"status": "Accepted"}
        await wait_until(lambda: bool(signed_calls(cp)))
    (payload,) = signed_calls(cp)
    assert payload.get("certificateType") == request.get("certificateType")
    leaf, issuer = x509.load_pem_x509_certificates(payload["certificateChain"].encode())
    assert leaf.subject.rfc4514_string() == f"O={ORG},CN=CP1"
    assert leaf.issuer == ca.cert.subject
    assert issuer == ca.cert
    assert leaf.public_key() == key.public_key()
    leaf.verify_directly_issued_by(ca.cert)


@pytest.mark.parametrize(
    "csr",
    [
        pytest.param(lambda: make_csr("CP2"), id="another charger's CN"),
        pytest.param(lambda: make_csr("CP1X"), id="CN containing the id"),
        pytest.param(lambda: make_csr("CP1", org="Other CPO"), id="another organization"),
        pytest.param(
            lambda: make_csr("CP1", key=rsa.generate_private_key(65537, 1024)), id="RSA 1024"
        ),
        pytest.param(
            lambda: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----",
            id="garbage",
        ),
    ],
)
async def test_bad_csr_rejected_and_nothing_sent(
    ca_server: tuple[Running, Issued], csr: Any
) -> None:
    run, _ = ca_server
    async with connect_charger(
        run.charger_url("CP1"), version="ocpp2.0.1", user="CP1", password=PASSWORD
    ) as cp:
        assert await cp.result("SignCertificate", {"csr": csr()}) == {"status": "Rejected"}
        assert await cp.result("Heartbeat", {})
        await trio.sleep(0.1)
    assert signed_calls(cp) == []


async def test_v2g_certificate_and_no_ca_are_rejected(
    ca_server: tuple[Running, Issued], nursery: trio.Nursery, tmp_path: Path
) -> None:
    run, _ = ca_server
    v2g = {"csr": make_csr("CP1"), "certificateType": "V2GCertificate"}
    async with connect_charger(
        run.charger_url("CP1"), version="ocpp2.0.1", user="CP1", password=PASSWORD
    ) as cp:
        assert await cp.result("SignCertificate", v2g) == {"status": "Rejected"}
    (tmp_path / "plain").mkdir()
    plain = await start_server(nursery, server_config(tmp_path / "plain"))
    await register(plain, "CP1")
    async with connect_charger(
        plain.charger_url("CP1"), version="ocpp2.0.1", user="CP1", password=PASSWORD
    ) as cp:
        assert await cp.result("SignCertificate", {"csr": make_csr("CP1")}) == {
            "status": "Rejected"
        }
    plain.server.stop()
