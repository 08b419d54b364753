"""A test double at the internet boundary: an in-memory PSP that follows the idempotency
rules of Stripe's API for the calls the port makes (the first result per idempotency key is
stored and answered again; capture at most the authorized amount; void only uncaptured).
Used by the tests; no network, no real PSP."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import attrs

from ._payments import PspResult


@attrs.define
class Intent:
    amount: int
    currency: str
    captured: int = 0
    refunded: int = 0
    canceled: bool = False


@attrs.define
class InMemoryPsp:
    intents: dict[str, Intent] = attrs.field(factory=dict)
    results: dict[str, PspResult] = attrs.field(factory=dict)
    calls: list[str] = attrs.field(factory=list)  # every call, retries included
    down: bool = False  # an outage: every call raises ConnectionError
    _ids: itertools.count[int] = attrs.field(factory=itertools.count)

    def _once(self, key: str, do: Callable[[], PspResult]) -> PspResult:
        self.calls.append(key)
        if self.down:
            raise ConnectionError("PSP unreachable")
        if key not in self.results:
            self.results[key] = do()
        return self.results[key]

    def authorize_hold(
        self,
        key: str,
        amount_minor: int,
        currency: str,
        payment_method: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> PspResult:
        def do() -> PspResult:
            ref = f"pi_{next(self._ids)}"
            self.intents[ref] = Intent(amount_minor, currency)
            return PspResult(True, ref, amount_minor, incremental=True)

        return self._once(key, do)

    def increment(self, key: str, reference: str, new_total_minor: int) -> PspResult:
        def do() -> PspResult:
            self.intents[reference].amount = new_total_minor
            return PspResult(True, reference, new_total_minor)

        return self._once(key, do)

    def capture(self, key: str, reference: str, amount_minor: int) -> PspResult:
        def do() -> PspResult:
            pi = self.intents[reference]
            if pi.canceled or pi.captured or amount_minor > pi.amount:
                return PspResult(False, reference, 0, "amount_too_large_or_not_capturable")
            pi.captured = amount_minor
            return PspResult(True, reference, amount_minor)

        return self._once(key, do)

    def void(self, key: str, reference: str) -> PspResult:
        def do() -> PspResult:
            pi = self.intents[reference]
            if pi.captured:
                return PspResult(False, reference, 0, "already_captured")
            pi.canceled = True
            return PspResult(True, reference, 0)

        return self._once(key, do)

    def refund(self, key: str, reference: str, amount_minor: int) -> PspResult:
        def do() -> PspResult:
            pi = self.intents[reference]
            if amount_minor > pi.captured - pi.refunded:
                return PspResult(False, reference, 0, "refund_exceeds_capture")
            pi.refunded += amount_minor
            return PspResult(True, reference, amount_minor)

        return self._once(key, do)
