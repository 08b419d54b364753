"""The simulated charger's certificate store, 1.6 security extension and 2.0.1: install, list
by hash data, delete; a triggered SignCertificate whose signed certificate it accepts."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from tests.tls_pki import Issued, issue, make_ca
from tests.unit.ocpp_schemas import violations
from tests.unit.sim_fake import FakeCharger, both_versions_cp, version

__all__ = ["both_versions_cp", "version"]

V16, V201 = "ocpp1.6", "ocpp2.0.1"
ROOT = {V16: "CentralSystemRootCertificate", V201: "CSMSRootCertificate"}
TRIGGER = {
    V16: ("ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"}),
    V201: ("TriggerMessage", {"requestedMessage": "SignChargingStationCertificate"}),
}


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def call(version: str, cp: FakeCharger, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    assert violations(version, action, "request", payload) == []
    reply = cp.call(action, payload)
    assert violations(version, action, "response", reply) == [], reply
    return reply


def listed(version: str, cp: FakeCharger) -> list[dict[str, Any]]:
    if version == V16:
        reply = call(version, cp, "GetInstalledCertificateIds", {"certificateType": ROOT[V16]})
        return list(reply.get("certificateHashData", []))
    reply = call(version, cp, "GetInstalledCertificateIds", {"certificateType": [ROOT[V201]]})
    return [x["certificateHashData"] for x in reply.get("certificateHashDataChain", [])]


async def test_install_list_delete(version: str, cp: FakeCharger) -> None:
    ca = make_ca()
    assert listed(version, cp) == []
    install = {"certificateType": ROOT[version], "certificate": pem(ca.cert)}
    assert call(version, cp, "InstallCertificate", install) == {"status": "Accepted"}
    (data,) = listed(version, cp)
    own_key = ca.cert.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert data == {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": hashlib.sha256(ca.cert.issuer.public_bytes()).hexdigest(),
        "issuerKeyHash": hashlib.sha256(own_key).hexdigest(),
        "serialNumber": format(ca.cert.serial_number, "x"),
    }
    assert call(version, cp, "DeleteCertificate", {"certificateHashData": data}) == {
        "status": "Accepted"
    }
    assert listed(version, cp) == []
    assert call(version, cp, "DeleteCertificate", {"certificateHashData": data}) == {
        "status": "NotFound"
    }


async def test_not_a_certificate_is_rejected(version: str, cp: FakeCharger) -> None:
    install = {"certificateType": ROOT[version], "certificate": "-----BEGIN nonsense"}
    assert call(version, cp, "InstallCertificate", install) == {"status": "Rejected"}
    assert listed(version, cp) == []


def sign(ca: Issued, csr_pem: str) -> x509.Certificate:
    csr = x509.load_pem_x509_csr(csr_pem.encode())
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(ca.cert.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=30))
        .sign(ca.key, hashes.SHA256())
    )


async def test_a_triggered_csr_and_its_signed_certificate(version: str, cp: FakeCharger) -> None:
    ca = make_ca()
    action, trigger = TRIGGER[version]
    assert call(version, cp, action, trigger) == {"status": "Accepted"}
    (request,) = cp.frames("SignCertificate")
    assert violations(version, "SignCertificate", "request", request) == []
    csr = x509.load_pem_x509_csr(request["csr"].encode())
    assert csr.is_signature_valid
    names = {a.oid._name: a.value for a in csr.subject}
    assert names == {"commonName": "CP1", "organizationName": "Example CPO"}
    stranger = issue(ca, "CP1").cert  # a certificate for some other key
    assert call(version, cp, "CertificateSigned", {"certificateChain": pem(stranger)}) == {
        "status": "Rejected"
    }
    chain = pem(sign(ca, request["csr"])) + pem(ca.cert)
    assert call(version, cp, "CertificateSigned", {"certificateChain": chain}) == {
        "status": "Accepted"
    }
    assert call(version, cp, "CertificateSigned", {"certificateChain": chain}) == {
        "status": "Rejected"  # no CSR waiting any more
    }
