"""The ticket desk: incidents -> deduplicated tickets in the store; a webhook and a metric for
new critical tickets."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import trio

from evgw.ocpp._time import utc_now
from evgw.store import Store

from . import _metrics
from ._config import TicketConfig
from ._tickets import Incident, Severity, Ticket, open_ticket

log = logging.getLogger("evgw.maintenance")


def ticket_view(t: Ticket) -> dict[str, Any]:
    now = utc_now()
    return {
        "id": t.id,
        "charger_id": t.charger_id,
        "kind": t.kind,
        "severity": str(t.severity),
        "state": str(t.state),
        "title": t.title,
        "tags": list(t.tags),
        "repair_cost": t.repair_cost,
        "opened_at": t.opened_at.isoformat(),
        "due_at": t.due_at.isoformat(),
        "sla_breached": t.state not in ("resolved", "closed") and now > t.due_at,
        "updated_at": t.updated_at.isoformat(),
        "updated_by": t.updated_by,
    }


class TicketDesk:
    def __init__(self, store: Store, cfg: TicketConfig) -> None:
        self.store = store
        self.cfg = cfg
        self.send, self._receive = trio.open_memory_channel[Incident](10_000)

    def raise_nowait(self, incident: Incident) -> None:
        """From event handlers: queued, written by `run`."""
        try:
            self.send.send_nowait(incident)
        except trio.WouldBlock:
            log.error(  # noqa: TRY400 (a full queue is not a bug: no traceback)
                "ticket queue full: incident %s for %s dropped", incident.kind, incident.key
            )

    async def raise_(self, incident: Incident) -> Ticket:
        now = utc_now()
        ticket, new = await self.store.write(lambda db: open_ticket(db, incident, self.cfg, now))
        if new:
            log.warning("ticket %s opened: %s (%s)", ticket.id, ticket.title, ticket.severity)
            _metrics.TICKETS_OPENED.labels(ticket.severity).inc()
            if ticket.severity is Severity.CRITICAL:
                await self._webhook(ticket)
        return ticket

    async def run(self) -> None:
        async for incident in self._receive:
            try:
                await self.raise_(incident)
            except Exception:
                log.exception("could not record incident %s for %s", incident.kind, incident.key)

    async def _webhook(self, ticket: Ticket) -> None:
        if not self.cfg.webhook_url:
            return
        body = json.dumps({"event": "ticket.opened", "ticket": ticket_view(ticket)})
        headers = {"content-type": "application/json"}
        try:
            with trio.fail_after(self.cfg.webhook_timeout_s):
                async with httpx.AsyncClient() as client:
                    reply = await client.post(self.cfg.webhook_url, content=body, headers=headers)
            reply.raise_for_status()
            _metrics.WEBHOOKS.labels("ok").inc()
        except (httpx.HTTPError, trio.TooSlowError) as exc:
            log.warning("ticket webhook to %s failed: %s", self.cfg.webhook_url, exc)
            _metrics.WEBHOOKS.labels("failed").inc()
