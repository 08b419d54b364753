"""Charger authentication at the WebSocket upgrade (security profiles 0 and 1 on plain ws).

A successful scrypt verification is remembered as an HMAC of the password under a per-process
key, so reconnect storms cost one KDF per charger, not one per connection.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import trio

from evgw.security import verify_password


class PasswordVerifier:
    def __init__(self, max_cached: int = 200_000) -> None:
        self._key = secrets.token_bytes(32)
        self._verified: dict[tuple[str, str], bytes] = {}
        self._max_cached = max_cached
        self._kdf_limiter = trio.CapacityLimiter(2)

    def _tag(self, password: str) -> bytes:
        return hmac.new(self._key, password.encode("utf-8"), hashlib.sha256).digest()

    async def verify(self, charger_id: str, password: str, stored_hash: str) -> bool:
        key = (charger_id, stored_hash)
        tag = self._tag(password)
        cached = self._verified.get(key)
        if cached is not None:
            return hmac.compare_digest(cached, tag)
        ok = await trio.to_thread.run_sync(
            verify_password, password, stored_hash, limiter=self._kdf_limiter
        )
        if ok:
            if len(self._verified) >= self._max_cached:
                self._verified.pop(next(iter(self._verified)))
            self._verified[key] = tag
        return ok
