"""OCPP 2.0.1 TransactionEvent (block E): durable, idempotent on (charger, transactionId, seqNo),
out-of-order offline replays land on one transaction; what looks wrong is flagged, not refused."""

from __future__ import annotations

from typing import Any

from evgw.domain import Role
from evgw.testing import connect_charger

from tests.conformance.v201_frames import (
    V201,
    full_transaction,
    meter_value,
    register_sample,
    tx_event,
)
from tests.integration.gateway_fixtures import PASSWORD, Running, api_client, running

__all__ = ["running"]


async def send_all(running: Running, payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    url = running.charger_url("CP1")
    async with connect_charger(url, version=V201, user="CP1", password=PASSWORD) as cp:
        return [await cp.result("TransactionEvent", p) for p in payloads]


async def stored(running: Running, tx_id: str = "TX-1") -> Any:
    store = running.server.store
    assert store is not None
    tx = await store.find_transaction_by_ocpp_id("CP1", tx_id)
    assert tx is not None
    return await store.get_transaction(tx.id, with_samples=True)


async def flag_kinds(running: Running) -> list[str]:
    return [f.kind for f in await running.server.store.list_flags()]  # type: ignore[union-attr]


async def test_TC_E_01_full_transaction_is_stored(running: Running) -> None:
    replies = await send_all(running, full_transaction())
    assert replies[0] == {"idTokenInfo": {"status": "Accepted"}}
    assert replies[1:] == [{}, {}]
    tx = await stored(running)
    assert (tx.status, tx.evse_id, tx.connector_id, tx.id_token) == ("completed", 1, 1, "TAG1")
    assert (tx.meter_start_wh, tx.meter_stop_wh, tx.energy_wh) == (1000, 4000, 3000)
    assert (tx.stop_reason, tx.ocpp16_id, tx.flags) == ("EVDisconnected", None, ())
    assert [(s.measurand, s.value, s.unit) for s in tx.samples] == [
        ("Energy.Active.Import.Register", "1000", "Wh"),
        ("Energy.Active.Import.Register", "2.5", "kWh"),
        ("Power.Active.Import", "7400", "W"),
        ("Energy.Active.Import.Register", "4000", "Wh"),
    ]


async def test_transactions_api_lists_16_and_201_alike(running: Running) -> None:
    await send_all(running, full_transaction())
    url = running.charger_url("CP1")
    async with connect_charger(url, user="CP1", password=PASSWORD) as cp:
        start = {
            "connectorId": 2,
            "idTag": "TAG1",
            "meterStart": 5,
            "timestamp": "2026-11-26T13:00:00Z",
        }
        await cp.result("StartTransaction", start)
    async with await api_client(running, Role.VIEWER) as http:
        items = (await http.get("/transactions")).json()["items"]
    by_version = {("2.x" if i["ocpp_transaction_id"] else "1.6"): i for i in items}
    assert by_version["2.x"]["ocpp_transaction_id"] == "TX-1"
    assert by_version["2.x"]["energy_wh"] == 3000
    assert by_version["1.6"]["ocpp16_id"] is not None
    assert set(by_version["2.x"]) == set(by_version["1.6"])


async def test_TC_E_retried_seq_no_has_one_effect(running: Running) -> None:
    events = full_transaction()
    replies = await send_all(running, [events[0], events[0], events[1], events[1], events[2]])
    assert replies[1] == replies[0]
    tx = await stored(running)
    assert len(tx.samples) == 4
    assert tx.energy_wh == 3000
    assert await flag_kinds(running) == []


async def test_TC_E_offline_events_replayed_out_of_order(running: Running) -> None:
    started, updated, ended = full_transaction()
    offline = [{**e, "offline": True} for e in (ended, updated, started)]
    await send_all(running, offline)
    tx = await stored(running)
    assert (tx.status, tx.energy_wh, tx.stop_reason) == ("completed", 3000, "EVDisconnected")
    assert tx.started_at is not None
    assert tx.stopped_at > tx.started_at
    assert len(tx.samples) == 4
    # The Ended arrived first: kept for review, then completed by the late Started.
    assert "ended_without_started" in tx.flags


async def test_S23_seq_no_gap_is_flagged(running: Running) -> None:
    started, updated, _ = full_transaction()
    later = tx_event("Updated", 3, trigger="MeterValuePeriodic")
    await send_all(running, [started, updated, later, updated])
    tx = await stored(running)
    assert tx.flags == ("seq_gap",)
    assert tx.status == "active"


async def test_ended_before_started_is_an_orphan_for_review(running: Running) -> None:
    ended = tx_event(
        "Ended",
        5,
        "TX-9",
        meterValue=[meter_value(3, register_sample(900, "Transaction.End"))],
        info={"stoppedReason": "PowerLoss"},
    )
    assert await send_all(running, [ended]) == [{}]
    tx = await stored(running, "TX-9")
    assert (tx.status, tx.meter_stop_wh, tx.energy_wh) == ("orphan", 900, None)
    assert tx.flags == ("ended_without_started",)


async def test_unknown_transaction_id_makes_a_placeholder(running: Running) -> None:
    update = tx_event("Updated", 4, "TX-UNKNOWN", evse={"id": 2}, trigger="MeterValuePeriodic")
    assert await send_all(running, [update, update]) == [{}, {}]
    tx = await stored(running, "TX-UNKNOWN")
    assert (tx.status, tx.evse_id, tx.started_at) == ("active", 2, None)
    assert tx.flags == ("started_missing",)


async def test_signed_meter_value_kept_byte_exact(running: Running) -> None:
    signed_data = "AQIDBAUG+/=="
    sample = {
        **register_sample(1234.50, "Transaction.Begin"),
        "signedMeterValue": {
            "signedMeterData": signed_data,
            "signingMethod": "ECDSA-secp256r1-SHA256",
            "encodingMethod": "OCMF",
            "publicKey": "",
        },
    }
    started = {**full_transaction()[0], "meterValue": [meter_value(0, sample)]}
    await send_all(running, [started])
    tx = await stored(running)
    assert [(s.value, s.format) for s in tx.samples] == [
        ("1234.5", "Raw"),
        (signed_data, "SignedData"),
    ]
    assert tx.samples[1].unit == "ECDSA-secp256r1-SHA256/OCMF"
    assert tx.meter_start_wh == 1234  # registers are floored to whole Wh
