"""/api/v1/tokens, /transactions and /flags."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from evgw.domain import MeterBatch, MeterSample, StartTx, StopTx, TokenStatus

from tests.integration.test_api_support import Api, error_of, open_api, violated_fields

T0 = datetime(2030, 5, 1, 10, 0, tzinfo=UTC)
ENERGY = "Energy.Active.Import.Register"


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with open_api() as api:
        yield api


async def test_put_creates_then_replaces(api: Api) -> None:
    body = {"status": "Accepted", "expires_at": "2031-01-01T12:00:00+02:00", "owner": "acct-7"}
    created = await api.request("PUT", "tokens/04A1B2C3", json=body)
    assert created.status_code == 201
    assert created.json() == {
        "id": "04A1B2C3",
        "type": "ISO14443",
        "status": "Accepted",
        "expires_at": "2031-01-01T10:00:00Z",
        "group_id": None,
        "owner": "acct-7",
    }
    replaced = await api.request(
        "PUT", "tokens/04A1B2C3", json={"status": "Blocked", "type": "Central", "group_id": "G1"}
    )
    assert replaced.status_code == 200
    expected = {**created.json(), "status": "Blocked", "type": "Central", "group_id": "G1"}
    expected.update(expires_at=None, owner=None)  # PUT replaces the whole token
    assert replaced.json() == expected
    assert (await api.request("GET", "tokens/04A1B2C3")).json() == expected
    stored = await api.store.get_token("04A1B2C3")
    assert stored is not None
    assert stored.status is TokenStatus.BLOCKED


async def test_list_and_delete(api: Api) -> None:
    for tag in ("A1", "B2"):
        await api.request("PUT", f"tokens/{tag}", json={"status": "Accepted"})
    listed = (await api.request("GET", "tokens")).json()
    assert sorted(t["id"] for t in listed["items"]) == ["A1", "B2"]
    assert (await api.request("DELETE", "tokens/A1")).status_code == 204
    for method in ("GET", "DELETE"):
        response = await api.request(method, "tokens/A1")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"status"}),
        ({"status": "ConcurrentTx"}, {"status"}),
        ({"status": "accepted"}, {"status"}),
        ({"status": "Accepted", "expires_at": "2031-01-01T12:00:00"}, {"expires_at"}),
        ({"status": "Accepted", "expires_at": "2031-01-01"}, {"expires_at"}),
        ({"status": "Accepted", "expires_at": "20310101T120000Z"}, {"expires_at"}),
        ({"status": "Accepted", "expires_at": "2031-02-30T12:00:00Z"}, {"expires_at"}),
        ({"status": "Accepted", "expires_at": 1900000000}, {"expires_at"}),
        ({"status": "Accepted", "type": ""}, {"type"}),
        ({"status": "Accepted", "type": "x" * 21}, {"type"}),
        ({"status": "Accepted", "owner": 7}, {"owner"}),
        ({"status": "Accepted", "id": "other"}, {"id"}),
    ],
)
async def test_put_rejects(api: Api, body: object, fields: set[str]) -> None:
    assert violated_fields(await api.request("PUT", "tokens/T1", json=body)) == fields
    assert (await api.request("GET", "tokens/T1")).status_code == 404


@pytest.mark.parametrize("token_id", ["with%20space", "x" * 256])
async def test_put_rejects_bad_id(api: Api, token_id: str) -> None:
    response = await api.request("PUT", f"tokens/{token_id}", json={"status": "Accepted"})
    assert violated_fields(response) == {"id"}


async def _transactions(api: Api) -> tuple[str, str]:
    await api.register("CP1")
    await api.register("CP2")
    first = await api.store.start_transaction(
        StartTx("CP1", 1, 1, "TAG1", 1000, started_at=T0, received_at=T0)
    )
    await api.store.add_meter_values(
        MeterBatch(
            "CP1",
            1,
            1,
            first.transaction_id,
            first.ocpp16_id,
            (
                MeterSample(
                    T0 + timedelta(minutes=5), "Energy.Active.Import.Register", "1500", "Wh"
                ),
            ),
            received_at=T0,
        )
    )
    second = await api.store.start_transaction(
        StartTx("CP2", 1, 1, "TAG2", 0, started_at=T0, received_at=T0)
    )
    await api.store.stop_transaction(
        StopTx("CP2", second.ocpp16_id, second.transaction_id, "TAG2", 500, T0, T0)
    )
    return first.transaction_id, second.transaction_id


async def test_transactions(api: Api) -> None:
    active, completed = await _transactions(api)
    listed = (await api.request("GET", "transactions")).json()
    assert {t["id"] for t in listed["items"]} == {active, completed}
    assert all("samples" not in t for t in listed["items"])
    by_charger = (await api.request("GET", "transactions?charger_id=CP2")).json()
    assert [t["id"] for t in by_charger["items"]] == [completed]
    by_status = (await api.request("GET", "transactions?status=active")).json()
    assert [t["id"] for t in by_status["items"]] == [active]
    one = (await api.request("GET", f"transactions/{active}")).json()
    assert (one["charger_id"], one["status"], one["started_at"]) == (
        "CP1",
        "active",
        "2030-05-01T10:00:00Z",
    )
    assert [s["value"] for s in one["samples"]] == ["1500"]


async def test_unknown_transaction_is_404(api: Api) -> None:
    response = await api.request("GET", "transactions/nope")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ("status=running", {"status"}),
        ("charger_id=a:b", {"charger_id"}),
        ("limit=0", {"limit"}),
        ("chargerid=CP1", {"chargerid"}),
    ],
)
async def test_transaction_query_rejects(api: Api, query: str, fields: set[str]) -> None:
    assert violated_fields(await api.request("GET", f"transactions?{query}")) == fields


async def test_orphan_stop_is_flagged(api: Api) -> None:
    await api.register("CP1")
    await api.store.stop_transaction(StopTx("CP1", -1, None, "TAG1", 10, T0, T0))
    flags = (await api.request("GET", "flags")).json()["items"]
    assert flags
    assert flags[0]["charger_id"] == "CP1"
    assert set(flags[0]) == {"id", "kind", "charger_id", "transaction_id", "detail", "created_at"}
    assert violated_fields(await api.request("GET", "flags?offset=x")) == {"offset"}
