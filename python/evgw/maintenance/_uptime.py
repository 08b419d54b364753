"""Port uptime under a policy (pure): NEVI 23 CFR 680.116(b), CEC-style caps, per month.

    mu = ((525,600 - (T_outage - T_excluded)) / 525,600) x 100

per port, over the window (the previous twelve months for NEVI). T_outage is the union of
the port's outages (overlapping causes count once); T_excluded is the part of it covered by
exclusions that have evidence and a cause the policy excludes, within the policy's caps. An
exclusion without evidence excludes nothing and is listed as pending. A port meets the
threshold only when strictly above it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from fractions import Fraction

import attrs

from ._config import PolicyCap, UptimePolicy
from ._model import Cause
from ._spans import (
    US_PER_MINUTE,
    Span,
    UsSpan,
    from_us,
    intersect,
    minutes,
    months_us,
    per_bucket_us,
    span_us,
    subtract,
    take_minutes,
    total_us,
    union,
    union_clipped_us,
)

YEAR_MINUTES = 525_600


@attrs.frozen
class Exclusion:
    id: str
    start: datetime
    end: datetime
    cause: Cause
    evidence: str | None
    notes: str = ""


@attrs.frozen
class Excluded:
    span: Span
    exclusion: Exclusion


@attrs.frozen
class MonthUptime:
    """Diagnostic uptime of one calendar month over its own minutes."""

    start: datetime
    end: datetime
    outage_us: int
    excluded_us: int

    @property
    def outage_min(self) -> Fraction:
        return Fraction(self.outage_us, US_PER_MINUTE)

    @property
    def excluded_min(self) -> Fraction:
        return Fraction(self.excluded_us, US_PER_MINUTE)

    @property
    def uptime_pct(self) -> Fraction:
        return _pct(minutes([(self.start, self.end)]), self.outage_min - self.excluded_min)


@attrs.frozen
class PortUptime:
    outage_us: list[UsSpan]  # the union, clipped to the window, in microseconds
    excluded: list[Excluded]
    pending: list[Exclusion]  # excludable cause, no evidence
    not_excludable: list[Exclusion]  # evidence, but the policy does not exclude the cause
    outage_total_us: int
    excluded_total_us: int
    uptime_pct: Fraction
    meets: bool
    months: list[MonthUptime]

    @property
    def outage(self) -> list[Span]:
        return [(from_us(s), from_us(e)) for s, e in self.outage_us]

    @property
    def outage_min(self) -> Fraction:
        return Fraction(self.outage_total_us, US_PER_MINUTE)

    @property
    def excluded_min(self) -> Fraction:
        return Fraction(self.excluded_total_us, US_PER_MINUTE)

    @property
    def net_min(self) -> Fraction:
        return self.outage_min - self.excluded_min


def _cap(policy: UptimePolicy, cause: Cause) -> PolicyCap | None:
    return next((c for c in policy.excludable if c.cause == cause), None)


def _allowed(
    outage: list[Span], exclusions: Sequence[Exclusion], policy: UptimePolicy
) -> tuple[list[Excluded], list[Exclusion], list[Exclusion]]:
    """Walk the exclusions in time order, applying evidence, causes and caps."""
    taken: list[Span] = []
    excluded: list[Excluded] = []
    pending: list[Exclusion] = []
    refused: list[Exclusion] = []
    used_per_cause: dict[Cause, Fraction] = {}
    for ex in sorted(exclusions, key=lambda e: (e.start, e.id)):
        cap = _cap(policy, ex.cause)
        if cap is None:
            refused.append(ex)
            continue
        if not ex.evidence:
            pending.append(ex)
            continue
        pieces = subtract(intersect(outage, [_incident_span(ex, cap)]), taken)
        if cap.per_year_min:
            budget = Fraction(cap.per_year_min) - used_per_cause.get(ex.cause, Fraction(0))
            pieces = take_minutes(pieces, budget)
            used_per_cause[ex.cause] = used_per_cause.get(ex.cause, Fraction(0)) + minutes(pieces)
        excluded += [Excluded(p, ex) for p in pieces]
        taken = union([*taken, *pieces])
    return sorted(excluded, key=lambda e: e.span), pending, refused


def _incident_span(ex: Exclusion, cap: PolicyCap) -> Span:
    if not cap.per_incident_min:
        return (ex.start, ex.end)
    return (ex.start, min(ex.end, ex.start + timedelta(minutes=cap.per_incident_min)))


def _pct(denominator: Fraction, net: Fraction) -> Fraction:
    return (denominator - net) / denominator * 100


def port_uptime(
    outages: Sequence[Span],
    exclusions: Sequence[Exclusion],
    window: Span,
    policy: UptimePolicy,
) -> PortUptime:
    """`outages` may overlap and reach outside the window (open ones: end at 'now')."""
    return port_uptime_us([span_us(s) for s in outages], exclusions, window, policy)


def port_uptime_us(
    outages: Sequence[UsSpan],
    exclusions: Sequence[Exclusion],
    window: Span,
    policy: UptimePolicy,
) -> PortUptime:
    """`port_uptime` over outages in microseconds (the report's path: no datetimes for a port
    without exclusions)."""
    outage = union_clipped_us(list(outages), span_us(window))
    excluded: list[Excluded] = []
    pending: list[Exclusion] = []
    refused: list[Exclusion] = []
    if exclusions:
        as_dt = [(from_us(s), from_us(e)) for s, e in outage]
        excluded, pending, refused = _allowed(as_dt, exclusions, policy)
    spans = [span_us(e.span) for e in excluded]
    months = _months(window, outage, spans)
    out_us = sum(m.outage_us for m in months)  # the months tile the window
    ex_us = total_us(spans)
    denominator = Fraction(YEAR_MINUTES) if policy.constant_year else minutes([window])
    pct = _pct(denominator, Fraction(out_us - ex_us, US_PER_MINUTE))
    return PortUptime(
        outage_us=outage,
        excluded=excluded,
        pending=pending,
        not_excludable=refused,
        outage_total_us=out_us,
        excluded_total_us=ex_us,
        uptime_pct=pct,
        meets=pct > Fraction(str(policy.threshold_pct)),
        months=months,
    )


def _months(window: Span, outage: list[UsSpan], excluded: list[UsSpan]) -> list[MonthUptime]:
    buckets = months_us(window)
    us = [b for _, b in buckets]
    out = per_bucket_us(outage, us)
    ex = per_bucket_us(excluded, us) if excluded else [0] * len(us)
    return [MonthUptime(s, e, o, x) for ((s, e), _), o, x in zip(buckets, out, ex, strict=True)]
