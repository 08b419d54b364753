"""Running cost to drivers, every `cost_update_interval_s`, for every active session on a
connected charger:

- OCPP 2.0.1 / 2.1: ``CostUpdated{totalCost, transactionId}`` (CSMS -> charger; totalCost
  includes taxes, in the tariff's currency).
- OCPP 1.6: the OCA "California Pricing" DataTransfer messages (vendorId
  ``org.openchargealliance.costmsg``): ``RunningCost`` while charging and ``FinalCost`` once
  the CDR is issued, only where the charger's configuration says it supports them
  (``CustomDisplayCostAndPrice`` = true, read once per connection with GetConfiguration).

The figure is `running_cost` (the CDR's engine on the frozen tariff, never above the final).
Display only: a failed send is logged and retried on the next round; nothing waits for it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

import trio

from evgw.gateway._commands import Commander, CommandError, ConnectionInfo
from evgw.store import Db, Store
from evgw.store._meter_rows import latest_register_wh

from ._config import BillingConfig
from ._running import Money, running_cost_op

log = logging.getLogger("evgw.billing.cost")

VENDOR = "org.openchargealliance.costmsg"
CALIFORNIA_KEY = "CustomDisplayCostAndPrice"

#: (transaction id, charger id, 1.6 transaction id, 2.x transaction id, meter start Wh)
ActiveTx = tuple[str, str, int | None, str | None, int | None]


def _active(db: Db, chargers: Collection[str]) -> list[ActiveTx]:
    """Active sessions on the given (connected) chargers. All active rows are read and then
    filtered here: an IN list of 100,000 chargers would pass the drivers' parameter limits."""
    if not chargers:
        return []
    rows = db.all(
        "SELECT id, charger_id, ocpp16_id, ocpp_tx_id, meter_start_wh FROM transactions "
        "WHERE status = 'active' ORDER BY charger_id, id"
    )
    return [
        (r[0], r[1], None if r[2] is None else int(r[2]), r[3], r[4])
        for r in rows
        if r[1] in chargers
    ]


def _register_wh(db: Db, tx_id: str, fallback: int | None) -> int:
    value = latest_register_wh(db, tx_id)
    return int(value) if value is not None else (fallback or 0)


def _cost_number(m: Money) -> float:
    return float(m.incl_vat)


def running_cost_payload(tx16: int, at: datetime, meter_wh: int, m: Money) -> dict[str, Any]:
    """The 1.6 DataTransfer for a RunningCost message (its data is JSON text)."""
    data = {
        "transactionId": tx16,
        "timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "meterValue": meter_wh,
        "cost": _cost_number(m),
        "state": "Charging",
    }
    return {"vendorId": VENDOR, "messageId": "RunningCost", "data": json.dumps(data)}


def final_cost_payload(tx16: int, m: Money) -> dict[str, Any]:
    data = {"transactionId": tx16, "cost": _cost_number(m)}
    return {"vendorId": VENDOR, "messageId": "FinalCost", "data": json.dumps(data)}


class CostPusher:
    def __init__(self, store: Store, commander: Commander, cfg: BillingConfig) -> None:
        self.store, self.commander, self.cfg = store, commander, cfg
        self._final_sent: set[str] = set()
        self.sent = 0
        self._finals_in, self._finals_out = trio.open_memory_channel[str](1000)

    def cdr_issued(self, tx_id: str) -> None:
        """Prompt a 1.6 FinalCost (dropped when the queue is full: display only)."""
        with contextlib.suppress(trio.WouldBlock):
            self._finals_in.send_nowait(tx_id)

    async def _supports_california(self, info: ConnectionInfo) -> bool:
        """From the connection's shared configuration (`Commander.configuration`); a failed
        read is not remembered (asked again next round), a missing key means no."""
        try:
            config = await self.commander.configuration(info.charger_id)
        except CommandError as e:
            log.info("%s: configuration not read (%s): no running cost", info.charger_id, e)
            return False
        return config.flag(CALIFORNIA_KEY)

    async def _send(self, charger_id: str, action: str, payload: dict[str, Any]) -> None:
        try:
            await self.commander.call(charger_id, action, payload)
            self.sent += 1
        except CommandError as e:
            log.info("%s: %s not delivered (%s)", charger_id, action, e)

    async def push_once(self, now: datetime | None = None) -> None:
        """One round over the active sessions of connected chargers. A 1.6 charger that cannot
        show the cost is skipped before its session is priced (pricing is the round's cost)."""
        at = now or datetime.now(UTC)
        infos = {c.charger_id: c for c in self.commander.connections()}
        for tx_id, charger_id, tx16, tx2, start_wh in await self.store.read(
            functools.partial(_active, chargers=infos.keys())
        ):
            info = infos[charger_id]
            v16 = info.ocpp_version == "ocpp1.6"
            if v16 and (tx16 is None or not await self._supports_california(info)):
                continue
            m = await self.store.read(running_cost_op(self.cfg, tx_id, at))
            if m is None:
                continue
            if not v16:
                payload = {"totalCost": _cost_number(m), "transactionId": tx2 or ""}
                await self._send(charger_id, "CostUpdated", payload)
                continue
            assert tx16 is not None
            wh = await self.store.read(
                functools.partial(_register_wh, tx_id=tx_id, fallback=start_wh)
            )
            await self._send(charger_id, "DataTransfer", running_cost_payload(tx16, at, wh, m))

    async def final_cost(self, tx_id: str) -> None:
        """1.6 FinalCost once the CDR is there (2.x gets totalCost in its Ended response)."""
        if tx_id in self._final_sent:
            return
        row = await self.store.read(
            lambda db: db.one(
                "SELECT charger_id, ocpp16_id FROM transactions WHERE id = ?", (tx_id,)
            )
        )
        if row is None or row[1] is None:
            return
        info = self.commander.connection(row[0])
        if info is None or info.ocpp_version != "ocpp1.6":
            return
        m = await self.store.read(running_cost_op(self.cfg, tx_id))
        if m is None or not m.final or not await self._supports_california(info):
            return
        self._final_sent.add(tx_id)
        await self._send(row[0], "DataTransfer", final_cost_payload(int(row[1]), m))

    async def run(self) -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._rounds)
            async for tx_id in self._finals_out:
                try:
                    await self.final_cost(tx_id)
                except Exception:
                    log.exception("final cost of %s not sent", tx_id)

    async def _rounds(self) -> None:
        interval = self.cfg.cost_update_interval_s
        if interval <= 0:
            return
        while True:
            await trio.sleep(interval)
            try:
                await self.push_once()
            except Exception:
                log.exception("running cost round failed; next round as usual")
