"""Authorization of id tokens: the token table, then the plugins' say."""

from __future__ import annotations

from datetime import UTC, datetime

from evgw.domain import IdToken, TokenStatus
from evgw.plugins import AuthDecision, AuthRequest, PluginHost
from evgw.store import Store


def decision_from_token(token: IdToken | None, now: datetime) -> AuthDecision:
    """Unknown -> Invalid; past expiry -> Expired; otherwise the stored status."""
    if token is None:
        return AuthDecision(TokenStatus.INVALID)
    expires = token.expires_at.isoformat() if token.expires_at else None
    status = token.status
    if token.expires_at is not None and token.expires_at <= now and status == TokenStatus.ACCEPTED:
        status = TokenStatus.EXPIRED
    return AuthDecision(status, expires, token.group_id)


class Authorizer:
    def __init__(self, store: Store, plugins: PluginHost) -> None:
        self._store = store
        self._plugins = plugins

    async def authorize(
        self, charger_id: str, id_token: str, token_type: str = "ISO14443"
    ) -> AuthDecision:
        token = await self._store.get_token(id_token)
        default = decision_from_token(token, datetime.now(UTC))
        request = AuthRequest(charger_id, id_token, token_type, default)
        return await self._plugins.decide("authorize", request, AuthDecision) or default


def id_tag_info(decision: AuthDecision) -> dict[str, str]:
    """OCPP 1.6 IdTagInfo."""
    info = {"status": str(decision.status)}
    if decision.expires_at:
        info["expiryDate"] = decision.expires_at
    if decision.group_id:
        info["parentIdTag"] = decision.group_id
    return info
