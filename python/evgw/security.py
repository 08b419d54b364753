"""Secrets: charger passwords (memory-hard KDF, constant-time check) and API token secrets.

Charger passwords use scrypt (RFC 7914) from the standard library: memory-hard, no native
dependency. Stored form: ``scrypt$<log2 n>$<r>$<p>$<salt b64>$<hash b64>``.
API tokens are 32 random bytes; only their SHA-256 is stored (high-entropy secrets need no KDF).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string

_LOG2_N = 14  # n = 16384, r = 8 -> 16 MiB per hash: slow for attackers, ~50 ms for us
_R = 8
_P = 1
_DKLEN = 32
_MAXMEM = 64 * 1024 * 1024

# OCPP 2.0.1 passwordString alphabet (Appendices): letters, digits and these symbols.
_PASSWORD_ALPHABET = string.ascii_letters + string.digits + "*-_=:+|@."


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _kdf(password: str, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=1 << log2_n, r=r, p=p, maxmem=_MAXMEM, dklen=_DKLEN
    )


def hash_password(password: str) -> str:
    """A storable hash of a charger password."""
    salt = secrets.token_bytes(16)
    digest = _kdf(password, salt, _LOG2_N, _R, _P)
    return f"scrypt${_LOG2_N}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of `password` against a `hash_password` result; False if malformed."""
    try:
        scheme, log2_n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = _kdf(password, base64.b64decode(salt), int(log2_n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def generate_password(ocpp_version: str = "ocpp2.0.1", length: int = 32) -> str:
    """A new charger password: 1.6 -> 40 hex digits (AuthorizationKey); 2.x -> passwordString."""
    if ocpp_version == "ocpp1.6":
        return secrets.token_hex(20)
    if not 16 <= length <= 40:
        raise ValueError("OCPP 2.x passwords are 16 to 40 characters")
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))


def new_api_secret() -> str:
    """A bearer token secret for the operator API (shown once, stored hashed)."""
    return "evgw_" + secrets.token_urlsafe(32)


def api_secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
