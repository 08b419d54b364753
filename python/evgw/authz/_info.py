"""An AuthDecision as OCPP 1.6 IdTagInfo and 2.x IdTokenInfo."""

from __future__ import annotations

from typing import Any

from evgw.domain import TokenStatus
from evgw.plugins import AuthDecision

from . import _idtoken as idt

#: 1.6 has five statuses: the 2.x-only ones map to the nearest.
_V16_STATUS = {
    TokenStatus.NO_CREDIT: TokenStatus.BLOCKED,
    TokenStatus.NOT_AT_THIS_TIME: TokenStatus.BLOCKED,
    TokenStatus.NOT_AT_THIS_LOCATION: TokenStatus.INVALID,
    TokenStatus.NOT_ALLOWED_TYPE_EVSE: TokenStatus.INVALID,
    TokenStatus.UNKNOWN: TokenStatus.INVALID,
}
PERSONAL_MESSAGE_MAX = 512  # MessageContentType.content


def v16_status(status: TokenStatus) -> str:
    return str(_V16_STATUS.get(status, status))


def id_tag_info(decision: AuthDecision) -> dict[str, str]:
    """OCPP 1.6 IdTagInfo."""
    info = {"status": v16_status(decision.status)}
    if decision.expires_at:
        info["expiryDate"] = decision.expires_at
    if decision.group_id:
        info["parentIdTag"] = decision.group_id[: idt.MAX_LENGTH_V16]
    return info


def id_token_info(decision: AuthDecision) -> dict[str, Any]:
    """OCPP 2.0.1 / 2.1 IdTokenInfo."""
    info: dict[str, Any] = {"status": str(decision.status)}
    if decision.expires_at:
        info["cacheExpiryDateTime"] = decision.expires_at
    if decision.group_id:
        info["groupIdToken"] = {
            "idToken": decision.group_id,
            "type": decision.group_type or idt.CENTRAL,
        }
    if decision.evse_ids:
        info["evseId"] = list(decision.evse_ids)
    if decision.language:
        info["language1"] = decision.language
    if decision.personal_message:
        info["personalMessage"] = {
            "format": "UTF8",
            "content": decision.personal_message[:PERSONAL_MESSAGE_MAX],
        }
        if decision.language:
            info["personalMessage"]["language"] = decision.language
    return info
