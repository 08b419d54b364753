"""/tokens: authorization tokens (1.6 idTag, 2.x IdToken) that chargers present."""

from __future__ import annotations

from starlette.responses import Response

from evgw.authz import _idtoken as idt
from evgw.domain import IdToken, TokenStatus

from ._errors import invalid, not_found
from ._fields import Field, Kind, check_value, parse_object, read_json
from ._handler import PAGE_QUERY, Call, no_content, ok
from ._views import page_view, token_view

TOKEN_ID = Field(
    "id",
    Kind.STRING,
    "the idTag / idToken value",
    required=True,
    minimum=1,
    maximum=255,
    pattern=r"[\x21-\x2e\x30-\x7e]+",
    pattern_hint="must be printable ASCII without spaces or '/'",
)
TOKEN_FIELDS = (
    Field(
        "type",
        Kind.ENUM,
        "IdToken type (default ISO14443; 1.6 idTags match whatever their type)",
        choices=idt.TOKEN_TYPES,
    ),
    Field("status", Kind.ENUM, required=True, choices=idt.STORED_STATUSES),
    Field("expires_at", Kind.DATETIME, "RFC 3339 with an offset", nullable=True),
    Field(
        "group_id",
        Kind.STRING,
        "1.6 parentIdTag / 2.x groupIdToken",
        nullable=True,
        minimum=1,
        maximum=255,
    ),
    Field(
        "owner",
        Kind.STRING,
        "the account (/accounts) the token belongs to",
        nullable=True,
        minimum=1,
        maximum=255,
    ),
)


async def _existing(call: Call) -> IdToken:
    token_id = call.path("id")
    token = await call.store.get_token(token_id)
    if token is None:
        raise not_found("token", token_id)
    return token


async def list_tokens(call: Call) -> Response:
    query = call.query(*PAGE_QUERY)
    tokens = await call.store.list_tokens(limit=query["limit"], offset=query["offset"])
    return ok(page_view([token_view(t) for t in tokens], query["limit"], query["offset"]))


async def get_token(call: Call) -> Response:
    return ok(token_view(await _existing(call)))


async def put_token(call: Call) -> Response:
    """Create (201) or replace (200) the whole token."""
    token_id = check_value(TOKEN_ID, call.path("id"))
    values = parse_object(TOKEN_FIELDS, await read_json(call.request))
    values["status"] = TokenStatus(values["status"])
    try:
        idt.check_value(token_id, values.get("type", "ISO14443"))
    except idt.MalformedIdToken as e:
        raise invalid([{"field": "id", "message": str(e)}]) from None
    token = IdToken(id=token_id, **values)
    created = await call.store.put_token(token)
    return ok(token_view(token), 201 if created else 200)


async def delete_token(call: Call) -> Response:
    token_id = call.path("id")
    if not await call.store.delete_token(token_id):
        raise not_found("token", token_id)
    return no_content()
