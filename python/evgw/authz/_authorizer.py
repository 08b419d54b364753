"""Authorization decisions for both OCPP versions: the token table (value and type), its group
token, its account (status, prepaid balance, cost cap) and its EVSE restrictions, then the
``authorize`` plugins. OCPP-version specifics (1.6 idTagInfo, 2.x IdTokenInfo) are in
``_info``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs

from evgw.domain import IdToken, TokenStatus
from evgw.plugins import AuthDecision, AuthRequest, PluginHost
from evgw.store import Db, Store
from evgw.store import _codec as codec

from . import _accounts as accounts
from . import _idtoken as idt
from . import _offline as offline
from ._config import AuthzConfig


@attrs.frozen
class TokenFacts:
    """What a decision needs, read in one store call."""

    token: IdToken
    group: IdToken | None = None
    account: accounts.Account | None = None
    evses: tuple[tuple[str, int], ...] = ()  # (charger, evse); evse 0: the whole charger


def find_token(db: Db, value: str) -> IdToken | None:
    """Exact match first, then case-insensitive (2.0.1: idToken matching ignores case)."""
    sql = f"SELECT {codec.TOKEN_COLUMNS} FROM id_tokens WHERE id = ?"
    row = db.one(sql, (value,))
    if row is None:
        row = db.one(
            f"SELECT {codec.TOKEN_COLUMNS} FROM id_tokens WHERE LOWER(id) = LOWER(?) ORDER BY id",
            (value,),
        )
    return None if row is None else codec.id_token(db, row)


def token_evses(db: Db, token_id: str) -> tuple[tuple[str, int], ...]:
    rows = db.all(
        "SELECT charger_id, evse_id FROM authz_token_evses WHERE token_id = ? "
        "ORDER BY charger_id, evse_id",
        (token_id,),
    )
    return tuple((str(r[0]), int(r[1])) for r in rows)


def load_facts(db: Db, value: str) -> TokenFacts | None:
    token = find_token(db, value)
    if token is None:
        return None
    group = find_token(db, token.group_id) if token.group_id else None
    owner = token.owner or (group.owner if group else None)
    account = accounts.get(db, owner) if owner else None
    return TokenFacts(token, group, account, token_evses(db, token.id))


def _own_status(token: IdToken, now: datetime) -> TokenStatus:
    expired = token.expires_at is not None and token.expires_at <= now
    if expired and token.status == TokenStatus.ACCEPTED:
        return TokenStatus.EXPIRED
    return token.status


def _place(
    evses: tuple[tuple[str, int], ...], charger_id: str, evse_id: int | None
) -> tuple[bool, tuple[int, ...]]:
    """(allowed here, the EVSE ids to announce; () for the whole charger)."""
    if not evses:
        return True, ()
    here = sorted({e for c, e in evses if c == charger_id})
    if not here:
        return False, ()
    if 0 in here:
        return True, ()
    return (evse_id is None or evse_id == 0 or evse_id in here), tuple(here)


def _expiry(token: IdToken, now: datetime, cache_ttl_s: int) -> str | None:
    moments = [m for m in (token.expires_at,) if m is not None]
    if cache_ttl_s > 0:
        moments.append(now + timedelta(seconds=cache_ttl_s))
    return min(moments).isoformat() if moments else None


def decide(
    facts: TokenFacts | None,
    presented_type: str | None,
    charger_id: str,
    evse_id: int | None,
    *,
    now: datetime,
    cache_ttl_s: int = 0,
) -> AuthDecision:
    """The decision from evgw's own tables (before the plugins)."""
    if facts is None or not idt.matches(facts.token.type, presented_type):
        return AuthDecision(TokenStatus.INVALID)
    token, group, account = facts.token, facts.group, facts.account
    status = _own_status(token, now)
    group_ok = group is None or _own_status(group, now) == TokenStatus.ACCEPTED
    if status == TokenStatus.ACCEPTED and not group_ok:
        status = TokenStatus.BLOCKED  # a blocked or expired group blocks its members
    if status == TokenStatus.ACCEPTED and account is not None:
        if account.status != "active":
            status = TokenStatus.BLOCKED
        elif account.balance is not None and account.balance <= 0:
            status = TokenStatus.NO_CREDIT
    allowed, evse_ids = _place(facts.evses, charger_id, evse_id)
    if status == TokenStatus.ACCEPTED and not allowed:
        status = TokenStatus.NOT_AT_THIS_LOCATION
    return AuthDecision(
        status,
        expires_at=_expiry(token, now, cache_ttl_s),
        group_id=token.group_id,
        group_type=group.type if group is not None else None,
        evse_ids=evse_ids,
        language=account.language if account else None,
        personal_message=account.personal_message if account else None,
        max_cost=account.session_limit() if account else None,
        currency=account.currency if account else None,
        account_id=account.id if account else None,
    )


class Authorizer:
    """One per process (the OCPP handlers' ``Services.authorizer``)."""

    def __init__(self, store: Store, plugins: PluginHost, config: AuthzConfig | None = None):
        self._store = store
        self._plugins = plugins
        self.config = config or AuthzConfig()

    async def authorize(
        self,
        charger_id: str,
        id_token: str,
        token_type: str | None = None,
        evse_id: int | None = None,
    ) -> AuthDecision:
        """`token_type` None: a 1.6 idTag (matches any stored type). NoAuthorization is
        Accepted; an unknown type is Invalid."""
        if token_type is not None:
            try:
                token_type = idt.canonical_type(token_type)
            except idt.MalformedIdToken:
                return AuthDecision(TokenStatus.INVALID)
            if token_type == idt.NO_AUTHORIZATION:
                return AuthDecision(TokenStatus.ACCEPTED)
        facts = await self._store.read(lambda db: load_facts(db, id_token))
        now = datetime.now(UTC)
        default = decide(
            facts, token_type, charger_id, evse_id, now=now, cache_ttl_s=self.config.cache_ttl_s
        )
        shown_type = token_type or (facts.token.type if facts else "ISO14443")
        request = AuthRequest(charger_id, id_token, shown_type, default, evse_id)
        return await self._plugins.decide("authorize", request, AuthDecision) or default

    async def session_started(
        self, charger_id: str, tx_id: str, id_token: str, decision: AuthDecision
    ) -> None:
        """A session the charger started (1.6 StartTransaction, 2.x TransactionEvent with
        offline=true) with a token not Accepted: kept, priced, and handled by the offline
        policy. Called before the charger is answered."""
        if decision.status == TokenStatus.ACCEPTED or not self.config.enabled:
            return
        policy, status = self.config.offline_policy, str(decision.status)
        await self._store.write(
            lambda db: offline.record(
                db, policy, charger_id, tx_id, id_token=id_token, status=status
            )
        )
