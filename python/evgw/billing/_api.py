"""Billing routes: /tariffs (linted on save), /tariff-assignments, /cdrs (JSON, CSV),
/transactions/{id}/cost (running or final), /billing/holds."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from evgw.api import (
    PAGE_QUERY,
    ApiError,
    ApiExtension,
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
from . import _ledger as ledger
from . import _tariffs as tariffs
from ._metrics import cdr_totals, count_correction
from ._payments_api import routes as payment_routes
from ._receipts_api import routes as receipt_routes

if TYPE_CHECKING:
    from ._service import BillingService

_ID = r"[\x21-\x7e]{1,36}"
ASSIGNMENT_FIELDS = (
    Field("scope", Kind.ENUM, required=True, choices=tariffs.SCOPES),
    Field(
        "target",
        Kind.STRING,
        "token group / charger:evse:connector / charger / site / *",
        required=True,
        minimum=1,
        maximum=255,
    ),
    Field("tariff_id", Kind.STRING, required=True, minimum=1, maximum=36, pattern=_ID),
)
ASSIGNMENT_KEY = ASSIGNMENT_FIELDS[:2]
AT_QUERY = (Field("at", Kind.DATETIME, "running cost as of this instant (default now)"),)
FORMAT_QUERY = (
    *PAGE_QUERY,
    Field("format", Kind.ENUM, "json (default) or csv", choices=("json", "csv")),
)


def _tariff_view(t: tariffs.StoredTariff) -> dict[str, Any]:
    return {
        "id": t.id,
        "version": t.version,
        "currency": t.currency,
        "sha256": t.sha256,
        "updated_at": t.updated_at.isoformat(),
        "tariff": t.body,
        "warnings": [],
    }


def _finding(f: tariffs.Finding) -> dict[str, str]:
    return {"severity": f.severity, "code": f.code, "field": f.path, "message": f.message}


def _rejected(e: tariffs.TariffRejected) -> ApiError:
    return ApiError(
        422, "tariff_rejected", "the tariff is invalid", [_finding(f) for f in e.findings]
    )


async def list_tariffs(call: Call) -> Response:
    q = call.query(*PAGE_QUERY)
    found = await call.store.read(lambda db: tariffs.list_page(db, q["limit"], q["offset"]))
    return ok(
        {"items": [_tariff_view(t) for t in found], "limit": q["limit"], "offset": q["offset"]}
    )


async def get_tariff(call: Call) -> Response:
    tariff_id = call.path("id")
    found = await call.store.read(lambda db: tariffs.get(db, tariff_id))
    if found is None:
        raise not_found("tariff", tariff_id)
    return ok(_tariff_view(found))


async def put_tariff(call: Call) -> Response:
    """A new version of the tariff (OCPI Tariff JSON); 422 lists the linter's errors."""
    tariff_id = call.path("id")
    body = await read_json(call.request)
    if not isinstance(body, dict):
        raise ApiError(
            422,
            "tariff_rejected",
            "the tariff is invalid",
            [{"field": "body", "message": "must be a JSON object"}],
        )
    try:
        parsed, findings = tariffs.check({**body, "id": tariff_id})
    except tariffs.TariffRejected as e:
        raise _rejected(e) from None
    stored = await call.store.write(lambda db: tariffs.save(db, tariff_id, body, parsed.currency))
    view = _tariff_view(stored)
    view["warnings"] = [_finding(f) for f in findings]
    return ok(view, 201 if stored.version == 1 else 200)


async def delete_tariff(call: Call) -> Response:
    tariff_id = call.path("id")
    if not await call.store.write(lambda db: tariffs.delete(db, tariff_id)):
        raise not_found("tariff", tariff_id)
    return Response(status_code=204)


async def list_assignments(call: Call) -> Response:
    rows = await call.store.read(tariffs.assignments)
    return ok({"items": [{"scope": s, "target": t, "tariff_id": i} for s, t, i in rows]})


async def put_assignment(call: Call) -> Response:
    values = parse_object(ASSIGNMENT_FIELDS, await read_json(call.request))

    def op(db: Db) -> bool:
        if tariffs.get(db, values["tariff_id"]) is None:
            return False
        tariffs.assign(db, values["scope"], values["target"], values["tariff_id"])
        return True

    if not await call.store.write(op):
        raise not_found("tariff", values["tariff_id"])
    return ok(values)


