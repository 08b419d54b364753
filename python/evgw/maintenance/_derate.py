"""Derate: a port that cannot deliver its minimum power is not "up" (23 CFR 680.116(b)(1)).
Status messages do not show it; the sessions' peak power does (rules in config)."""

from __future__ import annotations

from datetime import datetime

import attrs

from evgw import events as ev

from ._config import DerateRule, HealthConfig
from ._health import HealthModel
from ._model import Cause, PortKey

POWER = "Power.Active.Import"


def peak_kw(samples: tuple[object, ...]) -> float | None:
    """The highest total active import power among the samples (per-phase values skipped)."""
    best: float | None = None
    for s in samples:
        if getattr(s, "measurand", None) != POWER or getattr(s, "phase", None):
            continue
        try:
            value = float(getattr(s, "value", ""))
        except ValueError:
            continue
        kw = value if (getattr(s, "unit", None) or "W") == "kW" else value / 1000
        best = kw if best is None else max(best, kw)
    return best


@attrs.define
class _Session:
    port: PortKey
    started_at: datetime
    peak_kw: float = 0.0


class DerateWatch:
    def __init__(self, cfg: HealthConfig, model: HealthModel) -> None:
        self.rules = cfg.derate
        self.model = model
        self.sessions: dict[str, _Session] = {}
        self.low_streak: dict[PortKey, list[datetime]] = {}

    def _rule(self, charger_id: str) -> DerateRule | None:
        model = self.model.model_of(charger_id)[1]
        return next((r for r in self.rules if not r.model or r.model == model), None)

    def started(self, e: ev.TransactionStarted) -> None:
        if self.rules and not e.duplicate:
            port = PortKey(e.charger_id, e.evse_id, e.connector_id)
            self.sessions[e.transaction_id] = _Session(port, e.started_at)

    def meter(self, e: ev.MeterValuesReceived) -> None:
        session = self.sessions.get(e.transaction_id or "")
        peak = peak_kw(e.samples) if session is not None else None
        if session is not None and peak is not None:
            session.peak_kw = max(session.peak_kw, peak)

    def stopped(self, e: ev.TransactionStopped, received_at: datetime) -> None:
        session = self.sessions.pop(e.transaction_id, None)
        rule = self._rule(session.port.charger_id) if session is not None else None
        if session is None or rule is None:
            return
        streak = self.low_streak.setdefault(session.port, [])
        if session.peak_kw >= rule.min_kw:
            streak.clear()
            self.model.power(session.port, None, session.started_at, received_at)
        elif session.peak_kw <= rule.low_kw:
            streak.append(session.started_at)
            if len(streak) == rule.sessions:
                self.model.power(session.port, Cause.HARDWARE, streak[0], received_at)
