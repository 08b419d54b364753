"""The charger's certificate store (1.6 security extension, 2.0.1 block M / A02): installed
root certificates listed and deleted by their hash data, and its own key pair: on a trigger it
makes a key and sends SignCertificate with a CSR (CN: the charger's identity, O: its
organisation); CertificateSigned is Accepted when the chain's first certificate carries that
key. Hash data: SHA256 of the issuer's DER name and of the issuer's public key (the
certificate's own for a self-signed one; the installed issuer's, else the authority key
identifier), serial in hex."""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from evgw.testing.fleet._protocol import Payload

Installed = tuple[str, x509.Certificate]  # (certificate type, certificate)


def _key_bits(cert: x509.Certificate) -> bytes:
    """The subjectPublicKey BIT STRING's content."""
    key = cert.public_key()
    if isinstance(key, ec.EllipticCurvePublicKey):
        return key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    if isinstance(key, rsa.RSAPublicKey):
        return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class CertificateStore:
    def __init__(self) -> None:
        self.installed: list[Installed] = []
        self.own: list[x509.Certificate] = []  # the charger's certificate chain (signed)
        self._key: ec.EllipticCurvePrivateKey | None = None  # waiting for CertificateSigned

    def hash_data(self, cert: x509.Certificate) -> Payload:
        return {
            "hashAlgorithm": "SHA256",
            "issuerNameHash": _sha256(cert.issuer.public_bytes()),
            "issuerKeyHash": self._issuer_key_hash(cert),
            "serialNumber": format(cert.serial_number, "x"),
        }

    def _issuer_key_hash(self, cert: x509.Certificate) -> str:
        if cert.issuer == cert.subject:
            return _sha256(_key_bits(cert))
        issuer = next((c for _, c in self.installed if c.subject == cert.issuer), None)
        if issuer is not None:
            return _sha256(_key_bits(issuer))
        try:
            aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier)
        except x509.ExtensionNotFound:
            return _sha256(cert.issuer.public_bytes())
        return (aki.value.key_identifier or b"").hex() or _sha256(cert.issuer.public_bytes())

    def install(self, kind: str, pem: str) -> str:
        """Accepted, or Rejected for what is not a PEM certificate."""
        try:
            cert = x509.load_pem_x509_certificate(pem.encode())
        except ValueError:
            return "Rejected"
        self.installed = [(k, c) for k, c in self.installed if c != cert]
        self.installed.append((kind, cert))
        return "Accepted"

    def ids(self, kinds: list[str] | None) -> list[tuple[str, Payload]]:
        return [(k, self.hash_data(c)) for k, c in self.installed if kinds is None or k in kinds]

    def delete(self, wanted: Payload) -> str:
        keys = ("issuerNameHash", "issuerKeyHash", "serialNumber")
        for entry in self.installed:
            found = self.hash_data(entry[1])
            if all(str(found[k]).lower() == str(wanted[k]).lower() for k in keys):
                self.installed.remove(entry)
                return "Accepted"
        return "NotFound"

    def csr(self, common_name: str, organization: str) -> str:
        """A new key and its CSR (PEM); the key waits for CertificateSigned."""
        self._key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            ]
        )
        request = x509.CertificateSigningRequestBuilder().subject_name(subject)
        signed = request.sign(self._key, hashes.SHA256())
        return signed.public_bytes(serialization.Encoding.PEM).decode()

    def signed(self, chain_pem: str) -> str:
        """CertificateSigned: Accepted when the chain's leaf carries the key of our last CSR."""
        try:
            chain = x509.load_pem_x509_certificates(chain_pem.encode())
        except ValueError:
            return "Rejected"
        if self._key is None or not chain:
            return "Rejected"
        ours = self._key.public_key().public_numbers()
        leaf_key = chain[0].public_key()
        if not isinstance(leaf_key, ec.EllipticCurvePublicKey) or leaf_key.public_numbers() != ours:
            return "Rejected"
        self.own, self._key = chain, None
        return "Accepted"
