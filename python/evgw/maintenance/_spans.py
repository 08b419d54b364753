"""Arithmetic on time spans: union, intersection, difference, length (pure).

A span is ``(start, end)`` with start < end; lists of spans are sorted and disjoint after
`union`. Minutes are exact (`Fraction`), so boundaries such as exactly 97 % decide right.
The report works on integer microseconds since the epoch (`UsSpan`): union, intersect,
subtract and clip take either kind.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import TypeVar

Span = tuple[datetime, datetime]
UsSpan = tuple[int, int]  # microseconds since 1970-01-01 UTC
T = TypeVar("T", datetime, int)

US_PER_MINUTE = 60_000_000
_US_PER_MINUTE = US_PER_MINUTE
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(at: datetime) -> int:
    return (at - EPOCH) // _ONE_US


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def span_us(span: Span) -> UsSpan:
    return (to_us(span[0]), to_us(span[1]))


def total_us(spans: Iterable[UsSpan]) -> int:
    return sum(end - start for start, end in spans)


def union(spans: Iterable[tuple[T, T]]) -> list[tuple[T, T]]:
    merged: list[tuple[T, T]] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def intersect(a: list[tuple[T, T]], b: list[tuple[T, T]]) -> list[tuple[T, T]]:
    """Both sorted and disjoint."""
    out: list[tuple[T, T]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: list[tuple[T, T]], b: list[tuple[T, T]]) -> list[tuple[T, T]]:
    """The parts of `a` outside `b` (both sorted and disjoint)."""
    out: list[tuple[T, T]] = []
    j = 0
    for start, end in a:
        cursor = start
        while j < len(b) and b[j][1] <= cursor:
            j += 1
        k = j
        while k < len(b) and b[k][0] < end:
            if b[k][0] > cursor:
                out.append((cursor, b[k][0]))
            cursor = max(cursor, b[k][1])
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out


def clip(spans: Iterable[tuple[T, T]], window: tuple[T, T]) -> list[tuple[T, T]]:
    lo, hi = window
    return [(max(s, lo), min(e, hi)) for s, e in spans if s < hi and e > lo]


def minutes(spans: Iterable[Span]) -> Fraction:
    us = sum(_micros(end - start) for start, end in spans)
    return Fraction(us, _US_PER_MINUTE)


def union_clipped_us(spans: list[UsSpan], window: UsSpan) -> list[UsSpan]:
    """`clip(union(spans), window)` for microsecond spans in one pass (sorts `spans` in
    place; the report's hot loop, hence no min/max calls)."""
    lo, hi = window
    spans.sort()
    merged: list[UsSpan] = []
    last_end = lo - 1
    for raw_start, raw_end in spans:
        start = raw_start if raw_start > lo else lo
        end = raw_end if raw_end < hi else hi
        if start >= end:
            continue
        if start <= last_end:
            if end > last_end:
                merged[-1] = (merged[-1][0], end)
                last_end = end
        else:
            merged.append((start, end))
            last_end = end
    return merged


def per_bucket_us(spans: list[UsSpan], buckets: list[UsSpan]) -> list[int]:
    """Microseconds of `spans` inside each bucket, in one pass (both sorted and disjoint)."""
    totals = [0] * len(buckets)
    j, n = 0, len(buckets)
    for start, end in spans:
        while j < n and buckets[j][1] <= start:
            j += 1
        if j < n and buckets[j][0] <= start and end <= buckets[j][1]:
            totals[j] += end - start  # the common case: inside one bucket
            continue
        k = j
        while k < n and buckets[k][0] < end:
            lo, hi = max(start, buckets[k][0]), min(end, buckets[k][1])
            if lo < hi:
                totals[k] += hi - lo
            k += 1
    return totals


_ONE_US = timedelta(microseconds=1)


def _micros(delta: timedelta) -> int:
    return delta // _ONE_US


def take_minutes(spans: list[Span], budget: Fraction) -> list[Span]:
    """The earliest `budget` minutes of `spans`."""
    out: list[Span] = []
    for start, end in spans:
        if budget <= 0:
            break
        length = minutes([(start, end)])
        if length <= budget:
            out.append((start, end))
            budget -= length
        else:
            out.append((start, start + timedelta(microseconds=int(budget * _US_PER_MINUTE))))
            budget = Fraction(0)
    return out


def months(window: Span) -> list[Span]:
    """The calendar months (UTC) the window touches, each clipped to it."""
    out: list[Span] = []
    lo, hi = window
    start = lo
    while start < hi:
        first = start.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        following = (first + timedelta(days=32)).replace(day=1)
        out.append((start, min(following, hi)))
        start = following
    return out


@functools.lru_cache(maxsize=64)
def months_us(window: Span) -> tuple[tuple[Span, UsSpan], ...]:
    """`months(window)`, each with its span in microseconds (computed once per window)."""
    return tuple((m, span_us(m)) for m in months(window))
