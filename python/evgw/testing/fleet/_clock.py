"""Simulated wall clock: real trio time, optionally accelerated, plus a per-charger skew."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import trio


class SimClock:
    """`now()` in simulated seconds since `epoch`; `speed` simulated seconds per real second."""

    def __init__(self, epoch: datetime, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.epoch = epoch.astimezone(UTC)
        self.speed = speed
        self._t0 = trio.current_time()

    def now(self) -> float:
        """Simulated seconds since the epoch."""
        return (trio.current_time() - self._t0) * self.speed

    def wall(self, sim_seconds: float) -> float:
        """Real seconds that `sim_seconds` of simulated time take."""
        return sim_seconds / self.speed

    def datetime_at(self, sim_seconds: float, skew_s: float = 0.0) -> datetime:
        return self.epoch + timedelta(seconds=sim_seconds + skew_s)

    async def sleep_sim(self, sim_seconds: float) -> None:
        await trio.sleep(max(0.0, self.wall(sim_seconds)))


def iso(value: datetime) -> str:
    """OCPP timestamp, UTC with milliseconds."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def sim_seconds(clock: SimClock, text: str | None) -> float | None:
    """An OCPP timestamp as simulated seconds of `clock` (None stays None)."""
    if text is None:
        return None
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=clock.epoch.tzinfo)
    return (value - clock.epoch).total_seconds()
