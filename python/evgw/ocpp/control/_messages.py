"""Display messages (2.x block O) and customer information (N09/N10), CSMS side.

Display: SetDisplayMessage (evgw gives the id) and ClearDisplayMessage keep a copy of what
the charger shows; GetDisplayMessages asks for a report that NotifyDisplayMessages delivers
in parts, assembled and merged into that copy. Customer information: CustomerInformation
asks for (and/or clears) the data a charger holds about a customer; the
NotifyCustomerInformation parts are assembled into one text per request.
"""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime
from typing import Any

from evgw.components import ComponentContext
from evgw.gateway._commands import ChargerNotConnected
from evgw.ocpp.control import _requests as rq
from evgw.ocpp.control._ids import next_id
from evgw.ocpp.control._tx_status import NotSupportedByVersion
from evgw.store._db import Db

Payload = dict[str, Any]
DISPLAY, CUSTOMER = "display", "customer"


def _now() -> datetime:
    return datetime.now(UTC)


def put_message(db: Db, charger_id: str, message: Payload, source: str, at: datetime) -> None:
    db.run(
        "INSERT INTO ocpp_display_messages (charger_id, message_id, source, data, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (charger_id, message_id) DO UPDATE SET"
        " source = excluded.source, data = excluded.data, updated_at = excluded.updated_at",
        (charger_id, message["id"], source, json.dumps(message), db.ts(at)),
    )


def drop_message(db: Db, charger_id: str, message_id: int) -> None:
    db.run(
        "DELETE FROM ocpp_display_messages WHERE charger_id = ? AND message_id = ?",
        (charger_id, message_id),
    )


def read_messages(db: Db, charger_id: str) -> list[Payload]:
    rows = db.all(
        "SELECT source, data, updated_at FROM ocpp_display_messages WHERE charger_id = ?"
        " ORDER BY message_id",
        (charger_id,),
    )
    return [{"source": r[0], "message": json.loads(r[1]), "updated_at": db.dt(r[2])} for r in rows]


def merge_report(db: Db, charger_id: str, parts: list[Any], at: datetime) -> None:
    """A complete NotifyDisplayMessages report: what the charger says it shows."""
    for part in parts:
        for message in part:
            put_message(db, charger_id, message, "reported", at)


class Messages:
    def __init__(self, ctx: ComponentContext) -> None:
        self.ctx = ctx

    def _require_2x(self, charger_id: str, action: str) -> None:
        info = self.ctx.commander.connection(charger_id)
        if info is None:
            raise ChargerNotConnected(f"{charger_id} is not connected")
        if info.ocpp_version == "ocpp1.6":
            raise NotSupportedByVersion(f"{action} is an OCPP 2.x message")

    async def set_display(self, charger_id: str, message: Payload) -> tuple[str, Payload]:
        """SetDisplayMessage; `message` is a MessageInfo without `id` (evgw assigns one)."""
        self._require_2x(charger_id, "SetDisplayMessage")
        message_id = await self.ctx.store.write(functools.partial(next_id, counter="ocpp_request"))
        message = {**message, "id": message_id}
        reply = await self.ctx.commander.call(charger_id, "SetDisplayMessage", {"message": message})
        status = str(reply["status"])
        if status == "Accepted":
            op = functools.partial(
                put_message, charger_id=charger_id, message=message, source="set", at=_now()
            )
            await self.ctx.store.write(op)
        return status, message

    async def clear_display(self, charger_id: str, message_id: int) -> str:
        """ClearDisplayMessage; our copy goes when the charger cleared it or never had it."""
        self._require_2x(charger_id, "ClearDisplayMessage")
        reply = await self.ctx.commander.call(charger_id, "ClearDisplayMessage", {"id": message_id})
        status = str(reply["status"])
        op = functools.partial(drop_message, charger_id=charger_id, message_id=message_id)
        await self.ctx.store.write(op)
        return status

    async def request(
        self, charger_id: str, kind: str, action: str, params: Payload
    ) -> tuple[int, str]:
        """Send `action` with a fresh requestId; answers (requestId, the charger's status)."""
        self._require_2x(charger_id, action)
        op = functools.partial(
            rq.new_request, charger_id=charger_id, kind=kind, params=params, at=_now()
        )
        request_id = await self.ctx.store.write(op)
        reply = await self.ctx.commander.call(
            charger_id, action, {"requestId": request_id, **params}
        )
        status = str(reply["status"])
        if status != "Accepted":
            done = functools.partial(
                rq.set_status,
                charger_id=charger_id,
                kind=kind,
                request_id=request_id,
                status=status.lower(),
                at=_now(),
            )
            await self.ctx.store.write(done)
        return request_id, status

    async def state(self, charger_id: str, kind: str, request_id: int) -> rq.RequestState | None:
        op = functools.partial(
            rq.get_request, charger_id=charger_id, kind=kind, request_id=request_id
        )
        return await self.ctx.store.read(op)

    async def displayed(self, charger_id: str) -> list[Payload]:
        return await self.ctx.store.read(functools.partial(read_messages, charger_id=charger_id))
