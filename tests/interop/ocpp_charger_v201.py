"""An OCPP 2.0.1 charging station built on the independent `ocpp` package (asyncio), for
interop tests. Run in its own process:
    python tests/interop/ocpp_charger_v201.py WS_URL STATION_ID PASSWORD

It boots, reports a connector, sends a security event, authorizes, runs one transaction
(Started, Updated with meter values, Ended), walks a firmware status sequence, prints one JSON
line per step, then serves CSMS-initiated commands (a GetBaseReport is followed by a two-part
NotifyReport) until a Reset, which it accepts before exiting with status 0.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from charger_script import now, report, run_charger
from ocpp.routing import after, on
from ocpp.v201 import ChargePoint, call, call_result


def register(wh: int, context: str) -> dict[str, Any]:
    return {
        "timestamp": now(),
        "sampled_value": [
            {"value": wh, "context": context, "measurand": "Energy.Active.Import.Register"},
            {
                "value": 11000,
                "context": context,
                "measurand": "Power.Active.Import",
                "unit_of_measure": {"unit": "W"},
            },
        ],
    }


def variable(component: str, name: str, value: str) -> dict[str, Any]:
    return {
        "component": {"name": component},
        "variable": {"name": name},
        "variable_attribute": [{"type": "Actual", "value": value}],
    }


class InteropStation(ChargePoint):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reset_received = asyncio.Event()

    @on("RequestStartTransaction")  # type: ignore[misc]
    def on_request_start(self, id_token: dict[str, Any], **kw: Any) -> Any:
        report("command", action="RequestStartTransaction", id_token=id_token["id_token"])
        return call_result.RequestStartTransaction(status="Accepted", transaction_id="TX-REMOTE")

    @on("RequestStopTransaction")  # type: ignore[misc]
    def on_request_stop(self, transaction_id: str, **kw: Any) -> Any:
        report("command", action="RequestStopTransaction", transaction_id=transaction_id)
        return call_result.RequestStopTransaction(status="Accepted")

    @on("SetChargingProfile")  # type: ignore[misc]
    def on_set_profile(self, evse_id: int, charging_profile: dict[str, Any], **kw: Any) -> Any:
        report("command", action="SetChargingProfile", evse_id=evse_id)
        return call_result.SetChargingProfile(status="Accepted")

    @on("GetBaseReport")  # type: ignore[misc]
    def on_get_base_report(self, request_id: int, report_base: str, **kw: Any) -> Any:
        report("command", action="GetBaseReport", request_id=request_id)
        return call_result.GetBaseReport(status="Accepted")

    @after("GetBaseReport")  # type: ignore[misc]
    async def send_report(self, request_id: int, **kw: Any) -> None:
        parts = [
            [
                variable("ChargingStation", "Model", "Interop-201"),
                variable("SecurityCtrlr", "SecurityProfile", "1"),
            ],
            [variable("DeviceDataCtrlr", "ItemsPerMessage", "4")],
        ]
        for seq_no, data in enumerate(parts):
            await self.call(
                call.NotifyReport(
                    request_id=request_id,
                    generated_at=now(),
                    seq_no=seq_no,
                    report_data=data,
                    tbc=seq_no < len(parts) - 1,
                )
            )
        report("notify_report", parts=len(parts))

    @on("Reset")  # type: ignore[misc]
    def on_reset(self, type: str, **kw: Any) -> Any:
        report("command", action="Reset", type=type)
        self.reset_received.set()
        return call_result.Reset(status="Accepted")


async def transaction(cp: InteropStation) -> None:
    token = {"id_token": "TAG1", "type": "ISO14443"}
    events = [
        ("Started", "Authorized", [register(100, "Transaction.Begin")], {}),
        ("Updated", "MeterValuePeriodic", [register(900, "Sample.Periodic")], {}),
        (
            "Ended",
            "StopAuthorized",
            [register(1600, "Transaction.End")],
            {"stopped_reason": "Local"},
        ),
    ]
    for seq_no, (kind, trigger, meter, info) in enumerate(events):
        reply = await cp.call(
            call.TransactionEvent(
                event_type=kind,
                timestamp=now(),
                trigger_reason=trigger,
                seq_no=seq_no,
                transaction_info={"transaction_id": "TX-INTEROP", **info},
                meter_value=meter,
                id_token=token if kind == "Started" else None,
                evse={"id": 1, "connector_id": 1} if kind == "Started" else None,
            )
        )
        info_reply = reply.id_token_info or {}
        report("transaction_event", event_type=kind, status=info_reply.get("status"))


async def session(cp: InteropStation) -> None:
    station = {"model": "Interop-201", "vendor_name": "OCPP-Lib", "serial_number": "SN-I1"}
    boot = await cp.call(call.BootNotification(charging_station=station, reason="PowerUp"))
    report("boot", status=boot.status, interval=boot.interval)
    await cp.call(
        call.StatusNotification(
            timestamp=now(), connector_status="Available", evse_id=1, connector_id=1
        )
    )
    await cp.call(call.SecurityEventNotification(type="StartupOfTheDevice", timestamp=now()))
    auth = await cp.call(call.Authorize(id_token={"id_token": "TAG1", "type": "ISO14443"}))
    report("authorize", status=auth.id_token_info["status"])
    await transaction(cp)
    for status in ("Downloading", "Downloaded", "Installing", "Installed"):
        await cp.call(call.FirmwareStatusNotification(status=status, request_id=42))
    report("firmware", last="Installed")


async def main(url: str, charger_id: str, password: str) -> None:
    await run_charger(url, charger_id, password, "ocpp2.0.1", InteropStation, session)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
