"""Per-connection token bucket. When empty, the reader waits: TCP backpressure slows the sender."""

from __future__ import annotations

import trio


class TokenBucket:
    __slots__ = ("_burst", "_rate", "_stamp", "_tokens", "throttled")

    def __init__(self, rate_per_s: float, burst: int) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self._rate = rate_per_s
        self._burst = float(burst)
        self._tokens = float(burst)
        self._stamp = trio.current_time()
        self.throttled = 0  # how many messages had to wait

    def _refill(self) -> None:
        now = trio.current_time()
        self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now

    async def acquire(self) -> None:
        """Take one token, sleeping until one is available."""
        self._refill()
        if self._tokens < 1.0:
            self.throttled += 1
            await trio.sleep((1.0 - self._tokens) / self._rate)
            self._refill()
        self._tokens -= 1.0
