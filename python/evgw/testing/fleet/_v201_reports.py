"""2.0.1 device-model reports (B07 GetBaseReport, B08 GetReport): Accepted, then the report
in NotifyReport parts of DeviceDataCtrlr.ItemsPerMessage(GetReport) items."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from evgw.testing.fleet._commands import report_header, send_parts
from evgw.testing.fleet._protocol import Control, Payload

if TYPE_CHECKING:
    from evgw.testing.fleet._v201 import Ocpp201


def _notify(proto: Ocpp201, ctl: Control, request_id: int, data: list[Payload]) -> Payload:
    if not data:
        return {"status": "EmptyResultSet"}
    size = proto.device.limit("ItemsPerMessage", "GetReport")

    def part(items: Sequence[Any], seq_no: int, tbc: bool) -> Payload:
        return {**report_header(ctl, request_id, seq_no, tbc), "reportData": list(items)}

    send_parts(ctl, "NotifyReport", data, size, part)
    return {"status": "Accepted"}


def get_base_report(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    return _notify(proto, ctl, p["requestId"], proto.device.report(ctl, p["reportBase"]))


def get_report(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    """componentVariable (at most ItemsPerMessage(GetReport) of them) and componentCriteria
    narrow the report; nothing left -> EmptyResultSet."""
    wanted = p.get("componentVariable")
    if wanted is not None:
        proto.device.check_size("GetReport", wanted, p)
    data = proto.device.custom_report(ctl, wanted, p.get("componentCriteria"))
    return _notify(proto, ctl, p["requestId"], data)
