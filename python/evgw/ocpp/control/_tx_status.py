"""GetTransactionStatus (2.x E14): does the charger still run a transaction, and does it hold
messages for it (or any) it has not delivered yet?

Used by the API and on every 2.x boot: a transaction evgw still holds as active, that the
charger says is over with nothing left in its queue, lost its Ended event; it is flagged
(``ended_missing``) for review before anyone bills it from partial data.
"""

from __future__ import annotations

import logging
from typing import Any

import attrs

from evgw.components import ComponentContext
from evgw.gateway._commands import CommandError

log = logging.getLogger("evgw.ocpp.control")


class NotSupportedByVersion(CommandError):
    """The action does not exist in the charger's OCPP version (API: 409)."""


@attrs.frozen
class TxStatusAtCharger:
    ongoing: bool | None  # None: no transactionId asked (or the charger did not say)
    messages_in_queue: bool


class TransactionStatus:
    def __init__(self, ctx: ComponentContext) -> None:
        self.ctx = ctx

    async def ask(self, charger_id: str, ocpp_transaction_id: str | None) -> TxStatusAtCharger:
        info = self.ctx.commander.connection(charger_id)
        if info is not None and info.ocpp_version == "ocpp1.6":
            raise NotSupportedByVersion("GetTransactionStatus is an OCPP 2.x message")
        payload: dict[str, Any] = {}
        if ocpp_transaction_id is not None:
            payload["transactionId"] = ocpp_transaction_id
        reply = await self.ctx.commander.call(charger_id, "GetTransactionStatus", payload)
        return TxStatusAtCharger(reply.get("ongoingIndicator"), bool(reply["messagesInQueue"]))

    async def reconcile(self, charger_id: str) -> list[str]:
        """Ask about each transaction the store holds as active on this 2.x charger; flag
        those the charger ended without delivering the Ended event. Answers their ids."""
        store = self.ctx.store
        active = await store.list_transactions(charger_id=charger_id, status="active", limit=1000)
        flagged: list[str] = []
        for tx in active:
            if tx.ocpp_transaction_id is None or "ended_missing" in tx.flags:
                continue
            status = await self.ask(charger_id, tx.ocpp_transaction_id)
            if status.ongoing is False and not status.messages_in_queue:
                detail: dict[str, object] = {"ocpp_transaction_id": tx.ocpp_transaction_id}
                await store.add_flag(
                    "ended_missing", charger_id=charger_id, transaction_id=tx.id, detail=detail
                )
                log.warning("%s: transaction %s ended without Ended", charger_id, tx.id)
                flagged.append(tx.id)
        return flagged
