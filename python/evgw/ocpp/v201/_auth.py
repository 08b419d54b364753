"""2.x IdToken -> IdTokenInfo (status, cacheExpiryDateTime, groupIdToken).

The token table is keyed by the token value; the type the charger sends goes to the
``authorize`` plugins. ``NoAuthorization`` (free charging, no token read) is Accepted.
"""

from __future__ import annotations

from typing import Any

from evgw.domain import TokenStatus
from evgw.ocpp._context import CallContext
from evgw.ocpp._services import Services
from evgw.plugins import AuthDecision

NO_AUTHORIZATION = "NoAuthorization"
GROUP_TYPE_DEFAULT = "Central"
TOKEN_TYPES = frozenset(
    {"Central", "eMAID", "ISO14443", "ISO15693", "KeyCode", "Local", "MacAddress"}
)


async def authorize_token(
    svc: Services, ctx: CallContext, id_token: dict[str, Any]
) -> AuthDecision:
    if id_token["type"] == NO_AUTHORIZATION:
        return AuthDecision(TokenStatus.ACCEPTED)
    return await svc.authorizer.authorize(ctx.charger_id, id_token["idToken"], id_token["type"])


async def id_token_info(
    svc: Services, ctx: CallContext, id_token: dict[str, Any]
) -> dict[str, Any]:
    decision = await authorize_token(svc, ctx, id_token)
    info: dict[str, Any] = {"status": str(decision.status)}
    if decision.expires_at:
        info["cacheExpiryDateTime"] = decision.expires_at
    if decision.group_id:
        group = await svc.store.get_token(decision.group_id)
        known = group is not None and group.type in TOKEN_TYPES
        kind = group.type if known and group is not None else GROUP_TYPE_DEFAULT
        info["groupIdToken"] = {"idToken": decision.group_id, "type": kind}
    return info
