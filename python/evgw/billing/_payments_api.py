"""Payment routes: /payments (list), /payments/adhoc (the ad-hoc flow), and the provider's
webhook /billing/webhooks/stripe (public: verified by its signature, not a bearer token)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import trio
from starlette.responses import Response

from evgw.api import (
    PAGE_QUERY,
    ApiError,
    ApiRoute,
    Call,
    Doc,
    Field,
    Kind,
    not_found,
    ok,
    parse_object,
    read_json,
)
from evgw.domain import Role
from evgw.store import Db

from . import _adhoc as adhoc
from . import _payments as payments
from ._payment_task import webhook_secret

if TYPE_CHECKING:
    from ._service import BillingService

log = logging.getLogger("evgw.billing.payments")

ADHOC_FIELDS = (
    Field("charger_id", Kind.STRING, required=True, minimum=1, maximum=255),
    Field("evse_id", Kind.INTEGER, "2.x EVSE (default 1)", minimum=0),
    Field("connector_id", Kind.INTEGER, "connector (default 1)", minimum=0),
    Field(
        "payment_method",
        Kind.STRING,
        "the PSP's payment method id (Stripe: pm_...)",
        required=True,
        minimum=1,
        maximum=255,
    ),
    Field("amount_minor", Kind.INTEGER, "hold in minor units (default: configured)", minimum=1),
)
#: Stripe intent events whose intent evgw re-reads; others are acknowledged and ignored.
_INTENT_EVENTS = ("payment_intent.", "charge.refunded")


def _reference(event: dict[str, Any]) -> str:
    obj = event.get("data", {}).get("object", {})
    if obj.get("object") == "payment_intent":
        return str(obj.get("id", ""))
    return str(obj.get("payment_intent") or obj.get("id", ""))


class _Handlers:
    def __init__(self, service: BillingService) -> None:
        self.service = service
        self.cfg = self.service.cfg

    async def list_payments(self, call: Call) -> Response:
        q = call.query(*PAGE_QUERY)
        found = await call.store.read(
            lambda db: payments.list_payments(db, q["limit"], q["offset"])
        )
        items = [adhoc.payment_view(p) for p in found]
        return ok({"items": items, "limit": q["limit"], "offset": q["offset"]})

    async def create_adhoc(self, call: Call) -> Response:
        if self.service.payment_task is None:
            raise ApiError(409, "conflict", "no payment provider is configured")
        v = parse_object(ADHOC_FIELDS, await read_json(call.request))
        if call.services.commander.connection(v["charger_id"]) is None:
            raise ApiError(409, "conflict", f"charger {v['charger_id']!r} is not connected")
        op = adhoc.create(
            self.cfg,
            charger_id=v["charger_id"],
            evse_id=v.get("evse_id", 1),
            connector_id=v.get("connector_id", 1),
            payment_method=v["payment_method"],
            amount_minor=v.get("amount_minor"),
        )
        try:
            adhoc_id = await call.store.write(op)
        except (adhoc.AdhocRefused, payments.PaymentRefused) as e:
            raise ApiError(409, "conflict", str(e)) from None
        self.service.payment_task.kick()
        return ok(await call.store.read(lambda db: self._view(db, adhoc_id)), 201)

    def _view(self, db: Db, adhoc_id: str) -> dict[str, Any] | None:
        a = adhoc.get(db, adhoc_id)
        return None if a is None else adhoc.view(db, a, self.cfg)

    async def get_adhoc(self, call: Call) -> Response:
        adhoc_id = call.path("id")
        found = await call.store.read(lambda db: self._view(db, adhoc_id))
        if found is None:
            raise not_found("payment", adhoc_id)
        return ok(found)

    async def cancel_adhoc(self, call: Call) -> Response:
        adhoc_id = call.path("id")

        def op(db: Db) -> dict[str, Any]:
            return adhoc.view(db, adhoc.cancel(db, adhoc_id), self.cfg)

        try:
            found = await call.store.write(op)
        except KeyError:
            raise not_found("payment", adhoc_id) from None
        except (adhoc.AdhocRefused, payments.PaymentRefused) as e:
            raise ApiError(409, "conflict", str(e)) from None
        if self.service.payment_task is not None:
            self.service.payment_task.kick()
        return ok(found)

    async def stripe_webhook(self, call: Call) -> Response:
        """Signature first (on the raw body), then the event id once, then the intent as
        Stripe has it now (events repeat and arrive out of order: state is re-read)."""
        from ._stripe import StripeProvider, WebhookRejected  # noqa: PLC0415

        psp = self.service.psp
        if not isinstance(psp, StripeProvider):
            raise ApiError(404, "not_found", "no Stripe provider is configured")
        raw = await call.request.body()
        signature = call.request.headers.get("stripe-signature")
        try:
            event = psp.parse_webhook(raw, signature, webhook_secret(self.cfg.payments))
        except WebhookRejected as e:
            log.warning("stripe webhook rejected: %s", e)
            raise ApiError(400, "bad_signature", "the webhook signature is not valid") from None
        kind, ref = str(event.get("type", "")), _reference(event)
        new = await call.store.write(
            lambda db: payments.record_event(db, "stripe", str(event["id"]), kind, ref)
        )
        outcome = "duplicate"
        if new and kind.startswith(_INTENT_EVENTS) and ref:
            try:
                state = await trio.to_thread.run_sync(psp.retrieve, ref)
            except ConnectionError:
                outcome = "recorded"  # the outbox and the next event will catch up
            else:
                outcome = await call.store.write(lambda db: payments.reconcile(db, state))
                if self.service.payment_task is not None:
                    self.service.payment_task.kick()
        elif new:
            outcome = "ignored"
        return ok({"received": True, "outcome": outcome})


def routes(service: BillingService) -> tuple[tuple[ApiRoute, ...], dict[tuple[str, str], Doc]]:
    h = _Handlers(service)
    viewer, operator = Role.VIEWER, Role.OPERATOR
    route_list = (
        ApiRoute("GET", "/payments", h.list_payments, viewer),
        ApiRoute("POST", "/payments/adhoc", h.create_adhoc, operator),
        ApiRoute("GET", "/payments/adhoc/{id}", h.get_adhoc, viewer),
        ApiRoute("POST", "/payments/adhoc/{id}/cancel", h.cancel_adhoc, operator),
        ApiRoute("POST", "/billing/webhooks/stripe", h.stripe_webhook, viewer, public=True),
    )
    docs = {
        ("GET", "/payments"): Doc(
            "Card payments (holds, captures, refunds) with their state",
            response="BillingPage",
            query=PAGE_QUERY,
        ),
        ("POST", "/payments/adhoc"): Doc(
            "Start an ad-hoc paid session: hold, then remote start; watched against the hold",
            201,
            "BillingObject",
            "BillingObject",
            errors=(409, 413, 422),
        ),
        ("GET", "/payments/adhoc/{id}"): Doc(
            "An ad-hoc payment: state, hold, transaction, running cost",
            response="BillingObject",
            errors=(404,),
        ),
        ("POST", "/payments/adhoc/{id}/cancel"): Doc(
            "Cancel an ad-hoc payment before its session started (the hold is voided)",
            response="BillingObject",
            errors=(404, 409),
        ),
        ("POST", "/billing/webhooks/stripe"): Doc(
            "Stripe webhook (Stripe-Signature checked on the raw body; events once by id)",
            response="BillingObject",
            body="BillingObject",
            errors=(400, 404, 413),
        ),
    }
    return route_list, docs
