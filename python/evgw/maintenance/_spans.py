"""Arithmetic on time spans: union, intersection, difference, length (pure).

A span is ``(start, end)`` with start < end; lists of spans are sorted and disjoint after
`union`. Minutes are exact (`Fraction`), so boundaries such as exactly 97 % decide right.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from fractions import Fraction

Span = tuple[datetime, datetime]

_US_PER_MINUTE = 60_000_000


def union(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def intersect(a: list[Span], b: list[Span]) -> list[Span]:
    """Both sorted and disjoint."""
    out: list[Span] = []
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


def subtract(a: list[Span], b: list[Span]) -> list[Span]:
    """The parts of `a` outside `b` (both sorted and disjoint)."""
    out: list[Span] = []
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


def clip(spans: Iterable[Span], window: Span) -> list[Span]:
    lo, hi = window
    return [(max(s, lo), min(e, hi)) for s, e in spans if s < hi and e > lo]


def minutes(spans: Iterable[Span]) -> Fraction:
    us = sum(_micros(end - start) for start, end in spans)
    return Fraction(us, _US_PER_MINUTE)


def per_bucket(spans: list[Span], buckets: list[Span]) -> list[Fraction]:
    """Minutes of `spans` inside each bucket, in one pass (both sorted and disjoint)."""
    totals = [0] * len(buckets)
    j = 0
    for start, end in spans:
        while j < len(buckets) and buckets[j][1] <= start:
            j += 1
        if j < len(buckets) and buckets[j][0] <= start and end <= buckets[j][1]:
            totals[j] += (end - start) // _ONE_US  # the common case: inside one bucket
            continue
        k = j
        while k < len(buckets) and buckets[k][0] < end:
            lo, hi = max(start, buckets[k][0]), min(end, buckets[k][1])
            if lo < hi:
                totals[k] += (hi - lo) // _ONE_US
            k += 1
    return [Fraction(t, _US_PER_MINUTE) for t in totals]


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
