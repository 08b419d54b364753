"""OCMF signed meter values (Open Charge Metering Format, S.A.F.E. e.V.): parse, verify, check.

A record is ``OCMF|{payload}|{signature}``. The signature covers the payload text exactly as
received (between the first and the last ``|``), so it is never re-serialised. Signature
fields: ``SA`` algorithm (default ``ECDSA-secp256r1-SHA256``), ``SE`` encoding (``hex``
default, or ``base64``), ``SM`` mime type (``application/x-der``: a DER ECDSA signature),
``SD`` the signature. 1.6 carries the string as the sampled value (format SignedData); 2.0.1
carries it base64-encoded in ``signedMeterData``: both are accepted.

The seven OCMF algorithms all hash with SHA-256; ``cryptography`` verifies six of them
(secp256r1, secp384r1, brainpoolP256r1, brainpoolP384r1, secp256k1, secp192r1). For
secp192k1, which it has no curve for, a record is ``unsupported``: not verified, and not
called invalid either (a missing curve is not the meter's fault).

A session's records are checked together: every signature (where a public key is known for
the meter serial ``MS``), every reading's status ``ST = G``, one meter serial, transaction
pagination (``PG`` "T<n>") without gaps, and the bracket: the first reading is a begin
(``TX = B``), the last an end (``E``, ``L``, ``R``, ``A`` or ``P``). A failure holds the
session from automatic billing (reason ``signature``); no key means ``unverified``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import Any

import attrs
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

ALGORITHMS: dict[str, type[ec.EllipticCurve] | None] = {
    "ECDSA-secp256r1-SHA256": ec.SECP256R1,
    "ECDSA-secp384r1-SHA256": ec.SECP384R1,
    "ECDSA-brainpool256r1-SHA256": ec.BrainpoolP256R1,
    "ECDSA-brainpool384r1-SHA256": ec.BrainpoolP384R1,
    "ECDSA-secp256k1-SHA256": ec.SECP256K1,
    "ECDSA-secp192r1-SHA256": ec.SECP192R1,
    "ECDSA-secp192k1-SHA256": None,  # no such curve in `cryptography`
}
DEFAULT_SA = "ECDSA-secp256r1-SHA256"
END_TX = frozenset("ELRAP")


class OcmfError(ValueError):
    """The text is not a readable OCMF record."""


@attrs.frozen
class Ocmf:
    payload_text: str  # exactly as signed
    payload: dict[str, Any]
    signature: dict[str, Any]

    @property
    def serial(self) -> str | None:
        ms = self.payload.get("MS")
        return None if ms is None else str(ms)

    @property
    def readings(self) -> list[dict[str, Any]]:
        rd = self.payload.get("RD") or []
        return [r for r in rd if isinstance(r, dict)]


def _text(raw: str) -> str:
    t = raw.strip()
    if t.startswith("OCMF|"):
        return t
    try:  # 2.0.1 signedMeterData: base64 of the record
        decoded = base64.b64decode(t, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise OcmfError("not OCMF data (no 'OCMF|' prefix, not base64 of one)") from None
    if not decoded.startswith("OCMF|"):
        raise OcmfError("not OCMF data (no 'OCMF|' prefix)")
    return decoded


def parse(raw: str) -> Ocmf:
    t = _text(raw)
    last = t.rfind("|")
    if last <= 5:
        raise OcmfError("OCMF record without a signature section")
    payload_text, signature_text = t[5:last], t[last + 1 :]
    try:
        payload, signature = json.loads(payload_text), json.loads(signature_text)
    except json.JSONDecodeError as e:
        raise OcmfError(f"unreadable OCMF JSON: {e.msg}") from None
    if not isinstance(payload, dict) or not isinstance(signature, dict):
        raise OcmfError("OCMF payload and signature must be JSON objects")
    if "SD" not in signature:
        raise OcmfError("OCMF signature without SD")
    return Ocmf(payload_text, payload, signature)


def load_public_key(text: str) -> ec.EllipticCurvePublicKey:
    """A meter key as PEM, or as hex / base64 of the DER SubjectPublicKeyInfo (OCMF and the
    S.A.F.E. transparency software publish hex)."""
    t = text.strip()
    if t.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(t.encode())
    else:
        try:
            der = bytes.fromhex(t)
        except ValueError:
            der = base64.b64decode(t, validate=True)
        key = serialization.load_der_public_key(der)
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("not an elliptic-curve public key")  # noqa: TRY004 (caught as bad input)
    return key


def verify(record: Ocmf, key: ec.EllipticCurvePublicKey) -> str:
    """``valid`` | ``invalid`` | ``unsupported`` (an algorithm `cryptography` cannot check)."""
    sa = str(record.signature.get("SA") or DEFAULT_SA)
    if sa not in ALGORITHMS:
        return "invalid"  # not an OCMF algorithm
    curve = ALGORITHMS[sa]
    if curve is None:
        return "unsupported"
    if not isinstance(key.curve, curve):
        return "invalid"  # the key is for another curve than the record says
    sd = str(record.signature["SD"])
    try:
        sig = base64.b64decode(sd) if record.signature.get("SE") == "base64" else bytes.fromhex(sd)
        key.verify(sig, record.payload_text.encode(), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, binascii.Error):
        return "invalid"
    return "valid"


@attrs.frozen
class Verdict:
    status: str  # none | verified | unverified | failed
    problems: tuple[str, ...] = ()
    records: int = 0


def _pages(records: Sequence[Ocmf]) -> list[str]:
    problems, pages = [], []
    for r in records:
        pg = str(r.payload.get("PG", ""))
        if pg.startswith("T") and pg[1:].isdigit():
            pages.append(int(pg[1:]))
    if pages and pages != list(range(pages[0], pages[0] + len(pages))):
        problems.append(f"pagination has gaps or repeats: {pages}")
    return problems


def _readings(records: Sequence[Ocmf]) -> list[str]:
    problems = []
    readings = [rd for r in records for rd in r.readings]
    bad = sorted({str(rd.get("ST")) for rd in readings if rd.get("ST", "G") != "G"})
    if bad:
        problems.append(f"meter status not G: {bad}")
    if not readings:
        return [*problems, "no readings"]
    if readings[0].get("TX") != "B":
        problems.append("the first reading is not a begin (TX=B)")
    if str(readings[-1].get("TX")) not in END_TX:
        problems.append("the last reading is not an end (TX=E/L/R/A/P)")
    return problems


def check_session(raw_records: Sequence[str], keys: dict[str, str]) -> Verdict:
    """All signed records of one session, with the known public keys (meter serial -> key)."""
    if not raw_records:
        return Verdict("none")
    try:
        records = [parse(r) for r in raw_records]
    except OcmfError as e:
        return Verdict("failed", (str(e),), len(raw_records))
    problems: list[str] = []
    serials = {r.serial for r in records}
    if len(serials) != 1 or None in serials:
        problems.append(f"meter serials differ or are missing: {sorted(map(str, serials))}")
    problems += _pages(records) + _readings(records)
    unverified = False
    for i, r in enumerate(records):
        key_text = keys.get(r.serial or "")
        if key_text is None:
            unverified = True
            continue
        try:
            outcome = verify(r, load_public_key(key_text))
        except ValueError as e:
            outcome = f"key unusable ({e})"
        if outcome == "unsupported":
            unverified = True
        elif outcome != "valid":
            problems.append(f"record {i}: signature {outcome}")
    if problems:
        return Verdict("failed", tuple(problems), len(records))
    return Verdict("unverified" if unverified else "verified", (), len(records))
