"""The demo's live terminal view (rich): fleet, sites held at their limits, revenue, tickets
and recent events."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

import attrs
from rich.console import Group
from rich.panel import Panel
from rich.table import Table

from evgw.testing.fleet._fleet import Fleet
from evgw.testing.fleet._sim import SimCharger

from ._ops import Operations

Port = tuple[str, int]


class EventLog:
    """Lines for the view: the fleet's own changes (found by polling it) and notes from the
    operator API (CDRs, tickets). Times are the simulated local time."""

    def __init__(self, fleet: Fleet, utc_offset_h: float, size: int = 12) -> None:
        self.fleet = fleet
        self.offset = timedelta(hours=utc_offset_h)
        self.lines: deque[str] = deque(maxlen=size)
        self.remediated = 0
        self._seen: dict[Port, tuple[int | None, str, int]] = {}

    def local_time(self) -> datetime:
        clock = self.fleet.env.clock
        return clock.datetime_at(clock.now()) + self.offset

    def note(self, text: str) -> None:
        self.lines.appendleft(f"{self.local_time():%H:%M} {text}")

    def poll(self) -> None:
        for charger in self.fleet.chargers:
            for conn in charger.model.connectors.values():
                key = (charger.spec.charger_id, conn.id)
                now = (conn.tx.local_id if conn.tx else None, conn.status, charger.reboots)
                before = self._seen.get(key)
                self._seen[key] = now
                if before is not None and before[:2] != now[:2]:
                    self._describe(charger, key, before, now)

    def _describe(
        self,
        charger: SimCharger,
        key: Port,
        before: tuple[int | None, str, int],
        now: tuple[int | None, str, int],
    ) -> None:
        where = f"{key[0]}/{key[1]}"
        if now[0] is not None and before[0] != now[0]:
            self.note(f"{where} session started")
        elif now[0] is None and before[0] is not None:
            self.note(f"{where} session ended")
        elif now[1] == "Faulted":
            code = charger.model.connectors[key[1]].error_code
            self.note(f"{where} [red]fault {code}[/red]")
        elif before[1] == "Faulted" and now[2] > before[2]:
            self.remediated += 1
            self.note(f"{where} [green]fault cleared by evgw's remote reset[/green]")
        elif before[1] == "Faulted":
            self.note(f"{where} [green]fault cleared[/green]")


class SitePeaks:
    """The highest load each site has drawn so far (the simulated meters' truth)."""

    def __init__(self) -> None:
        self.peak_kw: dict[str, float] = {}

    def update(self, fleet: Fleet) -> dict[str, float]:
        loads: dict[str, float] = {}
        for charger in fleet.chargers:
            site = charger.spec.site or "-"
            power = sum(k.power_w for k in charger.model.connectors.values())
            loads[site] = loads.get(site, 0.0) + power / 1000
        for site, kw in loads.items():
            self.peak_kw[site] = max(self.peak_kw.get(site, 0.0), kw)
        return loads


def _sites(fleet: Fleet, loads: dict[str, float], peaks: SitePeaks, limits: dict[str, float],
           ops: Operations) -> Table:  # fmt: skip
    table = Table(title="Sites (load management holds each under its limit)", expand=True)
    columns = ("site", "chargers", "online", "sessions", "paused", "load kW", "peak kW", "limit kW")
    for column in columns:
        table.add_column(column, justify="right" if column != "site" else "left")
    for site in sorted(loads):
        members = [c for c in fleet.chargers if (c.spec.site or "-") == site]
        limit = limits.get(site)
        over = limit is not None and peaks.peak_kw[site] > limit * 1.02
        table.add_row(
            site,
            str(len(members)),
            str(sum(c.link is not None for c in members)),
            str(sum(k.tx is not None for c in members for k in c.model.connectors.values())),
            str(ops.paused.get(site, 0)),
            f"{loads[site]:.1f}",
            f"[red]{peaks.peak_kw[site]:.1f}[/red]" if over else f"{peaks.peak_kw[site]:.1f}",
            f"{limit:.1f}" if limit is not None else "—",
        )
    return table


def _money(ops: Operations) -> str:
    total = ops.revenue_excl + ops.tax
    held = f", {ops.held} held for review" if ops.held else ""
    return f"{ops.currency} {total:.2f} ({ops.cdrs} CDRs{held})"


@attrs.define
class Screen:
    """Everything the view shows besides the API's figures."""

    fleet: Fleet
    log: EventLog
    urls: list[str]
    limits_kw: dict[str, float]
    peaks: SitePeaks = attrs.field(factory=SitePeaks)

    def render(self, ops: Operations) -> Group:
        fleet, log = self.fleet, self.log
        stats = fleet.statistics()
        loads = self.peaks.update(fleet)
        head = Table.grid(padding=(0, 2))
        speed = fleet.env.clock.speed
        head.add_row("simulated time", f"{log.local_time():%a %H:%M} (Pasadena) x{speed:g}")
        head.add_row("chargers online", f"{stats.online} / {stats.chargers}")
        head.add_row("sessions", f"{stats.transactions} charging, {stats.power_kw:.1f} kW")
        head.add_row("revenue", _money(ops))
        fixed = f"{log.remediated} faults fixed by evgw's remote reset"
        head.add_row("tickets", f"{ops.open_tickets} open of {ops.tickets}; {fixed}")
        if ops.error:
            head.add_row("[red]API[/red]", ops.error)
        for url in self.urls:
            head.add_row("", url)
        events = "\n".join(log.lines) or "[dim]waiting for the first EV…[/dim]"
        return Group(
            Panel(head, title="evgw demo — Ctrl-C stops"),
            _sites(fleet, loads, self.peaks, self.limits_kw, ops),
            Panel(events, title="Recent events"),
        )
