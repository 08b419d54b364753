"""Per-session cost limits enforced by evgw: the session's running cost
(``evgw.billing.running_cost``, the same engine as the final bill) against the account's
limit (the lower of its max cost per session and its prepaid balance); at the limit a remote
stop (1.6 RemoteStopTransaction, 2.x RequestStopTransaction), sent once per session and
recorded.

A 2.1 charger also gets the limit as TransactionEventResponse.transactionLimit.maxCost and
stops itself; the remote stop is the backstop for every version.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import attrs

from evgw.store import Db

from . import _accounts as accounts


@attrs.frozen
class Limited:
    transaction_id: str
    charger_id: str
    ocpp16_id: int | None
    ocpp_tx_id: str | None
    limit: Decimal
    cost: Decimal = Decimal(0)


def limited_sessions(db: Db) -> list[Limited]:
    """Active sessions of accounts with a limit, not stopped for it yet."""
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
        if limit is not None:
            found.append(Limited(tx_id, charger_id, ocpp16_id, ocpp_tx_id, limit))
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
