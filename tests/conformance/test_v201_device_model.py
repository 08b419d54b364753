"""Device model (block B): NotifyReport parts assembled in any order, missing parts reported,
Get/SetVariables split to the charger's ItemsPerMessage / BytesPerMessage, queried by API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from evgw.domain import Role
from evgw.ocpp.v201._variables import batches
from evgw.testing import connect_charger

from tests.conformance.v201_frames import V201, ts
from tests.integration.gateway_fixtures import PASSWORD, Running, api_client, running

__all__ = ["running"]


def attr(component: str, variable: str, value: str, instance: str | None = None) -> dict[str, Any]:
    var: dict[str, Any] = {"name": variable, **({"instance": instance} if instance else {})}
    return {
        "component": {"name": component},
        "variable": var,
        "variableAttribute": [{"type": "Actual", "value": value, "mutability": "ReadWrite"}],
        "variableCharacteristics": {"dataType": "integer", "supportsMonitoring": False},
    }


def part(seq_no: int, tbc: bool, *data: dict[str, Any], request_id: int = 1) -> dict[str, Any]:
    return {
        "requestId": request_id,
        "generatedAt": ts(),
        "seqNo": seq_no,
        "tbc": tbc,
        "reportData": list(data),
    }


@pytest.fixture
async def api(running: Running) -> AsyncIterator[httpx.AsyncClient]:
    async with await api_client(running, Role.OPERATOR, "/api/v1/chargers/CP1") as http:
        yield http


async def send_parts(running: Running, *parts: dict[str, Any]) -> None:
    url = running.charger_url("CP1")
    async with connect_charger(url, version=V201, user="CP1", password=PASSWORD) as cp:
        for p in parts:
            assert await cp.result("NotifyReport", p) == {}


async def test_TC_B_08_report_parts_out_of_order_are_assembled(
    running: Running, api: httpx.AsyncClient
) -> None:
    first = part(0, True, attr("OCPPCommCtrlr", "HeartbeatInterval", "300"))
    last = part(1, False, attr("DeviceDataCtrlr", "ItemsPerMessage", "2", "SetVariables"))
    await send_parts(running, last, first, first)  # out of order, and one repeated
    reports = (await api.get("/device-model/reports")).json()["items"]
    assert [(r["request_id"], r["status"], r["parts"], r["variables"]) for r in reports] == [
        (1, "complete", 2, 2)
    ]
    items = (await api.get("/device-model")).json()["items"]
    assert [(i["component"], i["variable"], i["variable_instance"], i["value"]) for i in items] == [
        ("DeviceDataCtrlr", "ItemsPerMessage", "SetVariables", "2"),
        ("OCPPCommCtrlr", "HeartbeatInterval", "", "300"),
    ]
    assert items[0]["characteristics"]["dataType"] == "integer"
    only = (await api.get("/device-model", params={"component": "OCPPCommCtrlr"})).json()["items"]
    assert len(only) == 1


async def test_report_with_a_missing_part_is_not_assembled(
    running: Running, api: httpx.AsyncClient
) -> None:
    await send_parts(
        running,
        part(0, True, attr("A", "x", "1"), request_id=9),
        part(2, False, attr("B", "y", "2"), request_id=9),
    )
    (report,) = (await api.get("/device-model/reports")).json()["items"]
    assert (report["status"], report["missing_seq_nos"], report["variables"]) == (
        "receiving",
        [1],
        0,
    )
    assert (await api.get("/device-model")).json()["items"] == []


def set_item(name: str, value: str) -> dict[str, Any]:
    return {"component": {"name": "Ctrlr"}, "variable": {"name": name}, "attributeValue": value}


def answer_sets(payload: dict[str, Any]) -> dict[str, Any]:
    results = [
        {
            "component": i["component"],
            "variable": i["variable"],
            "attributeStatus": "Rejected" if i["variable"]["name"] == "V3" else "Accepted",
        }
        for i in payload["setVariableData"]
    ]
    return {"setVariableResult": results}


async def test_set_variables_split_to_items_per_message(
    running: Running, api: httpx.AsyncClient
) -> None:
    limit = part(0, False, attr("DeviceDataCtrlr", "ItemsPerMessage", "2", "SetVariables"))
    url = running.charger_url("CP1")
    async with connect_charger(url, version=V201, user="CP1", password=PASSWORD) as cp:
        assert await cp.result("NotifyReport", limit) == {}
        cp.responses["SetVariables"] = answer_sets
        items = [set_item(f"V{n}", str(n)) for n in range(5)]
        reply = await api.post("/variables/set", json={"items": items})
        assert reply.status_code == 200, reply.text
        sent = [len(c[3]["setVariableData"]) for c in cp.received_calls]
    body = reply.json()
    assert (body["messages"], len(body["results"]), sent) == (3, 5, [2, 2, 1])
    stored = (await api.get("/device-model", params={"component": "Ctrlr"})).json()["items"]
    assert [(i["variable"], i["value"]) for i in stored] == [
        ("V0", "0"),
        ("V1", "1"),
        ("V2", "2"),
        ("V4", "4"),
    ]


async def test_variables_need_a_connected_charger_and_valid_items(api: httpx.AsyncClient) -> None:
    assert (await api.post("/variables/get", json={"items": []})).status_code == 422
    gone = await api.post(
        "/variables/get", json={"items": [{"component": {"name": "A"}, "variable": {"name": "b"}}]}
    )
    assert gone.status_code == 409


@pytest.mark.parametrize(
    ("sizes", "max_items", "max_bytes", "expected"),
    [
        ([10, 10, 10], None, None, [3]),
        ([10, 10, 10], 2, None, [2, 1]),
        ([10] * 5, 1, None, [1] * 5),
        ([100, 100, 100], None, 330, [2, 1]),  # 80 frame bytes + 2 items fit in 330
        ([500, 10], None, 300, [1, 1]),  # an item too big alone is still sent, alone
        ([10, 10, 10, 10], 3, 105, [2, 2]),  # the tighter limit wins
    ],
)
def test_batches(
    sizes: list[int], max_items: int | None, max_bytes: int | None, expected: list[int]
) -> None:
    items = [{"v": "x" * (n - 9)} for n in sizes]  # json {"v":"..."} is n-1 bytes, +1 comma
    assert [len(b) for b in batches(items, max_items, max_bytes)] == expected
