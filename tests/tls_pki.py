"""A throw-away PKI for TLS tests (the `cryptography` package): a CPO CA, RSA and ECDSA server
chains for 127.0.0.1, and charger client certificates (good, expired, self-signed, wrong CA)."""

from __future__ import annotations

import ipaddress
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

Key = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
ORG = "Example CPO"


def _name(cn: str, org: str = ORG) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
        ]
    )


def new_key(kind: str = "ec") -> Key:
    return (
        rsa.generate_private_key(65537, 2048)
        if kind == "rsa"
        else ec.generate_private_key(ec.SECP256R1())
    )


@attrs.frozen
class Issued:
    cert: x509.Certificate
    key: Key

    def write(self, directory: Path, stem: str) -> tuple[str, str]:
        cert_path, key_path = directory / f"{stem}.pem", directory / f"{stem}.key"
        cert_path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            self.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        return str(cert_path), str(key_path)


def _builder(
    subject: x509.Name, issuer: x509.Name, key: Key, days: tuple[int, int]
) -> x509.CertificateBuilder:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + timedelta(days=days[0]))
        .not_valid_after(now + timedelta(days=days[1]))
    )


def make_ca(cn: str = "Example CPO Root") -> Issued:
    key = new_key("ec")
    cert = (
        _builder(_name(cn), _name(cn), key, (-1, 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return Issued(cert, key)


def issue(
    ca: Issued,
    cn: str,
    *,
    kind: str = "ec",
    server: bool = False,
    org: str = ORG,
    days: tuple[int, int] = (-1, 30),
) -> Issued:
    key = new_key(kind)
    usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = _builder(_name(cn, org), ca.cert.subject, key, days).add_extension(
        x509.ExtendedKeyUsage([usage]), critical=False
    )
    if server:
        san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
        builder = builder.add_extension(san, critical=False)
    return Issued(builder.sign(ca.key, hashes.SHA256()), key)


def self_signed(cn: str) -> Issued:
    key = new_key("ec")
    cert = _builder(_name(cn), _name(cn), key, (-1, 30)).sign(key, hashes.SHA256())
    return Issued(cert, key)


def client_context(
    ca_path: str,
    cert: tuple[str, str] | None = None,
    *,
    ciphers: str | None = None,
    max_version: ssl.TLSVersion | None = None,
) -> ssl.SSLContext:
    """A charger's side: trusts the CSMS CA, optionally presents a client certificate."""
    ctx = ssl.create_default_context(cafile=ca_path)
    if cert is not None:
        ctx.load_cert_chain(*cert)
    if ciphers is not None:
        ctx.set_ciphers(ciphers)
    if max_version is not None:
        ctx.maximum_version = max_version
    return ctx


def make_csr(cn: str, org: str = ORG, key: Key | None = None) -> str:
    """A PEM PKCS#10 request as a charger makes it for SignCertificate."""
    key = key or new_key("ec")
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(_name(cn, org))
        .sign(key, hashes.SHA256())
    )
    return csr.public_bytes(serialization.Encoding.PEM).decode()
