"""Maintenance in a real server: statuses over a real socket -> outage ledger -> uptime API;
exclusions with and without evidence; offline detection with a probe; replay after reconnect."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from evgw.domain import Role
from evgw.testing import connect_charger, wait_until

from tests.conformance.v201_frames import boot as v201_boot
from tests.integration.gateway_fixtures import PASSWORD, Running
from tests.integration.maintenance_fixtures import client, component, iso, serve, status
from tests.integration.test_gateway_v16 import BOOT


def status_at(connector: int, st: str, at: datetime, code: str = "NoError") -> dict[str, Any]:
    return status(connector, st, code, at)


@pytest.fixture
async def mnt(nursery: trio.Nursery, tmp_path: Path) -> AsyncIterator[Running]:
    run = await serve(nursery, tmp_path)
    yield run
    run.server.stop()


async def outages(api: httpx.AsyncClient, **query: str) -> list[dict[str, Any]]:
    reply = await api.get("/outages", params=query)
    assert reply.status_code == 200, reply.text
    items: list[dict[str, Any]] = reply.json()["items"]
    return items


async def wait_outages(
    api: httpx.AsyncClient, done: Callable[[list[dict[str, Any]]], object]
) -> list[dict[str, Any]]:
    """Poll the ledger until `done` holds (the component appends every flush_interval_s)."""
    with trio.fail_after(10):
        while True:
            found = await outages(api)
            if done(found):
                return found
            await trio.sleep(0.05)


async def test_fault_outage_report_and_exclusions(mnt: Running) -> None:
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    async with connect_charger(mnt.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        await cp.result("BootNotification", BOOT)
        await cp.result("StatusNotification", status_at(1, "Available", base))
        await cp.result("StatusNotification", status_at(2, "Available", base))
        await cp.result(
            "StatusNotification",
            status_at(1, "Faulted", base + timedelta(minutes=10), "GroundFailure"),
        )
        await cp.result("StatusNotification", status_at(9999, "Faulted", base, "GroundFailure"))
        await cp.result(
            "StatusNotification", status_at(1, "Available", base + timedelta(minutes=70))
        )
        async with await client(mnt) as api:
            await wait_until(lambda: len(component(mnt).model.ports()) == 2)
            (outage,) = await wait_outages(api, lambda found: found and found[0]["end"])
            assert (outage["port_id"], outage["cause"]) == ("CP1/1/1", "hardware")
            assert outage["start"] == (base + timedelta(minutes=10)).isoformat()
            assert outage["end"] == (base + timedelta(minutes=70)).isoformat()
            health = (await api.get("/chargers/CP1/health")).json()["items"]
            assert {h["port_id"]: h["health"] for h in health} == {"CP1/1/1": "up", "CP1/2/1": "up"}

            window = {"from": iso(base - timedelta(days=1)), "to": iso(base + timedelta(days=1))}
            report = (await api.get("/reports/uptime", params=window)).json()
            ports = {p["port_id"]: p for p in report["ports"]}
            assert ports["CP1/1/1"]["total_outage_min"] == 60
            # NEVI: (525600 - 60) / 525600 x 100 = 99.98858...
            assert ports["CP1/1/1"]["uptime_pct"] == round((525600 - 60) / 525600 * 100, 4)
            assert ports["CP1/2/1"]["total_outage_min"] == 0

            # an exclusion without evidence: accepted, pending, excludes nothing
            body = {
                "charger_id": "CP1",
                "evse_id": 1,
                "start": iso(base + timedelta(minutes=10)),
                "end": iso(base + timedelta(minutes=40)),
                "cause": "utility",
            }
            pending = await api.post("/outage-exclusions", json=body)
            assert pending.status_code == 201, pending.text
            assert pending.json()["evidence_status"] == "pending"
            report = (await api.get("/reports/uptime", params=window)).json()
            port = {p["port_id"]: p for p in report["ports"]}["CP1/1/1"]
            assert port["total_outage_excl_min"] == 0
            assert port["exclusions_pending_evidence"] == [pending.json()["id"]]

            # the evidence arrives: a new exclusion supersedes the pending one
            body |= {"evidence": "utility ticket 42", "supersedes": pending.json()["id"]}
            attached = await api.post("/outage-exclusions", json=body)
            assert attached.status_code == 201, attached.text
            again = await api.post("/outage-exclusions", json=body)
            assert again.status_code == 409
            report = (await api.get("/reports/uptime", params=window)).json()
            port = {p["port_id"]: p for p in report["ports"]}["CP1/1/1"]
            assert (port["total_outage_excl_min"], port["net_outage_min"]) == (30, 30)

            module3 = await api.get("/reports/uptime", params={**window, "format": "csv"})
            assert module3.headers["content-type"].startswith("text/csv")
            rows = list(csv.DictReader(io.StringIO(module3.text)))
            assert {r["port_id"]: r["total_outage_excl"] for r in rows}["CP1/1/1"] == "30.00"
            module4 = await api.get("/reports/uptime/outages", params={**window, "format": "csv"})
            rows = list(csv.DictReader(io.StringIO(module4.text)))
            assert [
                (r["outage_duration"], r["excluded_outage"], r["excluded_outage_reason"])
                for r in rows
            ] == [
                ("30.00", "TRUE", "1"),
                ("30.00", "FALSE", ""),
            ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2024-05-01T00:00:00Z", "to": "2024-04-01T00:00:00Z"}, "to"),  # reversed
        ({"from": "2024-05-01T00:00:00Z", "to": "2024-05-01T00:00:00Z"}, "to"),  # empty
        ({"from": "2010-05-01T00:00:00Z", "to": "2024-05-01T00:00:00Z"}, "from"),  # too long
        ({"policy": "nope"}, "policy"),
        ({"from": "yesterday"}, "from"),
    ],
)
async def test_bad_report_ranges(mnt: Running, query: dict[str, str], field: str) -> None:
    async with await client(mnt, Role.VIEWER) as api:
        reply = await api.get("/reports/uptime", params=query)
    assert reply.status_code == 422
    assert [d["field"] for d in reply.json()["error"]["details"]] == [field]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"end": "2024-04-01T00:00:00Z"}, "end"),
        ({"charger_id": "NOPE"}, "charger_id"),
        ({"cause": "aliens"}, "cause"),
        ({"evse_id": None, "connector_id": 1}, "connector_id"),
        ({"evidence": ""}, "evidence"),
    ],
)
async def test_bad_exclusions_are_refused_and_store_nothing(
    mnt: Running, change: dict[str, Any], field: str
) -> None:
    body = {
        "charger_id": "CP1",
        "evse_id": 1,
        "start": "2024-04-02T00:00:00Z",
        "end": "2024-04-03T00:00:00Z",
        "cause": "vandalism",
        "evidence": "police report 7",
    } | change
    async with await client(mnt) as api:
        reply = await api.post("/outage-exclusions", json=body)
        assert reply.status_code == 422
        assert [d["field"] for d in reply.json()["error"]["details"]] == [field]
        listed = await api.get("/outage-exclusions", params={"from": "2024-01-01T00:00:00Z"})
        assert listed.json()["items"] == []


async def test_silent_charger_is_probed_then_backdated_offline(mnt: Running) -> None:
    async with connect_charger(mnt.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        cp.auto_answer = False  # the probe goes unanswered
        await cp.result("BootNotification", BOOT)
        await cp.result("StatusNotification", status_at(1, "Available", datetime.now(UTC)))
        last = mnt.server.gateway.connection("CP1").last_frame_at  # type: ignore[union-attr]
        async with await client(mnt) as api:
            found = await wait_outages(api, bool)
            assert [c[2] for c in cp.received_calls] == ["TriggerMessage"]
            assert cp.received_calls[0][3] == {"requestedMessage": "Heartbeat"}
            (outage,) = found
            assert (outage["cause"], outage["end"]) == ("connectivity", None)
            assert outage["start"] == last.isoformat()  # backdated to the last frame
            await cp.result("Heartbeat", {})
            (closed,) = await wait_outages(api, lambda found: found[0]["end"])
            assert closed["start"] == outage["start"]


async def test_replay_after_reconnect_is_not_counted_twice(mnt: Running) -> None:
    async with connect_charger(mnt.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        await cp.result("BootNotification", BOOT)
        await cp.result("StatusNotification", status_at(1, "Available", datetime.now(UTC)))
    await wait_until(lambda: mnt.server.gateway.connection("CP1") is None)  # type: ignore[union-attr]
    async with await client(mnt) as api:
        opened = await wait_outages(api, bool)
        start = datetime.fromisoformat(opened[0]["start"])
        async with connect_charger(mnt.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
            await cp.result("BootNotification", BOOT)
            fault = status_at(1, "Faulted", start + timedelta(milliseconds=5), "GroundFailure")
            recovered = status_at(1, "Available", datetime.now(UTC) + timedelta(seconds=1))
            for _ in range(2):  # queued notifications sent twice
                await cp.result("StatusNotification", fault)
                await cp.result("StatusNotification", recovered)
            # the reconnect may close the outage first; the replay then extends it
            end = datetime.fromisoformat(recovered["timestamp"]).isoformat()
            current = await wait_outages(api, lambda found: found[0]["end"] == end)
        (outage,) = current
        assert outage["start"] == opened[0]["start"]
        assert set(outage["causes"]) == {"connectivity", "hardware"}


async def test_v201_notify_event_problem_opens_and_clears_an_outage(mnt: Running) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    url = mnt.charger_url("CP1")
    async with connect_charger(url, user="CP1", password=PASSWORD, version="ocpp2.0.1") as cp:
        await cp.result("BootNotification", v201_boot())
        status = {
            "timestamp": iso(now),
            "connectorStatus": "Available",
            "evseId": 1,
            "connectorId": 1,
        }
        await cp.result("StatusNotification", status)

        def problem(at: datetime, value: str, **extra: Any) -> dict[str, Any]:
            event = {
                "eventId": 1,
                "timestamp": iso(at),
                "trigger": "Alerting",
                "actualValue": value,
                "techCode": "GroundFailure",
                "eventNotificationType": "HardWiredNotification",
                "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
                "variable": {"name": "Problem"},
                **extra,
            }
            return {"generatedAt": iso(at), "seqNo": 0, "eventData": [event]}

        await cp.result("NotifyEvent", problem(now + timedelta(seconds=1), "true"))
        async with await client(mnt) as api:
            (opened,) = await wait_outages(api, bool)
            assert (opened["port_id"], opened["cause"], opened["end"]) == (
                "CP1/1/1",
                "hardware",
                None,
            )
            await cp.result(
                "NotifyEvent", problem(now + timedelta(seconds=2), "false", cleared=True)
            )
            (closed,) = await wait_outages(api, lambda found: found[0]["end"])
            assert closed["end"] == (now + timedelta(seconds=2)).isoformat()
