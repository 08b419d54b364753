"""2.x IdToken -> IdTokenInfo, through ``evgw.authz`` (matching on value and type, groups,
accounts, EVSE restrictions; ``NoAuthorization`` is Accepted, an unknown type Invalid)."""

from __future__ import annotations

from typing import Any

from evgw.authz._info import id_token_info as info_of
from evgw.domain import TxEvent
from evgw.ocpp._context import CallContext
from evgw.ocpp._services import Services
from evgw.plugins import AuthDecision


async def authorize_token(
    svc: Services, ctx: CallContext, id_token: dict[str, Any], evse_id: int | None = None
) -> AuthDecision:
    return await svc.authorizer.authorize(
        ctx.charger_id, id_token["idToken"], id_token["type"], evse_id
    )


async def id_token_info(
    svc: Services, ctx: CallContext, id_token: dict[str, Any]
) -> dict[str, Any]:
    return info_of(await authorize_token(svc, ctx, id_token))


async def transaction_auth(
    svc: Services, ctx: CallContext, event: TxEvent, tx_id: str, id_token: dict[str, Any]
) -> dict[str, Any]:
    """The TransactionEventResponse's idTokenInfo (and, for 2.1, the account's cost limit as
    transactionLimit.maxCost); an offline-started session with a refused token goes to the
    offline policy before the answer."""
    decision = await authorize_token(svc, ctx, id_token, event.evse_id)
    if event.offline:
        await svc.authorizer.session_started(ctx.charger_id, tx_id, id_token["idToken"], decision)
    reply: dict[str, Any] = {"idTokenInfo": info_of(decision)}
    if ctx.ocpp_version == "ocpp2.1" and decision.max_cost is not None:
        reply["transactionLimit"] = {"maxCost": float(decision.max_cost)}
    return reply
