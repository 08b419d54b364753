"""Bearer tokens: the secret is shown once, only its SHA-256 is stored; roles are ordered."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from starlette.requests import Request

from evgw.domain import ApiToken, Role
from evgw.security import api_secret_hash, new_api_secret
from evgw.store._interface import Store

from ._errors import ApiError

_RANK = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}
_MAX_SECRET_CHARS = 256


async def create_api_token(store: Store, role: Role, label: str) -> str:
    """Store a new API token with `role` and return its secret (the only time it exists)."""
    if not label or len(label) > 200 or not label.isprintable():
        raise ValueError("the label must be 1 to 200 printable characters")
    secret = new_api_secret()
    token = ApiToken(
        id=uuid.uuid4().hex, role=Role(role), label=label, created_at=datetime.now(UTC)
    )
    await store.create_api_token(token, api_secret_hash(secret))
    return secret


def _unauthorized(message: str, error: str | None) -> ApiError:
    challenge = 'Bearer realm="evgw"'
    if error is not None:
        challenge += f', error="{error}"'
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": challenge})


def _bearer_secret(request: Request) -> str:
    header = request.headers.get("authorization")
    if header is None:
        raise _unauthorized("a bearer token is required", None)
    scheme, _, secret = header.strip().partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret or len(secret) > _MAX_SECRET_CHARS:
        raise _unauthorized("the Authorization header must be 'Bearer <token>'", "invalid_request")
    return secret


async def authenticate(request: Request, store: Store, needed: Role) -> ApiToken:
    """The caller's token; 401 when missing or unknown, 403 when its role ranks below `needed`."""
    token = await store.find_api_token(api_secret_hash(_bearer_secret(request)))
    if token is None:
        raise _unauthorized("the bearer token is not valid", "invalid_token")
    if _RANK[token.role] < _RANK[needed]:
        raise ApiError(
            403,
            "forbidden",
            f"this needs the {needed.value} role; the token has {token.role.value}",
        )
    return token