async def delete_assignment(call: Call) -> Response:
    q = call.query(*ASSIGNMENT_KEY)
    if "scope" not in q or "target" not in q:
        raise ApiError(422, "validation_failed", "scope and target are required")
    if not await call.store.write(lambda db: tariffs.unassign(db, q["scope"], q["target"])):
        raise not_found("assignment", f"{q['scope']}/{q['target']}")
    return Response(status_code=204)


CSV_COLUMNS = (
    "id",
    "transaction_id",
    "kind",
    "start_date_time",
    "end_date_time",
    "currency",
    "total_energy",
    "total_time",
    "total_cost_excl_vat",
    "total_cost_incl_vat",
    "sha256",
)


def _csv(items: list[dict[str, Any]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for item in items:
        c = item["cdr"]
        writer.writerow(
            (
                item["id"],
                item["transaction_id"],
                item["kind"],
                c["start_date_time"],
                c["end_date_time"],
                c["currency"],
                c["total_energy"],
                c["total_time"],
                c["total_cost"]["excl_vat"],
                c["total_cost"]["incl_vat"],
                item["sha256"],
            )
        )
    return Response(out.getvalue(), media_type="text/csv")


async def list_cdrs(call: Call) -> Response:
    q = call.query(*FORMAT_QUERY)
    items = await call.store.read(lambda db: issue.list_cdrs(db, q["limit"], q["offset"]))
    if q.get("format") == "csv":
        return _csv(items)
    return ok({"items": items, "limit": q["limit"], "offset": q["offset"]})


async def get_cdr(call: Call) -> Response:
    cdr_id = call.path("id")
    found = await call.store.read(lambda db: issue.get_cdr(db, cdr_id))
    if found is None:
        raise not_found("cdr", cdr_id)
    return ok(found)


async def ledger_view(call: Call) -> Response:
    def op(db: Db) -> dict[str, Any]:
        rows = ledger.balances(db)
        return {
            "balances": [
                {"account": a, "currency": c, "balance": str(v)}
                for (a, c), v in sorted(rows.items())
            ],
            "trial_balance": {c: str(v) for c, v in ledger.trial_balance(db).items()},
        }

    return ok(await call.store.read(op))


async def list_holds(call: Call) -> Response:
    q = call.query(*PAGE_QUERY)
    items = await call.store.read(lambda db: issue.holds(db, q["limit"], q["offset"]))
    return ok({"items": items, "limit": q["limit"], "offset": q["offset"]})


def extension(service: BillingService) -> ApiExtension:
    cfg = service.cfg

    async def correct_cdr(call: Call) -> Response:
        """Credit the CDR and issue a repriced one; body {"tariff": {...}} optional."""
        cdr_id = call.path("id")
        body = await read_json(call.request) if await call.request.body() else {}
        tariff = body.get("tariff") if isinstance(body, dict) else None
        if tariff is not None:
            try:
                tariffs.check({**tariff, "id": "correction"})
            except tariffs.TariffRejected as e:
                raise _rejected(e) from None

        def op(db: Db) -> tuple[str, str, list[tuple[str, str]], list[tuple[str, str]]]:
            credit_id, new_id = issue.correct(db, cfg, cdr_id, tariff)
            return credit_id, new_id, cdr_totals(db, [credit_id]), cdr_totals(db, [new_id])

        try:
            credit_id, new_id, credited, issued = await call.store.write(op)
        except issue.CdrNotFound:
            raise not_found("cdr", cdr_id) from None
        except issue.CorrectionRefused as e:
            raise ApiError(409, "conflict", str(e)) from None
        count_correction(credited, issued)
        return ok({"credit": credit_id, "cdr": new_id}, 201)

    async def transaction_cost(call: Call) -> Response:
        """The running cost (same engine, no step rounding) or, once stopped, the CDRs."""
        tx_id = call.path("id")
        at = call.query(*AT_QUERY).get("at") or datetime.now(UTC)

        def op(db: Db) -> dict[str, Any] | None:
            tx = issue.load_tx(db, tx_id)
            if tx is None:
                return None
            p = issue.price_tx(db, cfg, tx, at, final=tx.stopped_at is not None)
            return {
                "transaction_id": tx_id,
                "final": tx.stopped_at is not None,
                "tariff_id": None if p is None else p.snapshot.tariff_id,
                "priced": None if p is None else p.priced,
                "cdrs": issue.cdrs_of(db, tx_id),
            }

        found = await call.store.read(op)
        if found is None:
            raise not_found("transaction", tx_id)
        return ok(found)

    viewer, operator = Role.VIEWER, Role.OPERATOR
    routes: tuple[ApiRoute, ...] = (
        ApiRoute("GET", "/tariffs", list_tariffs, viewer),
        ApiRoute("GET", "/tariffs/{id}", get_tariff, viewer),
        ApiRoute("PUT", "/tariffs/{id}", put_tariff, operator),
        ApiRoute("DELETE", "/tariffs/{id}", delete_tariff, operator),
        ApiRoute("GET", "/tariff-assignments", list_assignments, viewer),
        ApiRoute("PUT", "/tariff-assignments", put_assignment, operator),
        ApiRoute("DELETE", "/tariff-assignments", delete_assignment, operator),
        ApiRoute("GET", "/cdrs", list_cdrs, viewer),
        ApiRoute("GET", "/cdrs/{id}", get_cdr, viewer),
        ApiRoute("POST", "/cdrs/{id}/correct", correct_cdr, operator),
        ApiRoute("GET", "/billing/ledger", ledger_view, viewer),
        ApiRoute("GET", "/transactions/{id}/cost", transaction_cost, viewer),
        ApiRoute("GET", "/billing/holds", list_holds, viewer),
    )
    operations = {
        ("GET", "/tariffs"): Doc("List tariffs", response="BillingPage", query=PAGE_QUERY),
        ("GET", "/tariffs/{id}"): Doc(
            "A tariff (current version)", response="BillingTariff", errors=(404,)
        ),
        ("PUT", "/tariffs/{id}"): Doc(
            "Save a new version of an OCPI 2.2.1 tariff (linted)",
            response="BillingTariff",
            body="BillingObject",
            errors=(413, 422),
        ),
        ("DELETE", "/tariffs/{id}"): Doc(
            "Remove a tariff and its assignments (versions stay)", 204, errors=(404,)
        ),
        ("GET", "/tariff-assignments"): Doc("List tariff assignments", response="BillingPage"),
        ("PUT", "/tariff-assignments"): Doc(
            "Assign a tariff to a scope and target",
            response="BillingObject",
            body="BillingObject",
            errors=(404, 422),
        ),
        ("DELETE", "/tariff-assignments"): Doc(
            "Remove an assignment", 204, query=ASSIGNMENT_KEY, errors=(404, 422)
        ),
        ("GET", "/cdrs"): Doc(
            "List CDRs (JSON or CSV)", response="BillingPage", query=FORMAT_QUERY
        ),
        ("GET", "/cdrs/{id}"): Doc(
            "A CDR (OCPI 2.2.1 shape) with its hash", response="BillingObject", errors=(404,)
        ),
        ("POST", "/cdrs/{id}/correct"): Doc(
            "Correct a CDR: a credit CDR (totals negated) and a repriced new CDR",
            201,
            "BillingObject",
            "BillingObject",
            errors=(404, 409, 413, 422),
        ),
        ("GET", "/billing/ledger"): Doc(
            "Ledger balances per account and the trial balance", response="BillingObject"
        ),
        ("GET", "/transactions/{id}/cost"): Doc(
            "Running or final cost of a session",
            response="BillingObject",
            query=AT_QUERY,
            errors=(404, 422),
        ),
        ("GET", "/billing/holds"): Doc(
            "Sessions held from automatic billing", response="BillingPage", query=PAGE_QUERY
        ),
    }
    for more_routes, more_docs in (payment_routes(service), receipt_routes()):
        routes = (*routes, *more_routes)
        operations.update(more_docs)
    obj: dict[str, object] = {"type": "object"}
    schemas: dict[str, dict[str, object]] = {
        "BillingObject": obj,
        "BillingTariff": {
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "version": {"type": "integer"},
                "sha256": {"type": "string"},
                "tariff": obj,
                "warnings": {"type": "array", "items": obj},
            },
        },
        "BillingPage": {"type": "object", "properties": {"items": {"type": "array", "items": obj}}},
    }
    return ApiExtension(routes=routes, operations=dict(operations), schemas=schemas)
