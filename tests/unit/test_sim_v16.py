"""The simulated charger's answers to CSMS-initiated OCPP 1.6 calls and their side effects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import trio
from evgw.testing.fleet import Ocpp16
from evgw.testing.fleet._protocol import CallRefused

from tests.unit.sim_fake import FakeCharger

P16 = Ocpp16()


@pytest.fixture
async def cp(tmp_path: Path) -> FakeCharger:
    return FakeCharger(tmp_path, P16)


def call(cp: FakeCharger, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    return P16.handle(cp, action, payload)


async def run_tasks(cp: FakeCharger) -> None:
    async with trio.open_nursery() as nursery:
        for task in cp.tasks:
            nursery.start_soon(task)


async def test_reset_asks_for_a_reboot(cp: FakeCharger) -> None:
    assert call(cp, "Reset", {"type": "Hard"}) == {"status": "Accepted"}
    assert cp.reboots == [True]


async def test_remote_start_then_stop(cp: FakeCharger) -> None:
    assert call(cp, "RemoteStartTransaction", {"idTag": "T", "connectorId": 2}) == {
        "status": "Accepted"
    }
    tx = cp.model.connectors[2].tx
    assert tx is not None
    tx.csms_id = 77
    assert call(cp, "RemoteStopTransaction", {"transactionId": 78}) == {"status": "Rejected"}
    assert call(cp, "RemoteStopTransaction", {"transactionId": 77}) == {"status": "Accepted"}
    assert cp.model.connectors[2].tx is None


async def test_txprofile_needs_a_transaction_and_is_then_obeyed(cp: FakeCharger) -> None:
    profile = {
        "chargingProfileId": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 4140.0}],
        },
    }
    body = {"connectorId": 1, "csChargingProfiles": profile}
    assert call(cp, "SetChargingProfile", body) == {"status": "Rejected"}
    call(cp, "RemoteStartTransaction", {"idTag": "T", "connectorId": 1})
    assert call(cp, "SetChargingProfile", body) == {"status": "Accepted"}
    assert cp.model.connectors[1].power_w == pytest.approx(4140.0)
    assert call(cp, "ClearChargingProfile", {"id": 1}) == {"status": "Accepted"}
    assert call(cp, "ClearChargingProfile", {"id": 1}) == {"status": "Unknown"}
    assert cp.model.connectors[1].power_w == pytest.approx(3 * 16 * 230.0)


async def test_unlock_stops_the_transaction(cp: FakeCharger) -> None:
    call(cp, "RemoteStartTransaction", {"idTag": "T", "connectorId": 1})
    assert call(cp, "UnlockConnector", {"connectorId": 1}) == {"status": "Unlocked"}
    assert cp.model.connectors[1].tx is None
    assert call(cp, "UnlockConnector", {"connectorId": 9}) == {"status": "NotSupported"}


async def test_change_availability(cp: FakeCharger) -> None:
    assert call(cp, "ChangeAvailability", {"connectorId": 0, "type": "Inoperative"}) == {
        "status": "Accepted"
    }
    assert {c.status for c in cp.model.connectors.values()} == {"Unavailable"}


async def test_trigger_message_sends_what_was_asked(cp: FakeCharger) -> None:
    assert call(cp, "TriggerMessage", {"requestedMessage": "StatusNotification"}) == {
        "status": "Accepted"
    }
    assert [m.action for m in cp.sent] == ["StatusNotification"] * 2
    assert call(cp, "TriggerMessage", {"requestedMessage": "Heartbeat"})["status"] == "Accepted"
    assert cp.sent[-1].action == "Heartbeat"


async def test_update_firmware_walks_the_status_sequence(cp: FakeCharger) -> None:
    payload = {"location": "ftp://fw.invalid/fw-2.0.bin", "retrieveDate": "2025-01-01T00:00:00Z"}
    assert call(cp, "UpdateFirmware", payload) == {}
    with trio.fail_after(10):
        await run_tasks(cp)
    assert cp.statuses() == ["Downloading", "Downloaded", "Installing"]
    assert [m.build()["status"] for m in cp.after] == ["Installed"]
    assert cp.reboots == [True]
    assert cp.firmware_version == "fw-2.0.bin"


async def test_get_diagnostics_uploads_into_the_output_dir(cp: FakeCharger) -> None:
    reply = call(cp, "GetDiagnostics", {"location": "ftp://example.invalid/diag"})
    await run_tasks(cp)
    assert cp.statuses() == ["Uploading", "Uploaded"]
    assert (cp.output_dir / "diagnostics" / reply["fileName"]).read_text().startswith("charger CP1")


async def test_get_diagnostics_never_sends_off_the_machine(cp: FakeCharger) -> None:
    call(cp, "GetDiagnostics", {"location": "http://192.0.2.10/upload"})
    await run_tasks(cp)
    assert cp.statuses() == ["Uploading", "UploadFailed"]


async def test_configuration_and_unknown_actions(cp: FakeCharger) -> None:
    assert call(cp, "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "42"}) == {
        "status": "Accepted"
    }
    assert cp.heartbeat_s == 42.0
    assert call(cp, "ChangeConfiguration", {"key": "Nope", "value": "1"}) == {
        "status": "NotSupported"
    }
    with pytest.raises(CallRefused) as caught:
        call(cp, "FlyToTheMoon", {})
    assert caught.value.code == "NotImplemented"


async def test_security_extension_get_log_uploads(cp: FakeCharger) -> None:
    body = {"logType": "SecurityLog", "requestId": 9, "log": {"remoteLocation": "ftp://x/logs"}}
    reply = call(cp, "GetLog", body)
    assert reply["status"] == "Accepted"
    await run_tasks(cp)
    notes = cp.frames("LogStatusNotification")
    assert notes == [
        {"status": "Uploading", "requestId": 9},
        {"status": "Uploaded", "requestId": 9},
    ]
    assert (cp.output_dir / "diagnostics" / reply["filename"]).read_text().startswith("charger CP1")


async def test_extended_trigger_message(cp: FakeCharger) -> None:
    reply = call(cp, "ExtendedTriggerMessage", {"requestedMessage": "LogStatusNotification"})
    assert reply == {"status": "Accepted"}
    assert cp.frames("LogStatusNotification") == [{"status": "Idle"}]
    reply = call(cp, "ExtendedTriggerMessage", {"requestedMessage": "Heartbeat"})
    assert reply == {"status": "Accepted"}
    assert cp.frames("Heartbeat") == [{}]
