"""The demo's live terminal view (rich): fleet, sites, sessions and recent events."""

from __future__ import annotations

from collections import deque
from datetime import timedelta

from rich.console import Group
from rich.panel import Panel
from rich.table import Table

from evgw.testing.fleet._fleet import Fleet

LATER = "[dim]— (arrives with its issue)[/dim]"


class EventLog:
    """Turns changes in the fleet's state into lines for the view, by polling it."""

    def __init__(self, fleet: Fleet, size: int = 10) -> None:
        self.fleet = fleet
        self.lines: deque[str] = deque(maxlen=size)
        self._seen: dict[tuple[str, int], tuple[int | None, str]] = {}

    def poll(self, clock_text: str) -> None:
        for charger in self.fleet.chargers:
            for conn in charger.model.connectors.values():
                key = (charger.spec.charger_id, conn.id)
                now = (conn.tx.local_id if conn.tx else None, conn.status)
                before = self._seen.get(key)
                self._seen[key] = now
                if before is not None and before != now:
                    self._describe(clock_text, key, before, now)

    def _describe(
        self,
        at: str,
        key: tuple[str, int],
        before: tuple[int | None, str],
        now: tuple[int | None, str],
    ) -> None:
        where = f"{key[0]}/{key[1]}"
        if now[0] is not None and before[0] != now[0]:
            self.lines.appendleft(f"{at} {where} session started")
        elif now[0] is None and before[0] is not None:
            self.lines.appendleft(f"{at} {where} session ended")
        elif now[1] == "Faulted":
            self.lines.appendleft(f"{at} {where} [red]fault[/red]")
        elif before[1] == "Faulted":
            self.lines.appendleft(f"{at} {where} [green]fault cleared[/green]")


def _sites(fleet: Fleet, limits_kw: dict[str, float]) -> Table:
    table = Table(title="Sites", expand=True)
    for column in ("site", "chargers", "online", "sessions", "load kW", "limit kW"):
        table.add_column(column, justify="right" if column != "site" else "left")
    for site in sorted({c.spec.site or "-" for c in fleet.chargers}):
        members = [c for c in fleet.chargers if (c.spec.site or "-") == site]
        conns = [k for c in members for k in c.model.connectors.values()]
        table.add_row(
            site,
            str(len(members)),
            str(sum(c.link is not None for c in members)),
            str(sum(k.tx is not None for k in conns)),
            f"{sum(k.power_w for k in conns) / 1000:.1f}",
            f"{limits_kw[site]:.1f}" if site in limits_kw else "—",
        )
    return table


def render(
    fleet: Fleet, log: EventLog, urls: list[str], limits_kw: dict[str, float] | None = None
) -> Group:
    """`limits_kw`: per site, the limit load management holds it at (shown beside the load)."""
    clock = fleet.env.clock
    local = clock.epoch + timedelta(seconds=clock.now()) - timedelta(hours=8)
    stats = fleet.statistics()
    head = Table.grid(padding=(0, 2))
    head.add_row("simulated time", f"{local:%a %H:%M} (Pasadena) x{clock.speed:g}")
    head.add_row("chargers online", f"{stats.online} / {stats.chargers}")
    head.add_row("sessions", f"{stats.transactions} charging, {stats.power_kw:.1f} kW")
    head.add_row("revenue", LATER)
    head.add_row("open tickets", LATER)
    for url in urls:
        head.add_row("", url)
    events = "\n".join(log.lines) or "[dim]waiting for the first EV…[/dim]"
    return Group(
        Panel(head, title="evgw demo — Ctrl-C stops"),
        _sites(fleet, limits_kw or {}),
        Panel(events, title="Recent events"),
    )
