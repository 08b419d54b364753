"""Certificate management answers, 1.6 security extension and 2.0.1: Install/Delete/
GetInstalledCertificateIds on the charger's `CertificateStore`, CertificateSigned, and the
SignCertificate a trigger asks for (1.6 ExtendedTriggerMessage SignChargePointCertificate,
2.0.1 TriggerMessage SignChargingStationCertificate)."""

from __future__ import annotations

from typing import Protocol

from evgw.testing.fleet._certificates import CertificateStore
from evgw.testing.fleet._protocol import Control, Outgoing, Payload

ORGANIZATION = "Example CPO"  # the O of the CSR (2.0.1: SecurityCtrlr.OrganizationName)


class HasCertificates(Protocol):
    certificates: CertificateStore | None


def store(proto: HasCertificates) -> CertificateStore:
    if proto.certificates is None:
        proto.certificates = CertificateStore()
    return proto.certificates


def install_certificate(proto: HasCertificates, ctl: Control, p: Payload) -> Payload:
    return {"status": store(proto).install(p["certificateType"], p["certificate"])}


def delete_certificate(proto: HasCertificates, ctl: Control, p: Payload) -> Payload:
    return {"status": store(proto).delete(p["certificateHashData"])}


def certificate_signed(proto: HasCertificates, ctl: Control, p: Payload) -> Payload:
    return {"status": store(proto).signed(p["certificateChain"])}


def installed_ids_16(proto: HasCertificates, ctl: Control, p: Payload) -> Payload:
    found = [data for _, data in store(proto).ids([p["certificateType"]])]
    if not found:
        return {"status": "NotFound"}
    return {"status": "Accepted", "certificateHashData": found}


def installed_ids_201(proto: HasCertificates, ctl: Control, p: Payload) -> Payload:
    found = store(proto).ids(p.get("certificateType"))
    if not found:
        return {"status": "NotFound"}
    chain = [{"certificateType": kind, "certificateHashData": data} for kind, data in found]
    return {"status": "Accepted", "certificateHashDataChain": chain}


def sign_request(proto: HasCertificates, ctl: Control, organization: str, **extra: str) -> Outgoing:
    """SignCertificate with a CSR for a new key (sent after the trigger's answer)."""
    csr = store(proto).csr(ctl.identity.serial, organization)
    return Outgoing("SignCertificate", lambda: {"csr": csr, **extra})
