"""What the simulated fleet measured: round trips per action and per second, outcomes, events."""

from __future__ import annotations

from array import array
from collections import Counter

import attrs
import trio

OK = "ok"
ERROR_OUTCOMES = ("callerror", "timeout")  # "closed" is a lost connection, counted apart


def percentile(sorted_values: list[float] | array[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(0, min(len(sorted_values) - 1, round(q / 100.0 * len(sorted_values) + 0.5) - 1))
    return float(sorted_values[rank])


@attrs.frozen
class Summary:
    count: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    rate_per_s: float


@attrs.define
class TxLedger:
    """The fleet's own account of its transactions, to hold against the CSMS's store after a
    run: how many starts each charger sent (each transaction once, retries and injected
    duplicates not counted) and, per acknowledged transaction (charger, the CSMS's
    reference), the meter start and, once its stop was acknowledged, the meter stop."""

    starts_sent: Counter[str] = attrs.field(factory=Counter)
    acked: dict[tuple[str, str], list[int | None]] = attrs.field(factory=dict)

    def sent(self, charger_id: str) -> None:
        self.starts_sent[charger_id] += 1

    def started(self, charger_id: str, ref: str, meter_start_wh: int) -> None:
        self.acked.setdefault((charger_id, ref), [meter_start_wh, None])

    def stopped(self, charger_id: str, ref: str, meter_stop_wh: int) -> None:
        self.acked.setdefault((charger_id, ref), [None, None])[1] = meter_stop_wh

    def stops_acked(self) -> int:
        return sum(1 for _, stop in self.acked.values() if stop is not None)


class Recorder:
    def __init__(self) -> None:
        self.ledger = TxLedger()
        self.t0 = trio.current_time()
        self.by_action: dict[str, array[float]] = {}
        self.by_second: dict[int, array[float]] = {}
        self.errors_by_second: Counter[int] = Counter()
        self.outcomes: Counter[tuple[str, str]] = Counter()
        self.events: Counter[str] = Counter()
        self.error_samples: list[str] = []
        self.milestones: dict[str, array[float]] = {}

    def elapsed(self) -> float:
        return trio.current_time() - self.t0

    def record(self, action: str, rtt_s: float, outcome: str, detail: str = "") -> None:
        self.outcomes[(action, outcome)] += 1
        second = int(self.elapsed())
        if outcome == OK:
            self.by_action.setdefault(action, array("d")).append(rtt_s)
            self.by_second.setdefault(second, array("d")).append(rtt_s)
        elif outcome in ERROR_OUTCOMES:
            self.errors_by_second[second] += 1
            if len(self.error_samples) < 50:
                self.error_samples.append(f"{action}: {outcome} {detail}".strip())

    def note(self, event: str, n: int = 1) -> None:
        self.events[event] += n

    def mark(self, milestone: str) -> None:
        """Remember when (seconds after t0) one charger reached `milestone`."""
        self.milestones.setdefault(milestone, array("d")).append(self.elapsed())

    def errors(self) -> int:
        return sum(n for (_, outcome), n in self.outcomes.items() if outcome in ERROR_OUTCOMES)

    def window(self, start_s: float, end_s: float) -> Summary:
        """Round trips that completed in [start_s, end_s) seconds after t0."""
        seconds = range(int(start_s), max(int(start_s) + 1, int(end_s)))
        values = sorted(v for s in seconds for v in self.by_second.get(s, ()))
        errors = sum(self.errors_by_second.get(s, 0) for s in seconds)
        return summarize(values, errors, max(1e-9, end_s - start_s))


def summarize(sorted_values: list[float], errors: int, duration_s: float) -> Summary:
    return Summary(
        count=len(sorted_values),
        errors=errors,
        p50_ms=percentile(sorted_values, 50) * 1000,
        p95_ms=percentile(sorted_values, 95) * 1000,
        p99_ms=percentile(sorted_values, 99) * 1000,
        max_ms=(sorted_values[-1] * 1000) if sorted_values else 0.0,
        rate_per_s=len(sorted_values) / duration_s,
    )
