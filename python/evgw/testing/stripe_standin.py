"""A local stand-in for Stripe's API, for tests: Stripe cannot be reached from our machines.

It is a real HTTP server on a loopback socket that follows Stripe's documented API for
exactly the calls evgw makes through the official `stripe` package, and nothing else:

- ``POST /v1/payment_intents`` (``capture_method=manual``, ``confirm=true``): a hold;
  ``requires_capture`` with ``amount_capturable``, or a 402 ``card_declined``.
- ``GET /v1/payment_intents/{id}``.
- ``POST /v1/payment_intents/{id}/increment_authorization`` (``amount`` = the new total):
  only on a ``requires_capture`` intent whose card supports it, and only upwards.
- ``POST /v1/payment_intents/{id}/capture`` (``amount_to_capture`` ≤ ``amount_capturable``,
  else 400 ``amount_too_large``); the rest is released.
- ``POST /v1/payment_intents/{id}/cancel``: only when not captured.
- ``POST /v1/refunds`` (``payment_intent``, ``amount`` ≤ what is left).
- ``Idempotency-Key``: the first response per key is stored and answered again (even an
  error); the same key with other parameters is a 400 ``idempotency_error``.
- ``expand[]=latest_charge`` returns the charge with
  ``payment_method_details.card.incremental_authorization.status``.

Every state change makes an event (``payment_intent.amount_capturable_updated``,
``payment_intent.succeeded``, ``payment_intent.canceled``, ``charge.refunded``) that a test
delivers to evgw's webhook with `sign` (Stripe's ``Stripe-Signature`` scheme: HMAC-SHA256
over ``"{t}.{raw body}"``).

Test payment methods: ``pm_card_visa`` (incremental authorization available),
``pm_card_no_increment`` (not available), ``pm_card_chargeDeclined`` (declined).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import attrs

Json = dict[str, Any]


class StripeError(Exception):
    def __init__(self, status: int, kind: str, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind, self.code, self.message = status, kind, code, message

    def body(self) -> Json:
        error = {"type": self.kind, "message": self.message}
        return {"error": {**error, "code": self.code} if self.code else error}


def _bad(code: str, message: str) -> StripeError:
    return StripeError(400, "invalid_request_error", code, message)


def sign(payload: bytes, secret: str, at: int | None = None) -> str:
    """The ``Stripe-Signature`` header for a webhook body."""
    t = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


@attrs.define
class Intent:
    id: str
    amount: int
    currency: str
    payment_method: str
    metadata: dict[str, str]
    status: str = "requires_capture"
    amount_received: int = 0
    refunded: int = 0
    created: int = attrs.field(factory=lambda: int(time.time()))

    @property
    def incremental(self) -> bool:
        return self.payment_method == "pm_card_visa"

    def view(self, expand: bool) -> Json:
        capturable = self.amount if self.status == "requires_capture" else 0
        charge: Json | str = f"ch_{self.id[3:]}"
        if expand:
            status = "available" if self.incremental else "unavailable"
            charge = {
                "id": f"ch_{self.id[3:]}",
                "object": "charge",
                "amount_refunded": self.refunded,
                "payment_method_details": {
                    "type": "card",
                    "card": {
                        "incremental_authorization": {"status": status},
                        "capture_before": self.created + 7 * 86400,
                    },
                },
            }
        return {
            "id": self.id,
            "object": "payment_intent",
            "amount": self.amount,
            "amount_capturable": capturable,
            "amount_received": self.amount_received,
            "currency": self.currency,
            "capture_method": "manual",
            "status": self.status,
            "payment_method": self.payment_method,
            "metadata": self.metadata,
            "latest_charge": charge,
            "created": self.created,
            "livemode": False,
        }


@attrs.define
class StripeStandIn:
    """The server's state; `start()` binds 127.0.0.1 on a free port (`api_base`)."""

    api_key: str = "sk_test_standin"
    intents: dict[str, Intent] = attrs.field(factory=dict)
    events: list[Json] = attrs.field(factory=list)
    #: every request: (method, path, idempotency key or None)
    requests: list[tuple[str, str, str | None]] = attrs.field(factory=list)
    #: seconds to wait *after* applying a capture, before answering (a client crash test)
    capture_delay_s: float = 0.0
    #: answer every request with a 503 (an outage); nothing is applied
    down: bool = False
    _replies: dict[str, tuple[str, int, Json]] = attrs.field(factory=dict)
    _ids: itertools.count[int] = attrs.field(factory=lambda: itertools.count(1))
    _lock: threading.Lock = attrs.field(factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def api_base(self) -> str:
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> StripeStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                standin._serve(self, "GET")

            def do_POST(self) -> None:
                standin._serve(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def captures(self) -> list[str | None]:
        """The idempotency keys of every capture request received (retries included)."""
        return [key for _, path, key in self.requests if path.endswith("/capture")]

    # -- HTTP ------------------------------------------------------------------------------

    def _serve(self, h: BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length).decode() if length else ""
        path, _, query = h.path.partition("?")
        params = dict(parse_qsl(raw if method == "POST" else query, keep_blank_values=True))
        key = h.headers.get("Idempotency-Key")
        self.requests.append((method, path, key))
        status, body, delay = self._answer(method, path, params, key, h.headers)
        if delay:
            time.sleep(delay)
        data = json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        if key:
            h.send_header("Idempotency-Key", key)
        h.end_headers()
        h.wfile.write(data)

    def _answer(
        self, method: str, path: str, params: dict[str, str], key: str | None, headers: Any
    ) -> tuple[int, Json, float]:
        if self.down:
            return 503, {"error": {"type": "api_error", "message": "stand-in is down"}}, 0.0
        if headers.get("Authorization") != f"Bearer {self.api_key}":
            return 401, {"error": {"type": "invalid_request_error", "message": "bad key"}}, 0.0
        fingerprint = json.dumps([method, path, params], sort_keys=True)
        with self._lock:
            if key and key in self._replies:
                seen, status, body = self._replies[key]
                if seen != fingerprint:
                    e = StripeError(
                        400, "idempotency_error", "idempotency_key_in_use", "key reused"
                    )
                    return e.status, e.body(), 0.0
                return status, body, 0.0
            try:
                status, body = 200, self._route(method, path, params)
            except StripeError as e:
                status, body = e.status, e.body()
            if key and method == "POST":
                self._replies[key] = (fingerprint, status, body)
        delay = self.capture_delay_s if path.endswith("/capture") and status == 200 else 0.0
        return status, body, delay

    def _route(self, method: str, path: str, params: dict[str, str]) -> Json:
        parts = path.strip("/").split("/")
        expand = "latest_charge" in {v for k, v in params.items() if k.startswith("expand")}
        if parts[:2] == ["v1", "refunds"] and method == "POST":
            return self._refund(params)
        if parts[:2] != ["v1", "payment_intents"]:
            raise StripeError(404, "invalid_request_error", "resource_missing", path)
        if len(parts) == 2 and method == "POST":
            return self._create(params).view(expand)
        pi = self.intents.get(parts[2]) if len(parts) > 2 else None
        if pi is None:
            raise StripeError(404, "invalid_request_error", "resource_missing", path)
        if len(parts) == 3 and method == "GET":
            return pi.view(expand)
        actions: dict[str, Callable[[Intent, dict[str, str]], None]] = {
            "increment_authorization": self._increment,
            "capture": self._capture,
            "cancel": self._cancel,
        }
        if len(parts) != 4 or parts[3] not in actions or method != "POST":
            raise StripeError(404, "invalid_request_error", "resource_missing", path)
        actions[parts[3]](pi, params)
        return pi.view(expand)

    # -- the API's rules ---------------------------------------------------------------------

    def _event(self, kind: str, obj: Json) -> None:
        n = len(self.events) + 1
        self.events.append(
            {
                "id": f"evt_{n:06d}",
                "object": "event",
                "type": kind,
                "created": int(time.time()),
                "data": {"object": obj},
                "livemode": False,
                "api_version": "2024-06-20",
            }
        )

    def _create(self, p: dict[str, str]) -> Intent:
        if p.get("capture_method") != "manual" or p.get("confirm") != "true":
            raise _bad("parameter_invalid", "evgw's stand-in only does confirmed manual holds")
        amount = int(p.get("amount", "0"))
        if amount < 1:
            raise _bad("parameter_invalid_integer", "amount must be at least 1")
        pm = p.get("payment_method", "")
        if pm == "pm_card_chargeDeclined":
            raise StripeError(402, "card_error", "card_declined", "Your card was declined.")
        meta = {k[9:-1]: v for k, v in p.items() if k.startswith("metadata[")}
        pi = Intent(f"pi_{next(self._ids):08d}", amount, p["currency"], pm, meta)
        self.intents[pi.id] = pi
        self._event("payment_intent.amount_capturable_updated", pi.view(False))
        return pi

    def _increment(self, pi: Intent, p: dict[str, str]) -> None:
        amount = int(p.get("amount", "0"))
        if pi.status != "requires_capture" or not pi.incremental:
            raise _bad("incremental_authorization_unavailable", "cannot increment this intent")
        if amount <= pi.amount:
            raise _bad("parameter_invalid_integer", "amount must be above the current amount")
        pi.amount = amount
        self._event("payment_intent.amount_capturable_updated", pi.view(False))

    def _capture(self, pi: Intent, p: dict[str, str]) -> None:
        if pi.status != "requires_capture":
            raise _bad("payment_intent_unexpected_state", f"intent is {pi.status}")
        amount = int(p.get("amount_to_capture", pi.amount))
        if amount > pi.amount:
            raise _bad("amount_too_large", "amount_to_capture exceeds amount_capturable")
        pi.amount_received, pi.status = amount, "succeeded"
        self._event("payment_intent.succeeded", pi.view(False))

    def _cancel(self, pi: Intent, p: dict[str, str]) -> None:
        if pi.status not in {"requires_capture", "requires_payment_method"}:
            raise _bad("payment_intent_unexpected_state", f"intent is {pi.status}")
        pi.status = "canceled"
        self._event("payment_intent.canceled", pi.view(False))

    def _refund(self, p: dict[str, str]) -> Json:
        pi = self.intents.get(p.get("payment_intent", ""))
        if pi is None or pi.status != "succeeded":
            raise _bad("charge_not_refundable", "nothing captured to refund")
        amount = int(p.get("amount", pi.amount_received - pi.refunded))
        if amount < 1 or amount > pi.amount_received - pi.refunded:
            raise _bad("amount_too_large", "refund exceeds what is left")
        pi.refunded += amount
        refund = {
            "id": f"re_{next(self._ids):08d}",
            "object": "refund",
            "amount": amount,
            "payment_intent": pi.id,
            "status": "succeeded",
        }
        self._event("charge.refunded", pi.view(True)["latest_charge"])
        return refund
