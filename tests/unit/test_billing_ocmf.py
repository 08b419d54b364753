"""OCMF records signed in the test with keys generated in the test (secp256r1, secp384r1,
brainpoolP256r1, brainpoolP384r1, secp256k1, secp192r1), verified byte-exact; the bad ones:
a changed byte, a wrong key, a meter status not G, a pagination gap, a missing begin or end,
two meter serials, an algorithm `cryptography` has no curve for, unreadable text."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from evgw.billing import _ocmf as ocmf

CURVES = {
    "ECDSA-secp256r1-SHA256": ec.SECP256R1(),
    "ECDSA-secp384r1-SHA256": ec.SECP384R1(),
    "ECDSA-brainpool256r1-SHA256": ec.BrainpoolP256R1(),
    "ECDSA-brainpool384r1-SHA256": ec.BrainpoolP384R1(),
    "ECDSA-secp256k1-SHA256": ec.SECP256K1(),
    "ECDSA-secp192r1-SHA256": ec.SECP192R1(),
}


def public_hex(key: ec.EllipticCurvePrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return der.hex()


def reading(tx: str, rv: float, st: str = "G") -> dict[str, Any]:
    return {"TM": "2026-01-05T09:00:00,000+0100 S", "TX": tx, "RV": rv, "RU": "kWh", "ST": st}


def record(
    key: ec.EllipticCurvePrivateKey,
    readings: list[dict[str, Any]],
    *,
    page: int = 1,
    serial: str = "M-0001",
    sa: str = "ECDSA-secp256r1-SHA256",
    se: str = "hex",
) -> str:
    # Deliberately unusual spacing: the signature covers these bytes, not a re-serialisation.
    payload = json.dumps(
        {"FV": "1.0", "GI": "ACME", "PG": f"T{page}", "MS": serial, "RD": readings},
        separators=(", ", ": "),
    )
    sig = key.sign(payload.encode(), ec.ECDSA(hashes.SHA256()))
    sd = base64.b64encode(sig).decode() if se == "base64" else sig.hex().upper()
    return f"OCMF|{payload}|" + json.dumps({"SA": sa, "SE": se, "SD": sd})


def session(key: ec.EllipticCurvePrivateKey, sa: str = "ECDSA-secp256r1-SHA256") -> list[str]:
    return [
        record(key, [reading("B", 1.0)], page=1, sa=sa),
        record(key, [reading("E", 3.5)], page=2, sa=sa),
    ]


@pytest.mark.parametrize("sa", sorted(CURVES))
def test_every_supported_curve_verifies(sa: str) -> None:
    key = ec.generate_private_key(CURVES[sa])
    verdict = ocmf.check_session(session(key, sa), {"M-0001": public_hex(key)})
    assert verdict == ocmf.Verdict("verified", (), 2)


def test_pem_keys_base64_signatures_and_the_2_0_1_base64_carriage() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    records = [
        record(key, [reading("B", 1.0)], page=7, se="base64"),
        base64.b64encode(record(key, [reading("E", 2.0)], page=8).encode()).decode(),
    ]
    assert ocmf.check_session(records, {"M-0001": pem.decode()}).status == "verified"


def test_a_changed_byte_or_a_wrong_key_fails() -> None:
    key, other = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    records = session(key)
    changed = records[1].replace('"RV": 3.5', '"RV": 9.5')
    verdict = ocmf.check_session([records[0], changed], {"M-0001": public_hex(key)})
    assert verdict.status == "failed"
    assert verdict.problems == ("record 1: signature invalid",)
    wrong = ocmf.check_session(records, {"M-0001": public_hex(other)})
    assert wrong.problems == ("record 0: signature invalid", "record 1: signature invalid")
    p384 = ec.generate_private_key(ec.SECP384R1())
    assert ocmf.check_session(records, {"M-0001": public_hex(p384)}).status == "failed"


def test_meter_status_pagination_bracket_and_serials() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    keys = {"M-0001": public_hex(key), "M-0002": public_hex(key)}
    error = [record(key, [reading("B", 1.0)]), record(key, [reading("E", 2.0, st="E")], page=2)]
    assert ocmf.check_session(error, keys).problems == ("meter status not G: ['E']",)
    gap = [record(key, [reading("B", 1.0)]), record(key, [reading("E", 2.0)], page=3)]
    assert ocmf.check_session(gap, keys).problems == ("pagination has gaps or repeats: [1, 3]",)
    open_ended = [record(key, [reading("B", 1.0)]), record(key, [reading("C", 2.0)], page=2)]
    assert ocmf.check_session(open_ended, keys).problems == (
        "the last reading is not an end (TX=E/L/R/A/P)",
    )
    second = record(key, [reading("E", 2.0)], page=2, serial="M-0002")
    two = [record(key, [reading("B", 1.0)]), second]
    assert ocmf.check_session(two, keys).status == "failed"


def test_no_key_or_an_uncheckable_curve_is_unverified_not_failed() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    assert ocmf.check_session(session(key), {}).status == "unverified"
    k1 = session(key, "ECDSA-secp192k1-SHA256")
    assert ocmf.check_session(k1, {"M-0001": public_hex(key)}).status == "unverified"
    assert ocmf.check_session([], {}).status == "none"


@pytest.mark.parametrize(
    "text",
    ["1234", "OCMF|{}", "OCMF|not json|{}", 'OCMF|{"MS":"x"}|{"SA":"x"}', "T0NNRnx4"],
)
def test_unreadable_records_fail_with_a_reason(text: str) -> None:
    verdict = ocmf.check_session([text], {})
    assert verdict.status == "failed"
    assert verdict.problems
