"""The running cost of a session, for drivers (CostUpdated, California RunningCost), for
limits (max cost per session) and for the ad-hoc payment watch.

One function, `running_cost`, callable by any component. It prices the session with its
frozen tariff through the same engine as the CDR, without step rounding, so every running
value is at most the final one: when the session's tail is idle it is priced both as parking
and as charging (the final CDR reads it one way or the other, depending on whether energy
flows again) and the lower figure is answered. A stopped session answers its CDR's total.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from evgw._core import Tariff
from evgw.store import Db, Store

from . import _issue as issue
from . import _tariffs as tariffs
from ._config import BillingConfig
from ._metering import has_idle_tail

if TYPE_CHECKING:
    from evgw.components import ComponentContext


@attrs.frozen
class Money:
    """A payable amount, rounded to the currency's minor unit."""

    incl_vat: Decimal
    excl_vat: Decimal
    currency: str
    exponent: int
    final: bool  # True once the session stopped (the CDR's figure when it was issued)

    @property
    def minor(self) -> int:
        """incl_vat in minor units (cents), what a PSP charges."""
        return int(self.incl_vat.scaleb(self.exponent))


def _money(total: dict[str, str], currency: str, exponent: int, *, final: bool) -> Money:
    unit = Decimal(1).scaleb(-exponent)
    incl, excl = (Decimal(str(total[k])).quantize(unit) for k in ("incl_vat", "excl_vat"))
    return Money(incl, excl, currency, exponent, final)


def _from_cdr(db: Db, tx_id: str) -> Money | None:
    row = db.one(
        "SELECT currency, total_incl_vat, total_excl_vat, body FROM billing_cdrs "
        "WHERE transaction_id = ? AND kind = 'cdr' ORDER BY pricing_version DESC LIMIT 1",
        (tx_id,),
    )
    if row is None:
        return None
    snap = issue.read_snapshot(db, tx_id)
    exponent = 2 if snap is None else _exponent(snap.body)
    total = {"incl_vat": row[1], "excl_vat": row[2]}
    return _money(total, row[0], exponent, final=True)


def _exponent(body: dict[str, Any]) -> int:
    return Tariff(tariffs.canonical(body)).exponent


def running_cost_op(
    cfg: BillingConfig, tx_id: str, at: datetime | None = None
) -> Callable[[Db], Money | None]:
    """The store operation behind `running_cost` (for callers already inside a read)."""

    def op(db: Db) -> Money | None:
        found = _from_cdr(db, tx_id)
        if found is not None:
            return found
        tx = issue.load_tx(db, tx_id)
        if tx is None:
            return None
        now = at or datetime.now(UTC)
        final = tx.stopped_at is not None
        p = issue.price_tx(db, cfg, tx, now, final=final)
        if p is None:
            return None
        best = _money(p.priced["total_cost"], p.priced["currency"], p.exponent, final=final)
        if not final and has_idle_tail(p.metered):
            alt = issue.price_tx(db, cfg, tx, now, final=False, idle_tail_parking=False)
            assert alt is not None
            other = _money(alt.priced["total_cost"], best.currency, p.exponent, final=False)
            best = min(best, other, key=lambda m: (m.incl_vat, m.excl_vat))
        return best

    return op


async def running_cost(
    source: Store | ComponentContext,
    transaction_id: str,
    *,
    at: datetime | None = None,
    config: BillingConfig | None = None,
) -> Money | None:
    """The session's cost so far (incl and excl VAT, payable-rounded), or its final cost once
    it stopped. None when the session is unknown or has no tariff. `source` is the store or
    a ComponentContext (whose `[billing]` settings are then used)."""
    if isinstance(source, Store):
        store, cfg = source, config or BillingConfig()
    else:
        store, cfg = source.store, config or source.config.billing
    return await store.read(running_cost_op(cfg, transaction_id, at))
