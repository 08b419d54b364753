"""Receipts, statements and OCMF signed meter values end to end (real sockets, SQLite and
PostgreSQL): a 1.6 session billed to a receipt whose lines add up to the CDR's total; the
account's monthly statement; a session with valid OCMF Begin/End records (key registered
over the API) billed as verified; a tampered End record held from billing until released."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from evgw.domain import IdToken
from evgw.testing import connect_charger

from tests.integration import test_billing_e2e as e2e
from tests.integration.gateway_fixtures import PASSWORD, Running
from tests.integration.test_billing_e2e import TARIFF, cdrs, eventually, put_tariff, register_value
from tests.integration.test_gateway_v16 import BOOT, ts
from tests.unit.test_billing_ocmf import public_hex, reading, record

running, api = e2e.running, e2e.api  # the fixtures: a server on SQLite and PostgreSQL


async def assign(api: httpx.AsyncClient) -> None:
    assert (await put_tariff(api, TARIFF)).status_code == 201
    body = {"scope": "default", "target": "*", "tariff_id": "T1"}
    assert (await api.put("/tariff-assignments", json=body)).status_code == 200


def signed(value: str, context: str, minutes: float) -> list[dict[str, Any]]:
    sampled = [
        {
            "value": value,
            "format": "SignedData",
            "context": context,
            "measurand": "Energy.Active.Import.Register",
        }
    ]
    return [{"timestamp": ts(minutes), "sampledValue": sampled}]


async def session(
    running: Running,
    tag: str,
    *,
    begin: str | None = None,
    end: str | None = None,
    at: float = 0,
) -> None:
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        await cp.result("BootNotification", BOOT)
        start = {"connectorId": 1, "idTag": tag, "meterStart": 1_000, "timestamp": ts(at)}
        tx = (await cp.result("StartTransaction", start))["transactionId"]
        if begin is not None:
            await cp.result(
                "MeterValues",
                {
                    "connectorId": 1,
                    "transactionId": tx,
                    "meterValue": signed(begin, "Transaction.Begin", at),
                },
            )
        values = {
            "connectorId": 1,
            "transactionId": tx,
            "meterValue": register_value(11_000, at + 20),
        }
        await cp.result("MeterValues", values)
        stop: dict[str, Any] = {"transactionId": tx, "meterStop": 11_000, "timestamp": ts(at + 30)}
        if end is not None:
            stop["transactionData"] = signed(end, "Transaction.End", at + 30)
        await cp.result("StopTransaction", stop)


async def test_receipt_adds_up_and_the_statement_lists_the_session(
    running: Running, api: httpx.AsyncClient
) -> None:
    await assign(api)
    store = running.server.store
    assert store is not None
    await store.put_token(IdToken(id="TAG9", owner="fleet-7"))
    await session(running, "TAG9")

    async def one() -> bool:
        return len(await cdrs(api)) == 1

    await eventually(one)
    (item,) = await cdrs(api)
    r = (await api.get(f"/cdrs/{item['id']}/receipt")).json()
    # FLAT 0.50 + 10 kWh x 0.25 + parking 10 min x 2.40/h = 3.40 excl, 4.08 incl (20 % VAT)
    assert (r["total_excl_vat"], r["total_incl_vat"], r["tax_total"]) == ("3.40", "4.08", "0.68")
    assert r["energy_kwh"] == "10.0000"
    assert r["price_per_kwh_excl_vat"] == ["0.25"]
    assert (r["charging_hours"], r["parking_hours"]) == ("0.3333", "0.1667")
    assert r["station_id"] == "CP1"
    assert [line["description"] for line in r["lines"]] == [
        "Session fee",
        "Energy",
        "Parking time",
    ]
    shown = sum(Decimal(x["amount_incl_vat"]) for x in r["lines"] + r["adjustments"])
    assert shown == Decimal("4.08")
    assert r["taxes"] == [{"name": "VAT", "rate_percent": "20", "base": "3.40", "amount": "0.68"}]
    again = (await api.get(f"/cdrs/{item['id']}/receipt")).json()
    assert again["receipt_number"] == r["receipt_number"]
    page = await api.get(f"/cdrs/{item['id']}/receipt", params={"format": "html"})
    assert page.headers["content-type"].startswith("text/html")
    assert "Energy delivered (kWh)" in page.text
    assert "<td class='n'>4.08</td>" in page.text
    assert (await api.get("/cdrs/nope/receipt")).status_code == 404

    month = ts()[:7]
    st = (await api.get("/billing/statements/fleet-7", params={"month": month})).json()
    assert [i["cdr_id"] for i in st["items"]] == [item["id"]]
    assert st["totals"] == [
        {"currency": "EUR", "total_excl_vat": "3.4", "total_incl_vat": "4.08", "vat": "0.68"}
    ]
    other = (await api.get("/billing/statements/fleet-7", params={"month": "2020-01"})).json()
    assert other["items"] == []
    bad = await api.get("/billing/statements/fleet-7", params={"month": "2026-13"})
    assert bad.status_code == 422
    html = await api.get("/billing/statements/fleet-7", params={"month": month, "format": "html"})
    assert item["id"] in html.text


async def test_ocmf_verified_and_a_tampered_record_held_until_released(
    running: Running, api: httpx.AsyncClient
) -> None:
    await assign(api)
    key = ec.generate_private_key(ec.SECP256R1())
    bad = await api.put("/billing/meter-keys/M-0001", json={"public_key": "zz-not-a-key"})
    assert bad.status_code == 422
    put = await api.put("/billing/meter-keys/M-0001", json={"public_key": public_hex(key)})
    assert put.status_code == 200
    begin = record(key, [reading("B", 1.0)], page=1)
    end = record(key, [reading("E", 11.0)], page=2)
    await session(running, "TAG1", begin=begin, end=end)

    async def count(n: int) -> bool:
        return len(await cdrs(api)) == n

    await eventually(lambda: count(1))
    (first,) = await cdrs(api)
    assert first["cdr"]["evgw"]["signed_data_check"] == "verified"
    values = first["cdr"]["signed_data"]["signed_values"]
    assert [v["plain_data"] for v in values] == [begin, end]  # byte-exact

    tampered = end.replace('"RV": 11.0', '"RV": 12.0')
    await session(running, "TAG1", begin=begin, end=tampered, at=60)

    async def held() -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await api.get("/billing/holds")).json()["items"]
        return items

    await eventually(held)
    (hold,) = await held()
    assert hold["reason"] == "signature"
    assert hold["detail"] == {"problems": ["record 1: signature invalid"]}
    assert len(await cdrs(api)) == 1
    tx_id = hold["transaction_id"]
    assert (await api.post("/billing/holds/nope/release", json={"reason": "x"})).status_code == 404
    ok = await api.post(f"/billing/holds/{tx_id}/release", json={"reason": "meter checked"})
    assert ok.status_code == 200
    await eventually(lambda: count(2))
    second = next(c for c in await cdrs(api) if c["transaction_id"] == tx_id)
    assert second["cdr"]["evgw"]["released"] == "meter checked"
    assert second["cdr"]["evgw"]["signed_data_check"] == "failed"
