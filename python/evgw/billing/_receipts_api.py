"""Routes for receipts, statements, OCMF meter keys and releasing held sessions."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from evgw.api import (
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

from . import _issue as issue
from . import _ocmf as ocmf
from . import _receipts as receipts

HTML_QUERY = (Field("format", Kind.ENUM, "json (default) or html", choices=("json", "html")),)
STATEMENT_QUERY = (
    Field("month", Kind.STRING, "YYYY-MM (UTC)", required=True, pattern=r"\d{4}-(0[1-9]|1[0-2])"),
    *HTML_QUERY,
)
KEY_FIELDS = (
    Field(
        "public_key",
        Kind.STRING,
        "PEM, or hex / base64 of the DER SubjectPublicKeyInfo",
        required=True,
        minimum=1,
        maximum=4000,
    ),
)
RELEASE_FIELDS = (
    Field("reason", Kind.STRING, "why it may be billed", required=True, minimum=1, maximum=500),
)


def _html(text: str) -> Response:
    return Response(text, media_type="text/html; charset=utf-8")


async def get_receipt(call: Call) -> Response:
    cdr_id = call.path("id")
    q = call.query(*HTML_QUERY)
    found = await call.store.write(lambda db: receipts.receipt(db, cdr_id))
    if found is None:
        raise not_found("cdr", cdr_id)
    return _html(receipts.receipt_html(found)) if q.get("format") == "html" else ok(found)


async def get_statement(call: Call) -> Response:
    account = call.path("account")
    q = call.query(*STATEMENT_QUERY)
    if "month" not in q:
        raise ApiError(422, "validation_failed", "month (YYYY-MM) is required")
    found = await call.store.read(lambda db: receipts.statement(db, account, q["month"]))
    return _html(receipts.statement_html(found)) if q.get("format") == "html" else ok(found)


async def list_meter_keys(call: Call) -> Response:
    keys = await call.store.read(issue.meter_keys)
    items = [{"meter_serial": s, "public_key": k} for s, k in sorted(keys.items())]
    return ok({"items": items})


async def put_meter_key(call: Call) -> Response:
    serial = call.path("serial")
    v = parse_object(KEY_FIELDS, await read_json(call.request))
    try:
        ocmf.load_public_key(v["public_key"])
    except ValueError as e:
        detail = [{"field": "public_key", "message": str(e) or "not a public key"}]
        raise ApiError(422, "validation_failed", "the public key is unreadable", detail) from None
    await call.store.write(lambda db: issue.put_meter_key(db, serial, v["public_key"]))
    return ok({"meter_serial": serial, "public_key": v["public_key"]})


async def release_hold(call: Call) -> Response:
    tx_id = call.path("id")
    v = parse_object(RELEASE_FIELDS, await read_json(call.request))

    def op(db: Db) -> bool:
        return issue.release(db, tx_id, v["reason"])

    if not await call.store.write(op):
        raise not_found("hold", tx_id)
    return ok({"transaction_id": tx_id, "released": True, "reason": v["reason"]})


def routes() -> tuple[tuple[ApiRoute, ...], dict[tuple[str, str], Doc]]:
    viewer, operator = Role.VIEWER, Role.OPERATOR
    route_list = (
        ApiRoute("GET", "/cdrs/{id}/receipt", get_receipt, viewer),
        ApiRoute("GET", "/billing/statements/{account}", get_statement, viewer),
        ApiRoute("GET", "/billing/meter-keys", list_meter_keys, viewer),
        ApiRoute("PUT", "/billing/meter-keys/{serial}", put_meter_key, operator),
        ApiRoute("POST", "/billing/holds/{id}/release", release_hold, operator),
    )
    docs: dict[tuple[str, str], Any] = {
        ("GET", "/cdrs/{id}/receipt"): Doc(
            "The session's receipt (energy, price per kWh, time, fees, tax, total): JSON or "
            "printable HTML",
            response="BillingObject",
            query=HTML_QUERY,
            errors=(404, 422),
        ),
        ("GET", "/billing/statements/{account}"): Doc(
            "An account's monthly statement (CDRs and credit CDRs that ended in the month)",
            response="BillingObject",
            query=STATEMENT_QUERY,
            errors=(422,),
        ),
        ("GET", "/billing/meter-keys"): Doc(
            "Meter public keys used to verify OCMF signed meter values", response="BillingObject"
        ),
        ("PUT", "/billing/meter-keys/{serial}"): Doc(
            "Register a meter's public key (by the OCMF meter serial MS)",
            response="BillingObject",
            body="BillingObject",
            errors=(413, 422),
        ),
        ("POST", "/billing/holds/{id}/release"): Doc(
            "Release a held session: its CDR is issued on the next sweep, the release noted",
            response="BillingObject",
            body="BillingObject",
            errors=(404, 413, 422),
        ),
    }
    return route_list, docs
