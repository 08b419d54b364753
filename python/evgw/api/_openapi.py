"""The OpenAPI 3.1 document, built from data: operation docs below, request schemas from the
field tables the handlers validate with, roles from the route table."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import attrs

from evgw.domain import TokenStatus

from ._chargers import CREATE_FIELDS, SETTINGS
from ._fields import Field, object_schema, query_parameters
from ._handler import PAGE_QUERY
from ._ocpp import TIMEOUT_QUERY
from ._routes import API_ROUTES, PREFIX, ApiExtension
from ._tokens import TOKEN_FIELDS
from ._transactions import TRANSACTION_QUERY

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _type(short: str) -> Schema:
    """'string', 'integer?' (nullable), 'date-time', 'string[]', or a schema name."""
    nullable, short = short.endswith("?"), short.rstrip("?")
    if short.endswith("[]"):
        schema: Schema = {"type": "array", "items": _type(short[:-2])}
    elif short == "date-time":
        schema = {"type": "string", "format": "date-time"}
    elif short[0].isupper():
        schema = _ref(short)
    else:
        schema = {"type": short}
    return {"oneOf": [schema, {"type": "null"}]} if nullable else schema


def _model(**members: str) -> Schema:
    return {
        "type": "object",
        "properties": {name: _type(short) for name, short in members.items()},
        "required": list(members),
    }


def _page(item: str) -> Schema:
    return _model(items=f"{item}[]", limit="integer", offset="integer")


SCHEMAS: dict[str, Schema] = {
    "Error": _model(error="ErrorBody"),
    "ErrorBody": {
        **_model(code="string", message="string"),
        "description": "`details` is a list of Violation for 422, else an object or null",
    },
    "Violation": _model(field="string", message="string"),
    "ChargerCreate": object_schema(CREATE_FIELDS),
    "ChargerPatch": object_schema(SETTINGS, partial=True),
    "Charger": _model(
        id="string",
        security_profile="integer",
        boot_policy="string",
        site_id="string?",
        serial_number="string?",
        has_password="boolean",
        vendor="string?",
        model="string?",
        firmware_version="string?",
        ocpp_version="string?",
        last_boot_at="date-time?",
        last_seen_at="date-time?",
        connectors="Connector[]",
        created_at="date-time?",
        connection="Connection",
    ),
    "Connector": _model(
        evse_id="integer",
        connector_id="integer",
        status="string",
        error_code="string?",
        info="string?",
        updated_at="date-time?",
    ),
    "Connection": _model(connected="boolean", ocpp_version="string?", connected_at="date-time?"),
    "ChargerPage": _page("Charger"),
    "OcppPayload": {"type": "object", "description": "the request payload of the action"},
    "OcppReply": _model(payload="object"),
    "TokenPut": object_schema(TOKEN_FIELDS),
    "Token": {
        **_model(
            id="string",
            type="string",
            status="string",
            expires_at="date-time?",
            group_id="string?",
            owner="string?",
        ),
        "description": "status is one of " + ", ".join(s.value for s in TokenStatus),
    },
    "TokenPage": _page("Token"),
    "MeterSample": _model(
        timestamp="date-time",
        measurand="string",
        value="string",
        unit="string?",
        phase="string?",
        context="string?",
        location="string?",
        format="string?",
    ),
    "Transaction": {
        **_model(
            id="string",
            ocpp16_id="integer?",
            charger_id="string",
            evse_id="integer",
            connector_id="integer",
            id_token="string?",
            meter_start_wh="integer?",
            meter_stop_wh="integer?",
            started_at="date-time?",
            stopped_at="date-time?",
            stop_reason="string?",
            status="string",
            flags="string[]",
            energy_wh="integer?",
            ocpp_transaction_id="string?",
        ),
        "description": "status: active, completed or orphan; ocpp_transaction_id is the 2.x "
        "charger's transactionId (1.6: ocpp16_id)",
    },
    "TransactionWithSamples": {
        "allOf": [_ref("Transaction"), _model(samples="MeterSample[]")],
    },
    "TransactionPage": _page("Transaction"),
    "Flag": _model(
        id="integer",
        kind="string",
        charger_id="string?",
        transaction_id="string?",
        detail="object",
        created_at="date-time",
    ),
    "FlagPage": _page("Flag"),
}


@attrs.frozen
class Doc:
    summary: str
    ok: int = 200
    response: str | None = None  # a schema name; None: no body
    body: str | None = None
    query: tuple[Field, ...] = ()
    errors: tuple[int, ...] = ()


_API_ERRORS = (401, 403, 500)

OPERATIONS: dict[tuple[str, str], Doc] = {
    ("GET", "/chargers"): Doc("List chargers", response="ChargerPage", query=PAGE_QUERY),
    ("POST", "/chargers"): Doc(
        "Register a charger", 201, "Charger", "ChargerCreate", errors=(409, 413)
    ),
    ("GET", "/chargers/{id}"): Doc("A charger's registration and live state", response="Charger"),
    ("PATCH", "/chargers/{id}"): Doc(
        "Change a registration", response="Charger", body="ChargerPatch", errors=(413,)
    ),
    ("DELETE", "/chargers/{id}"): Doc("Remove a registration", 204),
    ("POST", "/chargers/{id}/ocpp/{action}"): Doc(
        "Send a CSMS-initiated OCPP call and return the charger's reply",
        response="OcppReply",
        body="OcppPayload",
        query=TIMEOUT_QUERY,
        errors=(409, 413, 502, 504),
    ),
    ("GET", "/tokens"): Doc("List authorization tokens", response="TokenPage", query=PAGE_QUERY),
    ("GET", "/tokens/{id}"): Doc("An authorization token", response="Token"),
    ("PUT", "/tokens/{id}"): Doc(
        "Create (201) or replace (200) a token", response="Token", body="TokenPut", errors=(413,)
    ),
    ("DELETE", "/tokens/{id}"): Doc("Remove a token", 204),
    ("GET", "/transactions"): Doc(
        "List transactions", response="TransactionPage", query=TRANSACTION_QUERY
    ),
    ("GET", "/transactions/{id}"): Doc(
        "A transaction with its meter samples", response="TransactionWithSamples"
    ),
    ("GET", "/flags"): Doc("List review flags", response="FlagPage", query=PAGE_QUERY),
}

_ROOT_OPERATIONS: dict[str, tuple[str, str, Schema]] = {
    "/metrics": ("Prometheus metrics", "text/plain", {"type": "string"}),
    "/healthz": ("The process is up", "application/json", _model(status="string")),
    "/readyz": ("Ready to serve (503 when not)", "application/json", _model(status="string")),
    "/openapi.json": ("This document", "application/json", {"type": "object"}),
}

_STATUS_TEXT = {
    400: "Rejected (e.g. a webhook whose signature does not verify)",
    401: "Missing or invalid bearer token",
    403: "The token's role is not allowed to do this",
    404: "Unknown id (or OCPP action)",
    409: "Conflict (exists already / charger not connected)",
    413: "Body too large",
    422: "Invalid input; details lists the violations",
    500: "Unexpected error (details in the server log)",
    502: "The charger answered with a CALLERROR or an invalid reply",
    504: "The charger did not answer in time",
}


def _json(schema: Schema) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _error_responses(doc: Doc, path: str) -> dict[str, Any]:
    statuses = set(_API_ERRORS + doc.errors)
    if "{" in path:
        statuses.add(404)
    if doc.body or doc.query:
        statuses.add(422)
    return {
        str(s): {"description": _STATUS_TEXT[s], **_json(_ref("Error"))} for s in sorted(statuses)
    }


def _operation(method: str, path: str, doc: Doc, role: str) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "OK" if doc.ok < 300 else "Done"}
    if doc.response is not None:
        success.update(_json(_ref(doc.response)))
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", path)
    ]
    operation: dict[str, Any] = {
        "summary": doc.summary,
        "description": "No bearer token; the caller is verified by the handler."
        if role == "public"
        else f"Needs the {role} role or higher.",
        "operationId": method.lower() + "_" + re.sub(r"\W+", "_", path).strip("_"),
        "security": [] if role == "public" else [{"bearer": []}],
        "parameters": params + query_parameters(doc.query),
        "responses": {str(doc.ok): success, **_error_responses(doc, path)},
    }
    if doc.body is not None:
        operation["requestBody"] = {"required": True, **_json(_ref(doc.body))}
    return operation


def _root_paths() -> dict[str, Any]:
    return {
        path: {
            "get": {
                "summary": summary,
                "security": [],
                "responses": {"200": {"description": "OK", "content": {media: {"schema": s}}}},
            }
        }
        for path, (summary, media, s) in _ROOT_OPERATIONS.items()
    }


def openapi_document(extensions: Sequence[ApiExtension] = ()) -> dict[str, Any]:
    routes = [*API_ROUTES, *(r for ext in extensions for r in ext.routes)]
    roles = {(r.method, r.path): "public" if r.public else r.role.value for r in routes}
    operations: dict[tuple[str, str], Any] = dict(OPERATIONS)
    schemas = dict(SCHEMAS)
    for ext in extensions:
        clash = (set(ext.operations) & set(operations)) | (set(ext.schemas) & set(schemas))
        if clash:
            raise ValueError(f"API extension redefines {sorted(map(str, clash))}")
        missing = {(r.method, r.path) for r in ext.routes} - set(ext.operations)
        if missing:
            raise ValueError(f"API extension routes without documentation: {sorted(missing)}")
        operations.update(ext.operations)
        schemas.update(ext.schemas)
    paths = _root_paths()
    for (method, path), doc in operations.items():
        if not isinstance(doc, Doc):
            raise TypeError(f"{method} {path}: documentation must be an evgw.api.Doc")
        operation = _operation(method, path, doc, roles.get((method, path), "admin"))
        paths.setdefault(PREFIX + path, {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "evgw operator API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
