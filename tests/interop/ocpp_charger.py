"""An OCPP 1.6J charge point built on the independent `ocpp` package (asyncio), for interop tests.

Run in its own process (the package is asyncio-only):
    python tests/interop/ocpp_charger.py WS_URL CHARGER_ID PASSWORD

It boots, authorizes, runs one transaction (start, two MeterValues, stop), prints one JSON line
per step to stdout, then serves CSMS-initiated commands until it receives a Reset, which it
accepts and then exits with status 0. Any failure exits non-zero with the error on stderr.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from charger_script import now, report, run_charger
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result


class InteropChargePoint(ChargePoint):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reset_received = asyncio.Event()

    @on("RemoteStartTransaction")  # type: ignore[misc]
    def on_remote_start(self, id_tag: str, **kwargs: Any) -> call_result.RemoteStartTransaction:
        report("command", action="RemoteStartTransaction", id_tag=id_tag)
        return call_result.RemoteStartTransaction(status="Accepted")

    @on("GetConfiguration")  # type: ignore[misc]
    def on_get_configuration(self, **kwargs: Any) -> call_result.GetConfiguration:
        report("command", action="GetConfiguration")
        key = {"key": "HeartbeatInterval", "readonly": False, "value": "300"}
        return call_result.GetConfiguration(configuration_key=[key])

    @on("ChangeAvailability")  # type: ignore[misc]
    def on_change_availability(self, **kwargs: Any) -> call_result.ChangeAvailability:
        report("command", action="ChangeAvailability")
        return call_result.ChangeAvailability(status="Scheduled")

    @on("Reset")  # type: ignore[misc]
    def on_reset(self, type: str, **kwargs: Any) -> call_result.Reset:
        report("command", action="Reset", type=type)
        self.reset_received.set()
        return call_result.Reset(status="Accepted")


def sampled(wh: int) -> list[dict[str, Any]]:
    return [
        {
            "timestamp": now(),
            "sampledValue": [
                {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                {"value": "11000", "measurand": "Power.Active.Import", "unit": "W"},
            ],
        }
    ]


async def session(cp: InteropChargePoint) -> None:
    boot = await cp.call(
        call.BootNotification(charge_point_model="Interop-1", charge_point_vendor="OCPP-Lib")
    )
    report("boot", status=boot.status, interval=boot.interval)
    status = await cp.call(
        call.StatusNotification(connector_id=1, error_code="NoError", status="Available")
    )
    report("status", ok=status is not None)
    auth = await cp.call(call.Authorize(id_tag="TAG1"))
    report("authorize", status=auth.id_tag_info["status"])
    start = await cp.call(
        call.StartTransaction(connector_id=1, id_tag="TAG1", meter_start=100, timestamp=now())
    )
    tx = start.transaction_id
    report("start", transaction_id=tx, status=start.id_tag_info["status"])
    for wh in (600, 1100):
        await cp.call(call.MeterValues(connector_id=1, transaction_id=tx, meter_value=sampled(wh)))
    report("meter_values", count=2)
    stop = await cp.call(
        call.StopTransaction(
            meter_stop=1600, timestamp=now(), transaction_id=tx, reason="Local", id_tag="TAG1"
        )
    )
    report("stop", status=stop.id_tag_info["status"] if stop.id_tag_info else None)


async def main(url: str, charger_id: str, password: str) -> None:
    await run_charger(url, charger_id, password, "ocpp1.6", InteropChargePoint, session)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
