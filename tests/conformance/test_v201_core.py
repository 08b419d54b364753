"""OCPP 2.0.1 charger-initiated messages end to end (real sockets, SQLite file store).

Tests are named after the OCTT test case (TC_x_nn_CSMS) or use case they exercise; the
matrix is in docs/conformance.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from evgw.domain import BootPolicy, TokenStatus
from evgw.events import (
    ChargerBooted,
    ConnectorStatusChanged,
    DeviceEventReported,
    DiagnosticsStatusChanged,
    FirmwareStatusChanged,
    MeterValuesReceived,
    SecurityEventReceived,
    TransactionStarted,
    TransactionStopped,
)
from evgw.testing import connect_charger

from tests.conformance.v201_frames import V201, boot, full_transaction, ts
from tests.integration.gateway_fixtures import PASSWORD, Running, add_token, register, running

__all__ = ["running"]


def follow(running: Running, *kinds: type[Any]) -> list[Any]:
    seen: list[Any] = []
    for kind in kinds:
        running.server.events.subscribe(kind, seen.append)
    return seen


def charger(running: Running, charger_id: str = "CP1") -> Any:
    url = running.charger_url(charger_id)
    return connect_charger(url, version=V201, user=charger_id, password=PASSWORD)


async def test_TC_B_01_cold_boot_accepted(running: Running) -> None:
    seen = follow(running, ChargerBooted)
    async with charger(running) as cp:
        reply = await cp.result("BootNotification", boot())
        assert (reply["status"], reply["interval"]) == ("Accepted", 300)
        assert reply["currentTime"].endswith("Z")
        assert (await cp.result("Heartbeat", {}))["currentTime"].endswith("Z")
    record = await running.server.store.get_charger("CP1")  # type: ignore[union-attr]
    assert record is not None
    assert (record.vendor, record.model, record.ocpp_version) == ("ACME", "Fast-2", V201)
    assert [(e.reason, e.status, e.serial_number) for e in seen] == [
        ("PowerUp", "Accepted", "SN-1")
    ]


async def test_TC_B_02_cold_boot_pending_then_rejected(running: Running) -> None:
    await register(running, "CP2", boot_policy=BootPolicy.PENDING)
    await register(running, "CP3", boot_policy=BootPolicy.REJECTED)
    async with charger(running, "CP2") as cp:
        assert (await cp.result("BootNotification", boot()))["status"] == "Pending"
    async with charger(running, "CP3") as cp:
        reply = await cp.result("BootNotification", boot("RemoteReset"))
        assert (reply["status"], reply["interval"]) == ("Rejected", 60)


async def test_TC_G_status_notification_and_availability_event(running: Running) -> None:
    seen = follow(running, ConnectorStatusChanged, DeviceEventReported)
    status = {"timestamp": ts(), "connectorStatus": "Occupied", "evseId": 1, "connectorId": 1}
    event = {
        "eventId": 1,
        "timestamp": ts(1),
        "trigger": "Delta",
        "actualValue": "Faulted",
        "eventNotificationType": "HardWiredNotification",
        "component": {"name": "Connector", "evse": {"id": 2, "connectorId": 1}},
        "variable": {"name": "AvailabilityState"},
    }
    async with charger(running) as cp:
        assert await cp.result("StatusNotification", status) == {}
        notify = {"generatedAt": ts(1), "seqNo": 0, "eventData": [event]}
        assert await cp.result("NotifyEvent", notify) == {}
    record = await running.server.store.get_charger("CP1")  # type: ignore[union-attr]
    assert record is not None
    states = {(c.evse_id, c.connector_id): c.status for c in record.connectors}
    assert states == {(1, 1): "Occupied", (2, 1): "Faulted"}
    kinds = [type(e).__name__ for e in seen]
    assert kinds == ["ConnectorStatusChanged", "ConnectorStatusChanged", "DeviceEventReported"]


async def test_TC_C_authorize_id_token_info(running: Running) -> None:
    future = datetime(2099, 1, 1, tzinfo=UTC)
    await add_token(running, "BLOCKED", TokenStatus.BLOCKED)
    await add_token(running, "OLD", expires_at=datetime(2020, 1, 1, tzinfo=UTC))
    await add_token(running, "FLEET", type="Central")
    await add_token(running, "CHILD", type="ISO15693", group_id="FLEET", expires_at=future)
    cases = {
        ("TAG1", "ISO14443"): {"status": "Accepted"},
        ("BLOCKED", "ISO14443"): {"status": "Blocked"},
        ("OLD", "ISO14443"): {
            "status": "Expired",
            "cacheExpiryDateTime": "2020-01-01T00:00:00+00:00",
        },
        ("NOBODY", "eMAID"): {"status": "Invalid"},
        ("TAG1", "KeyCode"): {"status": "Invalid"},  # matched on (value, type)
        ("tag1", "ISO14443"): {"status": "Accepted"},  # the value matches case-insensitively
        ("", "NoAuthorization"): {"status": "Accepted"},
        ("CHILD", "ISO15693"): {
            "status": "Accepted",
            "cacheExpiryDateTime": future.isoformat(),
            "groupIdToken": {"idToken": "FLEET", "type": "Central"},
        },
    }
    async with charger(running) as cp:
        for (token, kind), expected in cases.items():
            reply = await cp.result("Authorize", {"idToken": {"idToken": token, "type": kind}})
            assert reply == {"idTokenInfo": expected}, token


async def test_notifications_are_stored_and_published(running: Running) -> None:
    kinds = (SecurityEventReceived, FirmwareStatusChanged, DiagnosticsStatusChanged)
    seen = follow(running, *kinds, MeterValuesReceived)
    meter = {"evseId": 0, "meterValue": [{"timestamp": ts(), "sampledValue": [{"value": 12.5}]}]}
    async with charger(running) as cp:
        security = {"type": "TamperDetectionActivated", "timestamp": ts(), "techInfo": "door"}
        assert await cp.result("SecurityEventNotification", security) == {}
        assert (
            await cp.result("FirmwareStatusNotification", {"status": "Installed", "requestId": 7})
            == {}
        )
        assert (
            await cp.result("LogStatusNotification", {"status": "Uploaded", "requestId": 8}) == {}
        )
        assert await cp.result("MeterValues", meter) == {}
        reply = await cp.result("DataTransfer", {"vendorId": "com.example"})
        assert reply == {"status": "UnknownVendorId"}
    assert [type(e).__name__ for e in seen] == [
        "SecurityEventReceived",
        "FirmwareStatusChanged",
        "DiagnosticsStatusChanged",
        "MeterValuesReceived",
    ]
    assert (seen[1].request_id, seen[2].request_id) == (7, 8)
    assert seen[3].samples[0].value == "12.5"
    assert seen[3].samples[0].measurand == "Energy.Active.Import.Register"


async def test_events_for_a_transaction(running: Running) -> None:
    seen = follow(running, TransactionStarted, TransactionStopped)
    async with charger(running) as cp:
        for payload in full_transaction():
            await cp.result("TransactionEvent", payload)
    started, stopped = seen
    assert (started.evse_id, started.connector_id, started.id_token) == (1, 1, "TAG1")
    assert (started.meter_start_wh, started.duplicate) == (1000, False)
    assert (stopped.meter_stop_wh, stopped.reason, stopped.orphan) == (
        4000,
        "EVDisconnected",
        False,
    )
    assert stopped.transaction_id == started.transaction_id
