"""A charge point built on the independent `ocpp` package that keeps a local authorization
list, for interop tests (own process; the package is asyncio-only):

    python tests/interop/ocpp_local_list_charger.py WS_URL CHARGER_ID PASSWORD VERSION ENTRIES

VERSION is ocpp1.6 or ocpp2.0.1. It boots, reports its list limits (1.6 configuration keys,
2.0.1 LocalAuthListCtrlr variables; 2 entries per message), answers GetLocalListVersion, and
applies every SendLocalList the `ocpp` package accepted against its own schemas, printing one
JSON line per message. It exits 0 once it holds ENTRIES entries.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
from typing import Any

from ocpp import v16, v201
from ocpp.routing import on
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

PER_MESSAGE = 2


def report(step: str, **data: Any) -> None:
    print(json.dumps({"step": step, **data}), flush=True)


class ListKeeper:
    def __init__(self, wanted: int) -> None:
        self.version = 0
        self.entries: dict[str, Any] = {}
        self.wanted = wanted
        self.full = asyncio.Event()

    def apply(self, version: int, update_type: str, items: list[dict[str, Any]], key: str) -> str:
        if update_type == "Full":
            self.entries = {}
        for item in items:
            ident = item[key]["id_token"] if key == "id_token" else item[key]
            if item.get(key + "_info") is None:
                self.entries.pop(ident, None)
            else:
                self.entries[ident] = item[key + "_info"]["status"]
        self.version = version
        report(
            "list",
            version=version,
            update_type=update_type,
            items=len(items),
            entries=dict(sorted(self.entries.items())),
        )
        if len(self.entries) >= self.wanted:
            self.full.set()
        return "Accepted"


class Station16(v16.ChargePoint):  # type: ignore[misc]
    keeper: ListKeeper

    @on("GetConfiguration")  # type: ignore[misc]
    def on_get_configuration(self, **kwargs: Any) -> v16.call_result.GetConfiguration:
        keys = {
            "LocalAuthListEnabled": "true",
            "LocalAuthListMaxLength": "100",
            "SendLocalListMaxLength": str(PER_MESSAGE),
        }
        return v16.call_result.GetConfiguration(
            configuration_key=[{"key": k, "readonly": True, "value": v} for k, v in keys.items()]
        )

    @on("GetLocalListVersion")  # type: ignore[misc]
    def on_version(self, **kwargs: Any) -> v16.call_result.GetLocalListVersion:
        return v16.call_result.GetLocalListVersion(list_version=self.keeper.version)

    @on("SendLocalList")  # type: ignore[misc]
    def on_send(self, list_version: int, update_type: str, **kwargs: Any) -> Any:
        items = kwargs.get("local_authorization_list", [])
        status = self.keeper.apply(list_version, update_type, items, "id_tag")
        return v16.call_result.SendLocalList(status=status)


class Station201(v201.ChargePoint):  # type: ignore[misc]
    keeper: ListKeeper

    @on("GetVariables")  # type: ignore[misc]
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **kw: Any) -> Any:
        values = {"Enabled": "true", "ItemsPerMessage": str(PER_MESSAGE)}
        results = [
            {
                "attribute_status": "Accepted",
                "attribute_value": values.get(d["variable"]["name"], "0"),
                "component": d["component"],
                "variable": d["variable"],
            }
            for d in get_variable_data
        ]
        return v201.call_result.GetVariables(get_variable_result=results)

    @on("GetLocalListVersion")  # type: ignore[misc]
    def on_version(self, **kwargs: Any) -> v201.call_result.GetLocalListVersion:
        return v201.call_result.GetLocalListVersion(version_number=self.keeper.version)

    @on("SendLocalList")  # type: ignore[misc]
    def on_send(self, version_number: int, update_type: str, **kwargs: Any) -> Any:
        items = kwargs.get("local_authorization_list", [])
        status = self.keeper.apply(version_number, update_type, items, "id_token")
        return v201.call_result.SendLocalList(status=status)


async def boot(cp: Any, version: str) -> None:
    if version == "ocpp1.6":
        reply = await cp.call(
            v16.call.BootNotification(charge_point_model="LL-1", charge_point_vendor="OCPP-Lib")
        )
    else:
        station = {"model": "LL-2", "vendor_name": "OCPP-Lib"}
        reply = await cp.call(
            v201.call.BootNotification(charging_station=station, reason="PowerUp")
        )
    report("boot", status=reply.status)


async def main(url: str, charger_id: str, password: str, version: str, wanted: str) -> None:
    token = base64.b64encode(f"{charger_id}:{password}".encode()).decode()
    async with connect(
        f"{url}/{charger_id}",
        subprotocols=[Subprotocol(version)],
        additional_headers={"Authorization": f"Basic {token}"},
    ) as ws:
        cp = (Station16 if version == "ocpp1.6" else Station201)(charger_id, ws)
        cp.keeper = ListKeeper(int(wanted))
        runner = asyncio.create_task(cp.start())
        await boot(cp, version)
        await asyncio.wait_for(cp.keeper.full.wait(), timeout=30)
        await asyncio.sleep(0.2)  # let the last reply go out
        runner.cancel()
    report("done")


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
