"""/transactions (sessions with meter data) and /flags (what the store set aside for review)."""

from __future__ import annotations

from starlette.responses import Response

from ._chargers import CHARGER_ID_PATTERN
from ._errors import not_found
from ._fields import Field, Kind
from ._handler import PAGE_QUERY, Call, ok
from ._views import flag_view, page_view, transaction_view

TRANSACTION_QUERY = (
    Field("charger_id", Kind.STRING, minimum=1, maximum=48, pattern=CHARGER_ID_PATTERN),
    Field("status", Kind.ENUM, choices=("active", "completed", "orphan")),
    *PAGE_QUERY,
)


async def list_transactions(call: Call) -> Response:
    query = call.query(*TRANSACTION_QUERY)
    txs = await call.store.list_transactions(**query)
    items = [transaction_view(tx, with_samples=False) for tx in txs]
    return ok(page_view(items, query["limit"], query["offset"]))


async def get_transaction(call: Call) -> Response:
    tx_id = call.path("id")
    tx = await call.store.get_transaction(tx_id, with_samples=True)
    if tx is None:
        raise not_found("transaction", tx_id)
    return ok(transaction_view(tx, with_samples=True))


async def list_flags(call: Call) -> Response:
    query = call.query(*PAGE_QUERY)
    flags = await call.store.list_flags(limit=query["limit"], offset=query["offset"])
    return ok(page_view([flag_view(f) for f in flags], query["limit"], query["offset"]))
