"""The /api/v1 route table: method, path, handler and the least role allowed to call it."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
from starlette.routing import BaseRoute

from evgw.domain import ApiToken, Role

from . import _chargers, _ocpp, _tokens, _transactions
from ._handler import Handler

PREFIX = "/api/v1"
#: the caller of a public route (no bearer token).
PUBLIC_TOKEN = ApiToken("public", Role.VIEWER, "unauthenticated", datetime(1970, 1, 1, tzinfo=UTC))


@attrs.frozen
class ApiRoute:
    method: str
    path: str  # below PREFIX
    handler: Handler
    role: Role
    #: no bearer token: the handler authenticates the caller itself (e.g. a PSP webhook
    #: with a signature); the call's token is then `PUBLIC_TOKEN`.
    public: bool = False


@attrs.frozen
class ApiExtension:
    """The routes a component adds under /api/v1, with their OpenAPI documentation.

    ``operations`` maps (method, path) to an ``evgw.api.Doc``; ``schemas`` are added to the
    document's components (names must not clash with the core's). Every route needs a Doc.
    ``public_routes`` are Starlette routes outside /api/v1 with no bearer token (e.g. the
    single-use file URLs chargers fetch): each handler checks its own credential.
    """

    routes: tuple[ApiRoute, ...]
    operations: dict[tuple[str, str], object] = attrs.field(factory=dict)
    schemas: dict[str, dict[str, object]] = attrs.field(factory=dict)
    public_routes: tuple[BaseRoute, ...] = ()


VIEWER, OPERATOR, ADMIN = Role.VIEWER, Role.OPERATOR, Role.ADMIN

API_ROUTES = (
    ApiRoute("GET", "/chargers", _chargers.list_chargers, VIEWER),
    ApiRoute("POST", "/chargers", _chargers.create_charger, ADMIN),
    ApiRoute("GET", "/chargers/{id}", _chargers.get_charger, VIEWER),
    ApiRoute("PATCH", "/chargers/{id}", _chargers.patch_charger, OPERATOR),
    ApiRoute("DELETE", "/chargers/{id}", _chargers.delete_charger, ADMIN),
    ApiRoute("POST", "/chargers/{id}/ocpp/{action}", _ocpp.call_action, OPERATOR),
    ApiRoute("GET", "/tokens", _tokens.list_tokens, VIEWER),
    ApiRoute("GET", "/tokens/{id}", _tokens.get_token, VIEWER),
    ApiRoute("PUT", "/tokens/{id}", _tokens.put_token, OPERATOR),
    ApiRoute("DELETE", "/tokens/{id}", _tokens.delete_token, OPERATOR),
    ApiRoute("GET", "/transactions", _transactions.list_transactions, VIEWER),
    ApiRoute("GET", "/transactions/{id}", _transactions.get_transaction, VIEWER),
    ApiRoute("GET", "/flags", _transactions.list_flags, VIEWER),
)
