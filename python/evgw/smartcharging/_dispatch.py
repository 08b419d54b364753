"""Which profile changes to send this tick (sans-IO): reductions at once and first, increases
past hysteresis and dwell, keep-alive rewrites, no identical resend, a message budget."""

from __future__ import annotations

import enum

import attrs

from ._config import SmartChargingConfig
from ._live import Live


class Kind(enum.IntEnum):
    """Send order: lower first."""

    REDUCE = 0
    FIRST = 1
    INCREASE = 2
    REFRESH = 3


@attrs.frozen
class Change:
    live: Live
    site_id: str
    target_a: float
    kind: Kind
    from_a: float  # the limit in force: the accepted one, else the fallback share


def retry_after(live: Live, cfg: SmartChargingConfig) -> float:
    """Seconds from the last failed profile to the next try: a refusal waits
    `retry_rejected_s`; no answer (a lost frame, a busy link) is retried soon, backing off
    (doubling per failure in a row) up to `retry_rejected_s`."""
    if live.fixed_why == "rejected":
        return cfg.retry_rejected_s
    backoff = cfg.retry_unanswered_s * 2.0 ** max(0, live.failures - 1)
    return min(backoff, cfg.retry_rejected_s)


def _blocked(live: Live, now: float, cfg: SmartChargingConfig) -> bool:
    """In flight, unreachable, no session (2.x: its transactionId not known yet), or
    waiting to retry after a failed profile."""
    waiting = live.fixed_why in ("rejected", "unanswered")
    return (
        live.pending
        or not live.online
        or not live.active
        or (live.v201 and live.ocpp_transaction_id is None)
        or (waiting and now - live.fixed_since < retry_after(live, cfg))
    )


def decide(
    live: Live, target_a: float, now: float, cfg: SmartChargingConfig, fallback_a: float
) -> Kind | None:
    """`fallback_a`: what the charger runs before its first TxProfile (the safe share)."""
    if _blocked(live, now, cfg):
        return None
    if live.sent_a is None:
        return Kind.REDUCE if target_a < fallback_a - 1e-9 else Kind.FIRST
    if target_a < live.sent_a - 1e-9:
        return Kind.REDUCE
    if target_a > live.sent_a + 1e-9:
        return _increase(live, target_a, now, cfg)
    if now - live.sent_at >= cfg.refresh_s:
        return Kind.REFRESH
    return None


def _increase(live: Live, target_a: float, now: float, cfg: SmartChargingConfig) -> Kind | None:
    assert live.sent_a is not None
    big_enough = target_a - live.sent_a >= max(cfg.increase_min_a, 0.1 * live.sent_a)
    dwelt = now - live.sent_at >= cfg.increase_dwell_s
    return Kind.INCREASE if big_enough and dwelt else None


@attrs.define
class SiteGate:
    """Increases of a site wait while the site is unsettled (a profile in flight, or a
    connector still above its new target) and for the EV response lag after the last
    reduction, so the freed current is gone before anyone else takes it."""

    reductions_in_flight: int = 0
    last_reduction_at: float = -1e18
    unsettled: bool = False

    def allows_increase(self, now: float, lag_s: float) -> bool:
        quiet = self.reductions_in_flight == 0 and not self.unsettled
        return quiet and now - self.last_reduction_at >= lag_s


def unsettled(lives: list[tuple[Live, float]], fallback_a: dict[str, float]) -> bool:
    """Some connector (not a fixed load) may still draw above its target: its profile is in
    flight, or its accepted limit (the fallback when none) is above the target."""
    for live, target in lives:
        if live.fixed_why is not None or not live.active:
            continue
        effective = fallback_a[live.key[0]] if live.sent_a is None else live.sent_a
        if live.pending or effective > target + 1e-9:
            return True
    return False


def plan(
    changes: list[Change], budget: int, gates: dict[str, SiteGate], now: float, lag_s: float
) -> list[Change]:
    """The changes to send now, reductions first, within the budget; no raise in a site
    that reduces in the same batch."""
    chosen: list[Change] = []
    reducing: set[str] = set()
    for change in sorted(changes, key=lambda c: (c.kind, -abs(c.target_a - c.from_a))):
        if len(chosen) >= budget:
            break
        gate = gates.setdefault(change.site_id, SiteGate())
        if change.kind is Kind.REDUCE:
            reducing.add(change.site_id)
        elif _raises(change) and (
            change.site_id in reducing or not gate.allows_increase(now, lag_s)
        ):
            continue
        chosen.append(change)
    return chosen


def _raises(change: Change) -> bool:
    return change.kind in (Kind.INCREASE, Kind.FIRST) and change.target_a > change.from_a
