"""The Stripe provider: PaymentIntents with manual capture, through the official `stripe`
package.

Every mutating call carries the outbox intent's deterministic key as Stripe's
``Idempotency-Key``, so a retry (after a timeout, an outage or a crash of evgw) gets the
first result again and never charges twice. Network failures and Stripe's 5xx/429 answers
raise ``ConnectionError`` (the outbox retries with backoff); a card or request error is a
final ``PspResult(ok=False)``.

Stripe cannot be reached from evgw's test machines: the adapter is tested against
``evgw.testing.stripe_standin``, a local HTTP server that follows Stripe's documented API
for exactly these calls (``api_base`` points the client at it).
"""

from __future__ import annotations

from typing import Any

import stripe

from ._payments import PspResult, PspState

#: Stripe intent status -> our payment state (what a webhook or a re-read says).
_STATES = {
    "requires_capture": "AUTHORIZED",
    "succeeded": "CAPTURED",
    "canceled": "VOIDED",
}
_RETRY = (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError)
_EXPAND = ["latest_charge"]


class WebhookRejected(ValueError):
    """Bad signature, stale timestamp or an unreadable body."""


def _incremental(pi: Any) -> bool:
    charge = pi.get("latest_charge")
    if not isinstance(charge, dict):
        return False
    card = (charge.get("payment_method_details") or {}).get("card") or {}
    present = (charge.get("payment_method_details") or {}).get("card_present") or {}
    status = (card.get("incremental_authorization") or {}).get("status")
    return status == "available" or bool(present.get("incremental_authorization_supported"))


class StripeProvider:
    name = "stripe"

    def __init__(
        self, api_key: str, *, api_base: str | None = None, timeout_s: float = 10.0
    ) -> None:
        self.client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=0,  # the outbox retries, with the same key
            http_client=stripe.RequestsClient(timeout=timeout_s),
        )

    def _do(self, call: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The call's object as a plain dict; retryable failures as ConnectionError."""
        try:
            found = call(*args, **kwargs)
        except _RETRY as e:
            raise ConnectionError(f"stripe: {e.user_message or e}") from e
        out: dict[str, Any] = found.to_dict()
        return out

    def _result(self, pi: Any, amount: int) -> PspResult:
        return PspResult(True, pi["id"], amount, incremental=_incremental(pi))

    def authorize_hold(
        self,
        key: str,
        amount_minor: int,
        currency: str,
        payment_method: str | None = None,
        metadata: dict[str, str] | None = None,
    ) -> PspResult:
        params: dict[str, Any] = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "capture_method": "manual",
            "confirm": True,
            "payment_method": payment_method or "",
            "payment_method_types": ["card"],
            "payment_method_options": {
                "card": {"request_incremental_authorization": "if_available"}
            },
            "metadata": metadata or {},
            "expand": _EXPAND,
        }
        try:
            pi = self._do(self.client.v1.payment_intents.create, params, {"idempotency_key": key})
        except stripe.StripeError as e:
            return PspResult(False, "", 0, e.code or type(e).__name__)
        if pi["status"] != "requires_capture":
            return PspResult(False, pi["id"], 0, f"status {pi['status']}")
        return self._result(pi, pi["amount"])

    def _intent_call(
        self, key: str, method: Any, reference: str, params: dict[str, Any], amount: int | None
    ) -> PspResult:
        try:
            pi = self._do(
                method, reference, {**params, "expand": _EXPAND}, {"idempotency_key": key}
            )
        except stripe.StripeError as e:
            return PspResult(False, reference, 0, e.code or type(e).__name__)
        return self._result(pi, pi["amount"] if amount is None else amount)

    def increment(self, key: str, reference: str, new_total_minor: int) -> PspResult:
        method = self.client.v1.payment_intents.increment_authorization
        return self._intent_call(key, method, reference, {"amount": new_total_minor}, None)

    def capture(self, key: str, reference: str, amount_minor: int) -> PspResult:
        params = {"amount_to_capture": amount_minor}
        method = self.client.v1.payment_intents.capture
        return self._intent_call(key, method, reference, params, amount_minor)

    def void(self, key: str, reference: str) -> PspResult:
        return self._intent_call(key, self.client.v1.payment_intents.cancel, reference, {}, 0)

    def refund(self, key: str, reference: str, amount_minor: int) -> PspResult:
        params = {"payment_intent": reference, "amount": amount_minor}
        try:
            r = self._do(self.client.v1.refunds.create, params, {"idempotency_key": key})
        except stripe.StripeError as e:
            return PspResult(False, reference, 0, e.code or type(e).__name__)
        return PspResult(True, reference, int(r["amount"]))

    def retrieve(self, reference: str) -> PspState:
        """The intent as Stripe has it now (webhooks are prompts; this is the truth)."""
        pi = self._do(self.client.v1.payment_intents.retrieve, reference)
        return PspState(reference, _STATES.get(pi["status"], "PENDING"), int(pi["amount"]))

    def parse_webhook(self, payload: bytes, signature: str | None, secret: str) -> dict[str, Any]:
        """Verify ``Stripe-Signature`` on the raw body (300 s tolerance); the event as a dict."""
        try:
            event = self.client.construct_event(payload, signature, secret)
        except (stripe.SignatureVerificationError, ValueError) as e:
            raise WebhookRejected(str(e)) from None
        out: dict[str, Any] = event.to_dict()
        return out
