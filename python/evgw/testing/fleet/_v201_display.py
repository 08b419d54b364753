"""2.0.1 display messages (block O): SetDisplayMessage, GetDisplayMessages (answered with
NotifyDisplayMessages parts), ClearDisplayMessage. The station holds DISPLAY_MESSAGES messages;
ASCII and UTF8 only; a message bound to a transaction needs that transaction running and goes
when it ends; a message past its endDateTime is gone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from evgw.testing.fleet._clock import sim_seconds
from evgw.testing.fleet._commands import send_parts
from evgw.testing.fleet._protocol import Control, Payload
from evgw.testing.fleet._v201_device import DISPLAY_MESSAGES

if TYPE_CHECKING:
    from evgw.testing.fleet._v201 import Ocpp201

FORMATS = {"ASCII", "UTF8"}
PER_MESSAGE = 4  # MessageInfo per NotifyDisplayMessages


class DisplayBoard:
    def __init__(self) -> None:
        self.messages: dict[int, Payload] = {}  # id -> MessageInfo

    def current(self, ctl: Control) -> dict[int, Payload]:
        """The messages still shown (expired and finished-transaction ones dropped)."""
        now = ctl.now()
        running = {c.tx.ref for c in ctl.model.connectors.values() if c.tx is not None}
        for mid, m in list(self.messages.items()):
            end = sim_seconds(ctl.clock, m.get("endDateTime"))
            tx = m.get("transactionId")
            if (end is not None and end <= now) or (tx is not None and tx not in running):
                del self.messages[mid]
        return self.messages

    def set(self, ctl: Control, m: Payload) -> str:
        shown = self.current(ctl)
        if m["message"]["format"] not in FORMATS:
            return "NotSupportedMessageFormat"
        tx = m.get("transactionId")
        if tx is not None and ctl.model.active_tx(tx) is None:
            return "UnknownTransaction"
        if m["id"] not in shown and len(shown) >= DISPLAY_MESSAGES:
            return "Rejected"
        shown[m["id"]] = m
        return "Accepted"


def _board(proto: Ocpp201) -> DisplayBoard:
    if proto.display is None:
        proto.display = DisplayBoard()
    return proto.display


def set_display_message(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    return {"status": _board(proto).set(ctl, p["message"])}


def get_display_messages(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    """Accepted and NotifyDisplayMessages with the messages matching every criterion given;
    Unknown when none does."""
    ids, priority, state = p.get("id"), p.get("priority"), p.get("state")
    found = [
        m
        for mid, m in sorted(_board(proto).current(ctl).items())
        if (ids is None or mid in ids)
        and priority in (None, m["priority"])
        and state in (None, m.get("state"))
    ]
    if not found:
        return {"status": "Unknown"}

    def part(items: Sequence[Any], seq_no: int, tbc: bool) -> Payload:
        return {"requestId": p["requestId"], "tbc": tbc, "messageInfo": list(items)}

    send_parts(ctl, "NotifyDisplayMessages", found, PER_MESSAGE, part)
    return {"status": "Accepted"}


def clear_display_message(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    gone = _board(proto).current(ctl).pop(p["id"], None)
    return {"status": "Accepted" if gone is not None else "Unknown"}
