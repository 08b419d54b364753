"""A real authorization plugin (loaded by path from the configuration) for the hook test:
accepts a roaming partner's tokens evgw does not know (prefix ``PARTNER-``, as a real plugin
would after asking the partner), and refuses every token on charger CP-CLOSED."""

from __future__ import annotations

import attrs
from evgw.domain import TokenStatus
from evgw.plugins import AuthDecision, AuthRequest


class PartnerPolicy:
    name = "partner-policy"

    async def authorize(self, request: AuthRequest) -> AuthDecision | None:
        if request.charger_id == "CP-CLOSED":
            return AuthDecision(TokenStatus.NOT_AT_THIS_TIME)
        if request.id_token.startswith("PARTNER-") and request.default.status == "Invalid":
            return AuthDecision(
                TokenStatus.ACCEPTED, personal_message=f"welcome, {request.token_type} guest"
            )
        if request.id_token == "RAISE":
            raise RuntimeError("the partner is unreachable")
        return None  # evgw's own decision stands


class Tightener:
    """A second plugin: never asked when the first answered."""

    name = "tightener"
    asked: list[str] = []

    async def authorize(self, request: AuthRequest) -> AuthDecision | None:
        Tightener.asked.append(request.id_token)
        return attrs.evolve(request.default, language="fr") if request.id_token == "TAG1" else None
