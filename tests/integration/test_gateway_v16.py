"""OCPP 1.6J charger-initiated messages end to end over a real socket with the SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from evgw.domain import BootPolicy, TokenStatus
from evgw.testing import connect_charger

from tests.integration.gateway_fixtures import PASSWORD, Running, add_token, register, running

__all__ = ["running"]

BOOT = {"chargePointVendor": "ACME", "chargePointModel": "Fast-1", "firmwareVersion": "1.2.3"}


def ts(minutes: float = 0) -> str:
    return (datetime(2026, 11, 26, 12, 0, tzinfo=UTC) + timedelta(minutes=minutes)).isoformat()


def meter(wh: int, minutes: float) -> list[dict[str, object]]:
    return [
        {
            "timestamp": ts(minutes),
            "sampledValue": [
                {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                {"value": "7400", "measurand": "Power.Active.Import", "unit": "W"},
            ],
        }
    ]


async def test_boot_heartbeat_status(running: Running) -> None:
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        boot = await cp.result("BootNotification", BOOT)
        assert boot["status"] == "Accepted"
        assert boot["interval"] == 300
        assert (await cp.result("Heartbeat", {}))["currentTime"].endswith("Z")
        status = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}
        assert await cp.result("StatusNotification", status) == {}
    record = await running.server.store.get_charger("CP1")  # type: ignore[union-attr]
    assert record is not None
    assert (record.vendor, record.model, record.firmware_version) == ("ACME", "Fast-1", "1.2.3")
    assert [(c.evse_id, c.connector_id, c.status) for c in record.connectors] == [
        (1, 1, "Available")
    ]


async def test_boot_pending_by_registration(running: Running) -> None:
    await register(running, "CP2", boot_policy=BootPolicy.PENDING)
    async with connect_charger(running.charger_url("CP2"), user="CP2", password=PASSWORD) as cp:
        boot = await cp.result("BootNotification", BOOT)
    assert boot["status"] == "Pending"
    assert boot["interval"] == 60


async def test_authorize_statuses(running: Running) -> None:
    past = datetime(2020, 1, 1, tzinfo=UTC)
    await add_token(running, "BLOCKED", TokenStatus.BLOCKED)
    await add_token(running, "OLD", TokenStatus.ACCEPTED, expires_at=past)
    await add_token(running, "CHILD", TokenStatus.ACCEPTED, group_id="FLEET7")
    expected = {
        "TAG1": "Accepted",
        "BLOCKED": "Blocked",
        "OLD": "Expired",
        "NOBODY": "Invalid",
        "CHILD": "Accepted",
    }
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        for tag, status in expected.items():
            info = (await cp.result("Authorize", {"idTag": tag}))["idTagInfo"]
            assert info["status"] == status, tag
            assert info.get("parentIdTag") == ("FLEET7" if tag == "CHILD" else None)


async def test_transaction_lifecycle_is_stored(running: Running) -> None:
    store = running.server.store
    assert store is not None
    start = {"connectorId": 1, "idTag": "TAG1", "meterStart": 1000, "timestamp": ts(0)}
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        started = await cp.result("StartTransaction", start)
        tx16 = started["transactionId"]
        assert started["idTagInfo"]["status"] == "Accepted"
        mv = {"connectorId": 1, "transactionId": tx16, "meterValue": meter(2500, 10)}
        assert await cp.result("MeterValues", mv) == {}
        stop = {
            "transactionId": tx16,
            "meterStop": 4000,
            "timestamp": ts(30),
            "reason": "EVDisconnected",
            "transactionData": meter(4000, 30),
        }
        assert await cp.result("StopTransaction", stop) == {}
    tx = await store.find_transaction_by_ocpp16_id("CP1", tx16)
    assert tx is not None
    full = await store.get_transaction(tx.id, with_samples=True)
    assert full is not None
    assert (full.status, full.meter_start_wh, full.meter_stop_wh, full.energy_wh) == (
        "completed",
        1000,
        4000,
        3000,
    )
    assert full.stop_reason == "EVDisconnected"
    assert len(full.samples) == 4


async def test_retried_start_returns_same_id(running: Running) -> None:
    start = {"connectorId": 2, "idTag": "TAG1", "meterStart": 50, "timestamp": ts(5)}
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        first = await cp.result("StartTransaction", start)
        second = await cp.result("StartTransaction", start)
        stop = {"transactionId": first["transactionId"], "meterStop": 60, "timestamp": ts(9)}
        await cp.result("StopTransaction", stop)
        await cp.result("StopTransaction", stop)  # retried stop: same effect
    assert first["transactionId"] == second["transactionId"]
    txs = await running.server.store.list_transactions(charger_id="CP1")  # type: ignore[union-attr]
    assert len(txs) == 1
    assert txs[0].meter_stop_wh == 60


async def test_unknown_stop_is_accepted_and_flagged(running: Running) -> None:
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        for tx in (-1, 987654):
            reply = await cp.call(
                "StopTransaction", {"transactionId": tx, "meterStop": 10, "timestamp": ts()}
            )
            assert reply[0] == 3
    flags = await running.server.store.list_flags()  # type: ignore[union-attr]
    assert [f.kind for f in flags].count("orphan_stop") == 2


async def test_suspicious_values_are_recorded_and_flagged(running: Running) -> None:
    future = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    start = {"connectorId": 1, "idTag": "TAG1", "meterStart": 5000, "timestamp": future}
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        tx16 = (await cp.result("StartTransaction", start))["transactionId"]
        stop = {"transactionId": tx16, "meterStop": 4000, "timestamp": future}
        await cp.result("StopTransaction", stop)
        status = {"connectorId": 9, "errorCode": "NoError", "status": "Available"}
        await cp.result("StatusNotification", status)
    kinds = {f.kind for f in await running.server.store.list_flags()}  # type: ignore[union-attr]
    assert {"future_timestamp", "meter_stop_below_start"} <= kinds


async def test_data_transfer_and_notifications(running: Running) -> None:
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        dt = await cp.result("DataTransfer", {"vendorId": "com.example", "data": "x"})
        assert dt == {"status": "UnknownVendorId"}
        assert await cp.result("DiagnosticsStatusNotification", {"status": "Uploaded"}) == {}
        assert await cp.result("FirmwareStatusNotification", {"status": "Installed"}) == {}
