"""What the operator API says about the running demo: revenue from CDRs, open tickets, paused
connectors. Polled over HTTP with the demo's own API token, like any operator tool would."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs
import httpx
import trio

OPEN_STATES = ("open", "acknowledged", "in_progress")
PAGE = 1000
PAUSED_REASONS = ("no_capacity", "infeasible", "deferred")  # /allocation reasons


@attrs.define
class Operations:
    """The latest figures; `error` is the last failed poll (shown, never fatal)."""

    currency: str = "USD"
    revenue_excl: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    cdrs: int = 0
    held: int = 0
    open_tickets: int = 0
    tickets: int = 0
    paused: dict[str, int] = attrs.field(factory=dict)
    error: str | None = None


Note = Callable[[str], None]


class OperationsPoller:
    """Polls the API; each new CDR and ticket becomes a line for the event log (`note`)."""

    def __init__(self, api: httpx.AsyncClient, sites: list[str], note: Note) -> None:
        self.api = api
        self.sites = sites
        self.note = note
        self.ops = Operations()
        self._tickets_seen: set[str] = set()

    async def run(self, every_s: float = 1.5) -> None:
        while True:
            try:
                await self.poll()
                self.ops.error = None
            except (httpx.HTTPError, ValueError, KeyError) as exc:
                self.ops.error = f"{type(exc).__name__}: {exc}"
            await trio.sleep(every_s)

    async def poll(self) -> None:
        await self._cdrs()
        await self._tickets()
        await self._ledger()
        for site in self.sites:
            self.ops.paused[site] = await self._paused(site)

    async def _get(self, path: str, **params: Any) -> Any:
        reply = await self.api.get(path, params=params)
        reply.raise_for_status()
        return reply.json()

    async def _cdrs(self) -> None:
        while items := (await self._get("/cdrs", limit=PAGE, offset=self.ops.cdrs))["items"]:
            for item in items:
                self.note(_cdr_line(item["cdr"]))
            self.ops.cdrs += len(items)
        self.ops.held = len((await self._get("/billing/holds", limit=PAGE))["items"])

    async def _ledger(self) -> None:
        balances = (await self._get("/billing/ledger"))["balances"]
        for row in balances:
            if row["account"] == "revenue":
                self.ops.revenue_excl = -Decimal(row["balance"])
                self.ops.currency = row["currency"]
            elif row["account"] == "vat":
                self.ops.tax = -Decimal(row["balance"])

    async def _tickets(self) -> None:
        tickets = (await self._get("/tickets", limit=PAGE))["items"]
        self.ops.tickets = len(tickets)
        self.ops.open_tickets = sum(t["state"] in OPEN_STATES for t in tickets)
        for t in reversed(tickets):  # oldest first
            if t["id"] not in self._tickets_seen:
                self._tickets_seen.add(t["id"])
                self.note(f"[yellow]ticket[/yellow] {t['severity']}: {t['title']}")

    async def _paused(self, site: str) -> int:
        return paused_sessions(await self._get(f"/sites/{site}/allocation"))


def paused_sessions(allocation: dict[str, Any]) -> int:
    """Sessions held at 0 A by the site (no capacity, an infeasible row, or the planner);
    an EV that is full or takes no current ("idle") is not paused."""
    return sum(
        c.get("transaction_id") is not None and c.get("reason") in PAUSED_REASONS
        for c in allocation.get("connectors", [])
    )


def _cdr_line(cdr: dict[str, Any]) -> str:
    total = cdr.get("total_cost", {})
    kwh = cdr.get("total_energy", 0)
    sign = "credit " if cdr.get("credit") else ""
    where = cdr.get("cdr_location", {}).get("evse_uid") or cdr.get("id", "?")
    return (
        f"[cyan]{sign}CDR[/cyan] {where}: {float(kwh):.1f} kWh, "
        f"{cdr.get('currency', '')} {total.get('incl_vat', '?')}"
    )
