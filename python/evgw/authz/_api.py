"""Authorization routes: /accounts, /tokens/{id}/evses, /local-lists, /offline-sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
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
    invalid,
    not_found,
    object_schema,
    ok,
    parse_object,
    read_json,
)
from evgw.api._fields import check_value
from evgw.api._tokens import TOKEN_ID
from evgw.domain import Role
from evgw.store import Db

from . import _accounts as accounts
from . import _local_list as ll
from . import _offline as offline
from ._authorizer import find_token, token_evses

if TYPE_CHECKING:
    from ._component import AuthzComponent

_AMOUNT = 'a decimal amount as a string (e.g. "25.00"), zero or more, in the currency'
ACCOUNT_FIELDS = (
    Field("kind", Kind.ENUM, required=True, choices=accounts.KINDS),
    Field("name", Kind.STRING, required=True, minimum=1, maximum=255),
    Field("currency", Kind.STRING, "ISO 4217 code", required=True, minimum=3, maximum=3),
    Field("status", Kind.ENUM, "active (default) or blocked", choices=accounts.STATUSES),
    Field("balance", Kind.STRING, "prepaid balance; null: post-paid. " + _AMOUNT, nullable=True),
    Field("max_session_cost", Kind.STRING, "cap per session; " + _AMOUNT, nullable=True),
    Field(
        "language",
        Kind.STRING,
        "RFC 5646 (IdTokenInfo.language1)",
        nullable=True,
        minimum=1,
        maximum=8,
    ),
    Field(
        "personal_message",
        Kind.STRING,
        "shown by 2.x chargers at authorization",
        nullable=True,
        minimum=1,
        maximum=512,
    ),
)
_ID = attrs.evolve(TOKEN_ID, description="the account id")
STATE_QUERY = (
    *PAGE_QUERY,
    Field("state", Kind.ENUM, choices=("billed", "flagged", "held", "released", "written_off")),
)
RELEASE_FIELDS = (
    Field(
        "bill",
        Kind.ENUM,
        "true: bill it; false: write it off",
        required=True,
        choices=("true", "false"),
    ),
)
EVSE_LIMIT = 1000


def account_view(a: accounts.Account, tokens: int | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": a.id,
        "kind": a.kind,
        "name": a.name,
        "status": a.status,
        "currency": a.currency,
        "balance": None if a.balance is None else str(a.balance),
        "max_session_cost": None if a.max_session_cost is None else str(a.max_session_cost),
        "session_limit": None if a.session_limit() is None else str(a.session_limit()),
        "language": a.language,
        "personal_message": a.personal_message,
    }
    if tokens is not None:
        view["tokens"] = tokens
    return view


def parse_account(account_id: str, data: object) -> accounts.Account:
    values = parse_object(ACCOUNT_FIELDS, data)
    try:
        exponent = accounts.currency_exponent(values["currency"])
        return accounts.Account(
            account_id,
            values["kind"],
            values["name"],
            values["currency"],
            values.get("status", "active"),
            accounts.amount("balance", values.get("balance"), exponent),
            accounts.amount("max_session_cost", values.get("max_session_cost"), exponent),
            values.get("language"),
            values.get("personal_message"),
        )
    except accounts.AccountRejected as e:
        raise invalid([{"field": e.args[0], "message": e.args[1]}]) from None


def _evse_place(item: object) -> tuple[str, int] | None:
    if not isinstance(item, dict) or set(item) - {"charger_id", "evse_id"}:
        return None
    cid, evse = item.get("charger_id"), item.get("evse_id", 0)
    if not isinstance(cid, str) or not 1 <= len(cid) <= 255:
        return None
    if isinstance(evse, bool) or not isinstance(evse, int) or not 0 <= evse <= 1000:
        return None
    return cid, evse


def parse_evses(data: object) -> list[tuple[str, int]]:
    """{"evses": [{"charger_id": "CP1", "evse_id": 2}, ...]}; evse_id 0 or absent: all."""
    items = data.get("evses") if isinstance(data, dict) and len(data) == 1 else None
    if not isinstance(items, list) or len(items) > EVSE_LIMIT:
        raise invalid([{"field": "evses", "message": f"must be a list of at most {EVSE_LIMIT}"}])
    out: list[tuple[str, int]] = []
    problems: list[dict[str, str]] = []
    for n, item in enumerate(items):
        place = _evse_place(item)
        if place is None:
            problems.append(
                {
                    "field": f"evses/{n}",
                    "message": "needs charger_id and evse_id "
                    "(an integer 0..1000; 0 is the whole charger), nothing else",
                }
            )
        else:
            out.append(place)
    if problems:
        raise invalid(problems)
    return sorted(set(out))


class _Handlers:
    def __init__(self, component: AuthzComponent) -> None:
        self.component = component

    async def list_accounts(self, call: Call) -> Response:
        q = call.query(*PAGE_QUERY)
        found = await call.store.read(lambda db: accounts.page(db, q["limit"], q["offset"]))
        return ok({"items": [account_view(a) for a in found], **q})

    async def get_account(self, call: Call) -> Response:
        aid = call.path("id")

        def op(db: Db) -> tuple[accounts.Account, int] | None:
            a = accounts.get(db, aid)
            return None if a is None else (a, accounts.token_count(db, aid))

        found = await call.store.read(op)
        if found is None:
            raise not_found("account", aid)
        return ok(account_view(*found))

    async def put_account(self, call: Call) -> Response:
        aid = check_value(_ID, call.path("id"))
        account = parse_account(aid, await read_json(call.request))
        created = await call.store.write(lambda db: accounts.put(db, account))
        self.component.poke()
        return ok(account_view(account), 201 if created else 200)

    async def delete_account(self, call: Call) -> Response:
        aid = call.path("id")

        def op(db: Db) -> str:
            if accounts.get(db, aid) is None:
                return "missing"
            if accounts.token_count(db, aid):
                return "in_use"
            accounts.delete(db, aid)
            return "deleted"

        outcome = await call.store.write(op)
        if outcome == "missing":
            raise not_found("account", aid)
        if outcome == "in_use":
            raise ApiError(409, "conflict", "tokens still belong to the account")
        self.component.poke()
        return Response(status_code=204)

    async def get_evses(self, call: Call) -> Response:
        tid = call.path("id")

        def op(db: Db) -> tuple[tuple[str, int], ...] | None:
            token = find_token(db, tid)
            return None if token is None else token_evses(db, token.id)

        found = await call.store.read(op)
        if found is None:
            raise not_found("token", tid)
        return ok({"evses": [{"charger_id": c, "evse_id": e} for c, e in found]})

    async def put_evses(self, call: Call) -> Response:
        tid = call.path("id")
        evses = parse_evses(await read_json(call.request))

        def op(db: Db) -> bool:
            if db.one("SELECT 1 FROM id_tokens WHERE id = ?", (tid,)) is None:
                return False
            db.run("DELETE FROM authz_token_evses WHERE token_id = ?", (tid,))
            for cid, evse in evses:
                db.run(
                    "INSERT INTO authz_token_evses (token_id, charger_id, evse_id) "
                    "VALUES (?, ?, ?)",
                    (tid, cid, evse),
                )
            return True

        if not await call.store.write(op):
            raise not_found("token", tid)
        self.component.poke()
        return ok({"evses": [{"charger_id": c, "evse_id": e} for c, e in evses]})

    async def list_local_lists(self, call: Call) -> Response:
        q = call.query(*PAGE_QUERY)
        found = await call.store.read(lambda db: ll.states(db, q["limit"], q["offset"]))
        return ok({"items": [s.view() for s in found], **q})

    async def get_local_list(self, call: Call) -> Response:
        cid = call.path("id")

        def op(db: Db) -> dict[str, Any]:
            held = ll.held_entries(db, cid)
            return {**ll.read_state(db, cid).view(), "held": [held[k] for k in sorted(held)]}

        return ok(await call.store.read(op))

    async def resync_local_list(self, call: Call) -> Response:
        await self.component.resync(call.path("id"))
        return ok({"charger_id": call.path("id"), "state": "resync"}, 202)

    async def list_offline(self, call: Call) -> Response:
        q = call.query(*STATE_QUERY)
        found = await call.store.read(
            lambda db: offline.page(db, q.get("state"), q["limit"], q["offset"])
        )
        return ok({"items": found, "limit": q["limit"], "offset": q["offset"]})

    async def transaction_authorization(self, call: Call) -> Response:
        tx_id = call.path("id")
        found = await call.store.read(lambda db: offline.get(db, tx_id))
        if found is None:
            raise not_found("offline-started session", tx_id)
        return ok(found)

    async def release_offline(self, call: Call) -> Response:
        tx_id = call.path("id")
        body = await read_json(call.request)
        if isinstance(body, dict) and isinstance(body.get("bill"), bool):
            body = {"bill": "true" if body["bill"] else "false"}
        bill = parse_object(RELEASE_FIELDS, body)["bill"] == "true"
        try:
            found = await call.store.write(lambda db: offline.release(db, tx_id, bill))
        except offline.NotHeld as e:
            raise ApiError(409, "conflict", str(e)) from None
        if found is None:
            raise not_found("offline-started session", tx_id)
        return ok(found)


def extension(component: AuthzComponent) -> ApiExtension:
    h = _Handlers(component)
    viewer, operator = Role.VIEWER, Role.OPERATOR
    routes = (
        ApiRoute("GET", "/accounts", h.list_accounts, viewer),
        ApiRoute("GET", "/accounts/{id}", h.get_account, viewer),
        ApiRoute("PUT", "/accounts/{id}", h.put_account, operator),
        ApiRoute("DELETE", "/accounts/{id}", h.delete_account, operator),
        ApiRoute("GET", "/tokens/{id}/evses", h.get_evses, viewer),
        ApiRoute("PUT", "/tokens/{id}/evses", h.put_evses, operator),
        ApiRoute("GET", "/local-lists", h.list_local_lists, viewer),
        ApiRoute("GET", "/local-lists/{id}", h.get_local_list, viewer),
        ApiRoute("POST", "/local-lists/{id}/resync", h.resync_local_list, operator),
        ApiRoute("GET", "/offline-sessions", h.list_offline, viewer),
        ApiRoute("GET", "/transactions/{id}/authorization", h.transaction_authorization, viewer),
        ApiRoute("POST", "/offline-sessions/{id}/release", h.release_offline, operator),
    )
    operations = {
        ("GET", "/accounts"): Doc("List accounts", response="AuthzPage", query=PAGE_QUERY),
        ("GET", "/accounts/{id}"): Doc(
            "An account with its limits and token count", response="Account", errors=(404,)
        ),
        ("PUT", "/accounts/{id}"): Doc(
            "Create (201) or replace (200) an account (driver, fleet, roaming partner)",
            response="Account",
            body="AccountPut",
            errors=(413, 422),
        ),
        ("DELETE", "/accounts/{id}"): Doc(
            "Remove an account no token belongs to", 204, errors=(404, 409)
        ),
        ("GET", "/tokens/{id}/evses"): Doc(
            "Where a token may charge (empty: everywhere)", response="TokenEvses", errors=(404,)
        ),
        ("PUT", "/tokens/{id}/evses"): Doc(
            "Restrict a token to chargers / EVSEs (2.x IdTokenInfo.evseId; elsewhere "
            "NotAtThisLocation); an empty list lifts the restriction",
            response="TokenEvses",
            body="TokenEvses",
            errors=(404, 413, 422),
        ),
        ("GET", "/local-lists"): Doc(
            "Local authorization list sync state per charger",
            response="AuthzPage",
            query=PAGE_QUERY,
        ),
        ("GET", "/local-lists/{id}"): Doc(
            "A charger's list sync state and the entries it holds", response="AuthzObject"
        ),
        ("POST", "/local-lists/{id}/resync"): Doc(
            "Send the charger a Full update at the next pass", 202, response="AuthzObject"
        ),
        ("GET", "/offline-sessions"): Doc(
            "Sessions started offline with a refused token, and the policy applied",
            response="AuthzPage",
            query=STATE_QUERY,
        ),
        ("GET", "/transactions/{id}/authorization"): Doc(
            "The offline-start record of a transaction", response="AuthzObject", errors=(404,)
        ),
        ("POST", "/offline-sessions/{id}/release"): Doc(
            "Decide on a held session: bill it, or write it off",
            response="AuthzObject",
            body="OfflineRelease",
            errors=(404, 409, 413, 422),
        ),
    }
    obj: dict[str, object] = {"type": "object"}
    evses_schema: dict[str, object] = {
        "type": "object",
        "properties": {
            "evses": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "charger_id": {"type": "string"},
                        "evse_id": {"type": "integer", "minimum": 0},
                    },
                    "required": ["charger_id"],
                },
            }
        },
        "required": ["evses"],
    }
    schemas: dict[str, dict[str, object]] = {
        "AuthzObject": obj,
        "AuthzPage": {"type": "object", "properties": {"items": {"type": "array", "items": obj}}},
        "AccountPut": object_schema(ACCOUNT_FIELDS),
        "Account": {
            "type": "object",
            "properties": {
                **object_schema(ACCOUNT_FIELDS)["properties"],
                "id": {"type": "string"},
                "session_limit": {"type": "string", "nullable": True},
                "tokens": {"type": "integer"},
            },
        },
        "TokenEvses": evses_schema,
        "OfflineRelease": {
            "type": "object",
            "properties": {"bill": {"type": "boolean"}},
            "required": ["bill"],
        },
    }
    return ApiExtension(routes=routes, operations=dict(operations), schemas=schemas)
