"""The CSMS-side CA for charger certificates (A02/A03, 1.6 security extension and 2.x):
a SignCertificate CSR is checked at once (the charger is answered Accepted or Rejected), then
signed and sent back in a CertificateSigned by the `ocpp201` component's worker.

Checks (A00.FR.5xx, the reference's evgw rules): the CSR's signature verifies; its CN equals
the charge point id or the registered serial number exactly; its O equals the configured
organization when one is set; RSA >= 2048 bits or EC >= 224 bits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from evgw.config import ChargerCaConfig


class CsrRejected(ValueError):
    """The CSR cannot be signed; the message says why (for the log and security event)."""


@attrs.frozen
class SigningRequest:
    charger_id: str
    csr: x509.CertificateSigningRequest
    ocpp_version: str
    certificate_type: str | None  # 2.x: ChargingStationCertificate (V2G is refused)


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def _check_key(csr: x509.CertificateSigningRequest) -> None:
    key = csr.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= 2048:
        return
    if isinstance(key, ec.EllipticCurvePublicKey) and key.curve.key_size >= 224:
        return
    raise CsrRejected("key type or size below the 112-bit security floor")


def parse_csr(
    pem: str, charger_id: str, serial: str | None, organization: str
) -> x509.CertificateSigningRequest:
    try:
        csr = x509.load_pem_x509_csr(pem.encode())
    except ValueError:
        raise CsrRejected("not a PEM PKCS#10 request") from None
    if not csr.is_signature_valid:
        raise CsrRejected("the CSR signature does not verify")
    cn = _attribute(csr.subject, NameOID.COMMON_NAME)
    if cn not in {charger_id, serial} - {None}:
        raise CsrRejected(f"CN {cn!r} is not the charger's identity or serial number")
    if organization and _attribute(csr.subject, NameOID.ORGANIZATION_NAME) != organization:
        raise CsrRejected("O is not the configured organization")
    _check_key(csr)
    return csr


class ChargerCa:
    def __init__(self, cfg: ChargerCaConfig) -> None:
        with open(cfg.certificate, "rb") as fh:
            self.certificate = x509.load_pem_x509_certificate(fh.read())
        with open(cfg.key, "rb") as fh:
            key = serialization.load_pem_private_key(fh.read(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
            raise TypeError("charger CA key must be RSA or EC")
        self._key = key
        self._validity = timedelta(days=cfg.validity_days)

    def sign(self, csr: x509.CertificateSigningRequest) -> str:
        """The charger's certificate then the CA's, PEM (the CertificateSigned chain)."""
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(self.certificate.subject)
            .public_key(csr.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + self._validity)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=True,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        pem = serialization.Encoding.PEM
        return (cert.public_bytes(pem) + self.certificate.public_bytes(pem)).decode()


def load_charger_ca(cfg: ChargerCaConfig) -> ChargerCa | None:
    return ChargerCa(cfg) if cfg.certificate and cfg.key else None
