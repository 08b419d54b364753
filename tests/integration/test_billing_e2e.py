"""Billing end to end over real sockets: tariff via the API, a 1.6 charger session, one CDR
with the exact amount, whatever the charger retries; a tariff change never reprices."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from evgw.billing._service import BillingService
from evgw.domain import Role
from evgw.testing import connect_charger, wait_until

from tests.integration.gateway_fixtures import (
    PASSWORD,
    Running,
    add_token,
    api_client,
    register,
    server_config,
    start_server,
)
from tests.integration.metrics_scrape import delta, scrape, value
from tests.integration.test_gateway_v16 import BOOT, ts


@pytest.fixture
async def running(
    nursery: trio.Nursery, tmp_path: Path, durable_store_url: str
) -> AsyncIterator[Running]:
    """A real server on SQLite and on PostgreSQL (EVGW_TEST_PG_URL)."""
    run = await start_server(nursery, server_config(tmp_path, durable_store_url))
    await register(run, "CP1")
    await add_token(run, "TAG1")
    yield run
    run.server.stop()


async def eventually(check: Callable[[], Awaitable[object]], within: float = 10.0) -> None:
    """Poll an async condition over the API until it holds."""
    with trio.fail_after(within):
        for _ in range(int(within / 0.02) + 1):
            if await check():
                return
            await trio.sleep(0.02)


TARIFF = {
    "country_code": "DE",
    "party_id": "EVG",
    "currency": "EUR",
    "elements": [
        {
            "price_components": [
                {"type": "FLAT", "price": 0.50, "vat": 20.0, "step_size": 1},
                {"type": "ENERGY", "price": 0.25, "vat": 20.0, "step_size": 1},
                {"type": "PARKING_TIME", "price": 2.40, "vat": 20.0, "step_size": 300},
            ]
        }
    ],
    "last_updated": "2026-11-01T00:00:00Z",
}


def register_value(wh: int, minutes: float) -> list[dict[str, object]]:
    sampled = [{"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]
    return [{"timestamp": ts(minutes), "sampledValue": sampled}]


@pytest.fixture
async def api(running: Running) -> AsyncIterator[httpx.AsyncClient]:
    async with await api_client(running, Role.OPERATOR) as client:
        yield client


async def put_tariff(api: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await api.put("/tariffs/T1", json=body)


async def cdrs(api: httpx.AsyncClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await api.get("/cdrs")).json()["items"]
    return items


async def test_session_to_exactly_one_cdr_with_the_exact_amount(
    running: Running, api: httpx.AsyncClient
) -> None:
    saved = await put_tariff(api, TARIFF)
    assert saved.status_code == 201, saved.text
    assigned = await api.put(
        "/tariff-assignments", json={"scope": "default", "target": "*", "tariff_id": "T1"}
    )
    assert assigned.status_code == 200, assigned.text
    before = await scrape(running.api_url)

    url = running.charger_url("CP1")
    async with connect_charger(url, user="CP1", password=PASSWORD) as cp:
        await cp.result("BootNotification", BOOT)
        # An odometer of 1,234 kWh: the session counts from it, never from 0.
        start = {"connectorId": 1, "idTag": "TAG1", "meterStart": 1_234_000, "timestamp": ts()}
        tx = (await cp.result("StartTransaction", start))["transactionId"]
        await cp.result("StartTransaction", start)  # lost .conf: the same transaction
        service = next(c for c in running.server.components if isinstance(c, BillingService))

        # The tariff changes mid-session: the running session keeps the start price.
        await wait_until(lambda: running.server.store is not None)
        tx_id = await _tx_id(api)
        await _wait_snapshot(api, tx_id)
        dearer = {
            **TARIFF,
            "elements": [
                {
                    "price_components": [
                        {"type": "ENERGY", "price": 0.99, "vat": 20.0, "step_size": 1}
                    ]
                }
            ],
        }
        assert (await put_tariff(api, dearer)).status_code == 200

        for wh, minutes in [(1_239_000, 10), (1_244_000, 20)]:
            values = {
                "connectorId": 1,
                "transactionId": tx,
                "meterValue": register_value(wh, minutes),
            }
            await cp.result("MeterValues", values)
            await cp.result("MeterValues", values)  # a replay changes nothing
        cost_url = f"/transactions/{tx_id}/cost"
        running_cost = (await api.get(cost_url, params={"at": ts(20)})).json()
        assert running_cost["final"] is False
        stop = {"transactionId": tx, "meterStop": 1_244_000, "timestamp": ts(30)}
        await cp.result("StopTransaction", stop)
        await cp.result("StopTransaction", stop)  # resent after a reboot

    async def one_cdr() -> bool:
        return len(await cdrs(api)) == 1

    await eventually(one_cdr)
    await service.sweep()  # a later pass (or a restart) issues nothing new
    assert await service.bill(tx_id) == "exists"
    (item,) = await cdrs(api)
    cdr = item["cdr"]
    # FLAT 0.50 + 10 kWh x 0.25 = 2.50 + parking 20-30 min (10 min, a multiple of the 5-min
    # step) x 2.40/h = 0.40: 3.40 excl; every component has 20 % VAT: 4.08 incl.
    assert cdr["total_cost"] == {"excl_vat": 3.40, "incl_vat": 4.08}
    assert cdr["total_energy"] == 10.0
    assert cdr["total_parking_time"] == pytest.approx(0.1667)
    assert cdr["total_time"] == 0.5
    assert cdr["tariffs"][0]["elements"] == TARIFF["elements"]  # the snapshot, not the new one
    assert cdr["evgw"]["tariff_version"] == 1
    phases = [[d["type"] for d in p["dimensions"]] for p in cdr["charging_periods"]]
    assert phases == [["ENERGY", "TIME", "MAX_POWER"], ["ENERGY", "PARKING_TIME"]]
    # At 20 min: FLAT 0.50 + 10 kWh x 0.25 = 3.00 excl, 3.60 incl: below the final 4.08.
    assert running_cost["priced"]["total_cost"] == {"excl_vat": "3", "incl_vat": "3.6"}
    # /metrics: one CDR, its revenue, both pricing kinds timed, the later pass saw it exist
    after = await scrape(running.api_url)
    assert delta(before, after, "evgw_billing_cdrs_issued_total") == 1
    assert delta(before, after, "evgw_billing_revenue_total", currency="EUR") == pytest.approx(4.08)
    assert delta(before, after, "evgw_billing_sessions_total", outcome="issued") == 1
    assert delta(before, after, "evgw_billing_sessions_total", outcome="exists") >= 1
    for kind in ("final", "running"):
        assert delta(before, after, "evgw_billing_pricing_seconds_count", kind=kind) >= 1
    assert value(after, "evgw_billing_pricing_seconds_sum", kind="final") > 0

    await correct_and_check_the_books(api, item["id"])
    # the correction: its credit note (4.08) and its repriced CDR (4.68); net of credit
    # notes, the session's revenue is the corrected 4.68
    corrected = await scrape(running.api_url)
    assert delta(after, corrected, "evgw_billing_cdrs_issued_total") == 1
    assert delta(after, corrected, "evgw_billing_revenue_total", currency="EUR") == pytest.approx(
        4.68
    )
    assert delta(before, corrected, "evgw_billing_credited_total", currency="EUR") == pytest.approx(
        4.08
    )
    gross = delta(before, corrected, "evgw_billing_revenue_total", currency="EUR")
    credited = delta(before, corrected, "evgw_billing_credited_total", currency="EUR")
    assert gross - credited == pytest.approx(4.68)

    csv = await api.get("/cdrs", params={"format": "csv"})
    assert csv.status_code == 200
    assert csv.text.count("\n") == 4  # header, the CDR, its credit, the corrected one
    final = (await api.get(f"/transactions/{tx_id}/cost")).json()
    assert final["final"] is True
    assert final["priced"]["total_cost"] == {"excl_vat": "3.4", "incl_vat": "4.08"}


async def _tx_id(api: httpx.AsyncClient) -> str:
    items = (await api.get("/transactions")).json()["items"]
    return str(items[0]["id"])


async def _wait_snapshot(api: httpx.AsyncClient, tx_id: str) -> None:
    async def frozen() -> bool:
        return (await api.get(f"/transactions/{tx_id}/cost")).json()["tariff_id"] is not None

    await eventually(frozen)


async def test_a_meter_reset_holds_the_session_and_issues_no_cdr(
    running: Running, api: httpx.AsyncClient
) -> None:
    assert (await put_tariff(api, TARIFF)).status_code == 201
    await api.put(
        "/tariff-assignments", json={"scope": "charger", "target": "CP1", "tariff_id": "T1"}
    )
    url = running.charger_url("CP1")
    async with connect_charger(url, user="CP1", password=PASSWORD) as cp:
        await cp.result("BootNotification", BOOT)
        start = {"connectorId": 1, "idTag": "TAG1", "meterStart": 50_000, "timestamp": ts()}
        tx = (await cp.result("StartTransaction", start))["transactionId"]
        values = {"connectorId": 1, "transactionId": tx, "meterValue": register_value(120, 5)}
        await cp.result("MeterValues", values)  # the register went backwards: a new meter?
        stop = {"transactionId": tx, "meterStop": 1_120, "timestamp": ts(10)}
        await cp.result("StopTransaction", stop)

    async def held() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await api.get("/billing/holds")).json()["items"]
        return items

    await eventually(held)
    (hold,) = await held()
    assert hold["reason"] == "meter"
    assert hold["detail"] == {"flags": ["meter_reset"]}
    assert await cdrs(api) == []
    service = next(c for c in running.server.components if isinstance(c, BillingService))
    await service.sweep()  # the gauge of held sessions is refreshed by every sweep
    assert value(await scrape(running.api_url), "evgw_billing_held_sessions") == 1


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"currency": "EUX"}, "/currency", "invalid"),
        (
            {"elements": [{"price_components": [{"type": "ENERGY", "price": -1, "step_size": 1}]}]},
            "/elements/0/price_components/0/price",
            "invalid",
        ),
        (
            {"elements": [{"price_components": [{"type": "TIME", "price": 2, "step_size": 0}]}]},
            "/elements/0/price_components/0/step_size",
            "step_size_zero",
        ),
        (
            {
                "elements": [
                    {
                        "price_components": [
                            {"type": "ENERGY", "price": 1, "step_size": 1},
                            {"type": "ENERGY", "price": 2, "step_size": 1},
                        ]
                    }
                ]
            },
            "/elements/0/price_components/1",
            "duplicate_dimension",
        ),
        (
            {
                "elements": [
                    {
                        "price_components": [{"type": "TIME", "price": 2, "step_size": 1}],
                        "restrictions": {"min_kwh": 10, "max_kwh": 5},
                    }
                ]
            },
            "/elements/0/restrictions",
            "contradictory_restriction",
        ),
    ],
)
async def test_bad_tariffs_are_rejected_with_the_field(
    running: Running, api: httpx.AsyncClient, change: dict[str, Any], field: str, code: str
) -> None:
    reply = await put_tariff(api, {**TARIFF, **change})
    assert reply.status_code == 422, reply.text
    details = reply.json()["error"]["details"]
    assert details[0]["field"] == field
    assert details[0]["code"] == code
    assert (await api.get("/tariffs/T1")).status_code == 404  # nothing was stored


async def test_warnings_are_returned_and_versions_count_up(
    running: Running, api: httpx.AsyncClient
) -> None:
    windowed = {
        **TARIFF,
        "elements": [
            {
                "price_components": [{"type": "TIME", "price": 2, "step_size": 60}],
                "restrictions": {"start_time": "08:00", "end_time": "18:00"},
            }
        ],
    }
    first = await put_tariff(api, windowed)
    assert first.status_code == 201
    codes = {w["code"] for w in first.json()["warnings"]}
    assert {"no_default_element", "gap"} <= codes
    second = await put_tariff(api, TARIFF)
    assert (second.status_code, second.json()["version"]) == (200, 2)
    assert second.json()["sha256"] != first.json()["sha256"]


async def correct_and_check_the_books(api: httpx.AsyncClient, cdr_id: str) -> None:
    """ENERGY was meant to be 0.30: a credit CDR and a new one, never an edit in place; the
    ledger nets to the corrected amount and balances."""
    corrected = {
        **TARIFF,
        "elements": [
            {
                "price_components": [
                    {"type": "FLAT", "price": 0.50, "vat": 20.0, "step_size": 1},
                    {"type": "ENERGY", "price": 0.30, "vat": 20.0, "step_size": 1},
                    {"type": "PARKING_TIME", "price": 2.40, "vat": 20.0, "step_size": 300},
                ]
            }
        ],
    }
    reply = await api.post(f"/cdrs/{cdr_id}/correct", json={"tariff": corrected})
    assert reply.status_code == 201, reply.text
    ids = reply.json()
    assert ids == {"credit": f"{cdr_id}-C", "cdr": f"{cdr_id}-2"}
    again = await api.post(f"/cdrs/{cdr_id}/correct", json={})
    assert again.status_code == 409
    assert (await api.post("/cdrs/nope/correct", json={})).status_code == 404
    by_id = {c["id"]: c["cdr"] for c in await cdrs(api)}
    assert by_id[cdr_id]["total_cost"] == {"excl_vat": 3.40, "incl_vat": 4.08}  # unchanged
    credit = by_id[ids["credit"]]
    assert credit["credit"] is True
    assert credit["credit_reference_id"] == cdr_id
    assert credit["total_cost"] == {"excl_vat": -3.40, "incl_vat": -4.08}
    # 0.50 + 10 x 0.30 + 0.40 = 3.90 excl, 4.68 incl.
    assert by_id[ids["cdr"]]["total_cost"] == {"excl_vat": 3.90, "incl_vat": 4.68}
    books = (await api.get("/billing/ledger")).json()
    assert {c: Decimal(v) for c, v in books["trial_balance"].items()} == {"EUR": 0}
    balance = {b["account"]: Decimal(b["balance"]) for b in books["balances"]}
    expected = {"receivable:TAG1": "4.68", "revenue": "-3.90", "vat": "-0.78"}
    assert balance == {k: Decimal(v) for k, v in expected.items()}
