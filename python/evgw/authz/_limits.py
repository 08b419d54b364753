"""Per-session cost limits enforced by evgw: the session's running cost (billing's pricing of
a running session, the same engine as the final bill) against the account's limit (the lower
of its max cost per session and its prepaid balance); at the limit a remote stop
(1.6 RemoteStopTransaction, 2.x RequestStopTransaction), sent once per session and recorded.

A 2.1 charger also gets the limit as TransactionEventResponse.transactionLimit.maxCost and
stops itself; the remote stop is the backstop for every version.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs

from evgw.billing import BillingConfig
from evgw.billing import _issue as billing
from evgw.store import Db

from . import _accounts as accounts


@attrs.frozen
class Limited:
    transaction_id: str
    charger_id: str
    ocpp16_id: int | None
    ocpp_tx_id: str | None
    limit: Decimal
    cost: Decimal


def running_cost(db: Db, cfg: BillingConfig, tx_id: str, now: datetime) -> Decimal | None:
    """The session's running cost incl VAT (None: not priced, e.g. no tariff)."""
    tx = billing.load_tx(db, tx_id)
    if tx is None:
        return None
    priced = billing.price_tx(db, cfg, tx, now, final=False)
    if priced is None:
        return None
    return Decimal(str(priced.priced["total_cost"]["incl_vat"]))


def over_limit(db: Db, cfg: BillingConfig, now: datetime) -> list[Limited]:
    """Active sessions of limited accounts whose running cost reached the limit and that
    were not stopped for it yet."""
    rows = db.all(
        "SELECT t.id, t.charger_id, t.ocpp16_id, t.ocpp_tx_id, a.id FROM transactions t "
        "JOIN id_tokens k ON k.id = t.id_token "
        "JOIN authz_accounts a ON a.id = k.owner "
        "WHERE t.status = 'active' "
        "AND (a.max_session_cost IS NOT NULL OR a.balance IS NOT NULL) "
        "AND NOT EXISTS (SELECT 1 FROM authz_limit_stops s WHERE s.transaction_id = t.id)"
    )
    found = []
    for tx_id, charger_id, ocpp16_id, ocpp_tx_id, account_id in rows:
        account = accounts.get(db, account_id)
        limit = None if account is None else account.session_limit()
        if limit is None:
            continue
        cost = running_cost(db, cfg, tx_id, now)
        if cost is not None and cost >= limit:
            found.append(Limited(tx_id, charger_id, ocpp16_id, ocpp_tx_id, limit, cost))
    return found


def record_stop(db: Db, item: Limited) -> None:
    db.run(
        "INSERT INTO authz_limit_stops (transaction_id, limit_amount, cost, sent_at) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (transaction_id) DO NOTHING",
        (item.transaction_id, str(item.limit), str(item.cost), db.ts(datetime.now(UTC))),
    )


def stop_call(item: Limited) -> tuple[str, dict[str, object]] | None:
    if item.ocpp_tx_id is not None:
        return "RequestStopTransaction", {"transactionId": item.ocpp_tx_id}
    if item.ocpp16_id is not None:
        return "RemoteStopTransaction", {"transactionId": item.ocpp16_id}
    return None
