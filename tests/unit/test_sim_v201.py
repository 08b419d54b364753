"""The simulated OCPP 2.0.1 station: every frame it sends and every answer it gives validates
against the 2.0.1 schemas; TransactionEvent seqNo, offline marking, profiles, device model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import trio
from evgw import _core
from evgw.testing.fleet import Ocpp201
from evgw.testing.fleet import _actions as actions
from evgw.testing.fleet._protocol import CallRefused

from tests.unit.sim_fake import FakeCharger

CODEC = _core.Codec("ocpp2.0.1")
TOKEN = {"idToken": "T", "type": "ISO14443"}


def valid(action: str, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    assert CODEC.validate(action, kind, payload) == [], (action, kind, payload)
    return payload


def sent(cp: FakeCharger, action: str | None = None) -> list[dict[str, Any]]:
    """Every frame the station queued (validated), optionally of one action."""
    return [valid(m.action, "request", m.build()) for m in cp.sent if action in (None, m.action)]


def call(cp: FakeCharger, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    valid(action, "request", payload)
    return valid(action, "response", cp.call(action, payload))


@pytest.fixture
async def cp(tmp_path: Path) -> FakeCharger:
    return FakeCharger(tmp_path, Ocpp201(), meter_interval_s=60.0)


def start_local(cp: FakeCharger, cid: int = 1) -> str:
    cp.plug(cid)
    tx = cp.model.start_tx(cid, "T", cp.now())
    cp.pump()
    assert tx is not None
    assert tx.ocpp_id is not None
    return tx.ocpp_id


def tx_events(cp: FakeCharger, tx_id: str) -> list[dict[str, Any]]:
    return [
        f for f in sent(cp, "TransactionEvent") if f["transactionInfo"]["transactionId"] == tx_id
    ]


async def test_a_session_reports_started_updated_ended_with_the_energy(cp: FakeCharger) -> None:
    tx_id = start_local(cp)
    for _ in range(5):
        cp.advance(60.0)
    register = cp.model.connectors[1].register_wh
    cp.model.stop_tx(1, "Local", cp.now())
    cp.pump()
    events = tx_events(cp, tx_id)
    assert [e["seqNo"] for e in events] == list(range(len(events)))
    assert events[0]["eventType"] == "Started"
    assert events[-1]["eventType"] == "Ended"
    assert events[0]["triggerReason"] == "Authorized"
    assert events[0]["idToken"] == TOKEN
    assert events[0]["evse"] == {"id": 1, "connectorId": 1}
    periodic = [e for e in events if e["triggerReason"] == "MeterValuePeriodic"]
    assert len(periodic) == 5
    end = events[-1]
    assert end["transactionInfo"]["stoppedReason"] == "Local"
    (stop,) = end["meterValue"][0]["sampledValue"]
    assert stop["context"] == "Transaction.End"
    assert stop["value"] == int(register)
    assert register == pytest.approx(3 * 16 * 230.0 * 300 / 3600, abs=1)  # 11 kW for 5 min
    assert not any("offline" in e for e in events)
    statuses = [f["connectorStatus"] for f in sent(cp, "StatusNotification")]
    assert statuses == ["Occupied"]  # plugged in; unplugging comes later


async def test_events_while_offline_are_marked_and_keep_their_order(cp: FakeCharger) -> None:
    tx_id = start_local(cp)
    cp.is_online = False
    cp.advance(60.0)
    cp.model.stop_tx(1, "EVDisconnected", cp.now(), unplugged=True)
    cp.pump()
    cp.is_online = True
    events = tx_events(cp, tx_id)
    assert [e.get("offline", False) for e in events] == [False, True, True]
    assert [e["seqNo"] for e in events] == [0, 1, 2]
    assert events[-1]["triggerReason"] == "EVCommunicationLost"
    assert all(m.transactional for m in cp.sent if m.action == "TransactionEvent")


async def test_charging_state_changes_and_faults(cp: FakeCharger) -> None:
    tx_id = start_local(cp)
    cp.model.connectors[1].ev.delivered_wh = 5e5  # type: ignore[union-attr]  # the EV is full
    cp.advance(10.0)
    cp.model.fault(1, "GroundFailure", cp.now())
    cp.pump()
    events = tx_events(cp, tx_id)
    assert [(e["eventType"], e["triggerReason"]) for e in events] == [
        ("Started", "Authorized"),
        ("Updated", "ChargingStateChanged"),
        ("Ended", "AbnormalCondition"),
    ]
    assert events[1]["transactionInfo"]["chargingState"] == "SuspendedEV"
    assert events[2]["transactionInfo"]["stoppedReason"] == "GroundFault"
    assert sent(cp, "StatusNotification")[-1]["connectorStatus"] == "Faulted"


async def test_remote_start_and_stop(cp: FakeCharger) -> None:
    body = {"idToken": {"idToken": "R1", "type": "Central"}, "remoteStartId": 7, "evseId": 2}
    assert call(cp, "RequestStartTransaction", body) == {"status": "Accepted"}
    tx = cp.model.connectors[2].tx
    assert tx is not None
    assert tx.ocpp_id is not None
    (started,) = tx_events(cp, tx.ocpp_id)
    assert started["triggerReason"] == "RemoteStart"
    assert started["transactionInfo"]["remoteStartId"] == 7
    assert started["idToken"] == body["idToken"]
    assert call(cp, "RequestStopTransaction", {"transactionId": "nope"})["status"] == "Rejected"
    assert call(cp, "RequestStopTransaction", {"transactionId": tx.ocpp_id}) == {
        "status": "Accepted"
    }
    cp.pump()
    ended = tx_events(cp, tx.ocpp_id)[-1]
    assert (ended["triggerReason"], ended["transactionInfo"]["stoppedReason"]) == (
        "RemoteStop",
        "Remote",
    )


def profile(purpose: str, limit: float, **extra: Any) -> dict[str, Any]:
    kind = "Absolute" if purpose == "ChargingStationMaxProfile" else "Relative"
    schedule: dict[str, Any] = {
        "id": 1,
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}],
    }
    if kind == "Absolute":
        schedule["startSchedule"] = "2025-12-31T00:00:00Z"
    return {
        "id": extra.pop("id", 1),
        "stackLevel": extra.pop("stackLevel", 0),
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": kind,
        "chargingSchedule": [schedule],
        **extra,
    }


def set_profile(cp: FakeCharger, evse: int, body: dict[str, Any]) -> str:
    reply = call(cp, "SetChargingProfile", {"evseId": evse, "chargingProfile": body})
    return str(reply["status"])


async def test_charging_profiles_are_honoured_like_a_station(cp: FakeCharger) -> None:
    tx_id = start_local(cp)
    conn = cp.model.connectors[1]
    assert conn.power_w == pytest.approx(3 * 16 * 230.0)
    assert set_profile(cp, 0, profile("TxDefaultProfile", 10.0, id=1)) == "Accepted"
    cp.advance(1.0)
    assert conn.power_w == pytest.approx(3 * 10 * 230.0)
    assert set_profile(cp, 1, profile("TxProfile", 8.0, id=2)) == "Rejected"  # no transactionId
    wrong = profile("TxProfile", 8.0, id=2, transactionId="other")
    assert set_profile(cp, 1, wrong) == "Rejected"
    assert set_profile(cp, 1, profile("TxProfile", 8.0, id=2, transactionId=tx_id)) == "Accepted"
    clash = profile("TxProfile", 7.0, id=3, transactionId=tx_id)
    assert set_profile(cp, 1, clash) == "Rejected"  # same stack level, other id (K01.FR.39)
    cp.advance(1.0)
    assert conn.power_w == pytest.approx(3 * 8 * 230.0)
    relative_max = {
        **profile("ChargingStationMaxProfile", 6.0, id=4),
        "chargingProfileKind": "Relative",
    }
    del relative_max["chargingSchedule"][0]["startSchedule"]
    assert set_profile(cp, 0, relative_max) == "Rejected"
    assert set_profile(cp, 1, profile("ChargingStationMaxProfile", 6.0, id=4)) == "Rejected"
    assert set_profile(cp, 0, profile("ChargingStationMaxProfile", 6.0, id=4)) == "Accepted"
    cp.advance(1.0)
    assert conn.power_w == pytest.approx(3 * 6 * 230.0)
    reply = call(cp, "GetChargingProfiles", {"requestId": 9, "chargingProfile": {}})
    assert reply == {"status": "Accepted"}
    reports = sent(cp, "ReportChargingProfiles")
    assert [(r["evseId"], len(r["chargingProfile"]), r["tbc"]) for r in reports] == [
        (0, 2, True),
        (1, 1, False),
    ]
    none = {"requestId": 10, "chargingProfile": {"chargingProfilePurpose": "TxDefaultProfile"}}
    assert call(cp, "GetChargingProfiles", {**none, "evseId": 2})["status"] == "NoProfiles"
    clear = {"chargingProfileCriteria": {"chargingProfilePurpose": "ChargingStationMaxProfile"}}
    assert call(cp, "ClearChargingProfile", clear) == {"status": "Accepted"}
    assert call(cp, "ClearChargingProfile", {"chargingProfileId": 2}) == {"status": "Accepted"}
    assert call(cp, "ClearChargingProfile", {"chargingProfileId": 2}) == {"status": "Unknown"}
    cp.advance(1.0)
    assert conn.power_w == pytest.approx(3 * 10 * 230.0)  # back to the TxDefaultProfile


async def test_reset_immediate_and_on_idle(cp: FakeCharger) -> None:
    tx_id = start_local(cp)
    assert call(cp, "Reset", {"type": "OnIdle"}) == {"status": "Scheduled"}
    assert cp.reboots == []
    cp.model.stop_tx(1, "Local", cp.now())
    cp.pump()
    assert tx_events(cp, tx_id)[-1]["eventType"] == "Ended"
    async with trio.open_nursery() as nursery:
        for task in cp.tasks:
            nursery.start_soon(task)
    assert cp.reboots == [False]
    assert valid("BootNotification", "request", cp.protocol.boot(cp).build())["reason"] == (
        "RemoteReset"
    )
    other = start_local(cp, 2)
    assert call(cp, "Reset", {"type": "Immediate"}) == {"status": "Accepted"}
    assert cp.reboots == [False, False]
    ended = tx_events(cp, other)[-1]
    assert ended["transactionInfo"]["stoppedReason"] == "ImmediateReset"
    assert ended["triggerReason"] == "ResetCommand"


def variable(component: str, name: str, instance: str | None = None, **kw: Any) -> dict[str, Any]:
    var: dict[str, Any] = {"name": name}
    if instance:
        var["instance"] = instance
    return {"component": {"name": component}, "variable": var, **kw}


async def test_get_and_set_variables_within_items_per_message(cp: FakeCharger) -> None:
    items = [
        variable("DeviceDataCtrlr", "ItemsPerMessage", "GetVariables"),
        variable("OCPPCommCtrlr", "HeartbeatInterval"),
        variable("SecurityCtrlr", "BasicAuthPassword"),
        variable("Nope", "X"),
    ]
    results = call(cp, "GetVariables", {"getVariableData": items})["getVariableResult"]
    assert [r["attributeStatus"] for r in results] == [
        "Accepted",
        "Accepted",
        "Rejected",  # WriteOnly
        "UnknownComponent",
    ]
    assert results[0]["attributeValue"] == "4"
    assert results[1]["attributeValue"] == "300"
    with pytest.raises(CallRefused) as too_many:
        cp.call("GetVariables", {"getVariableData": items + items[:1]})
    assert too_many.value.code == "OccurrenceConstraintViolation"
    sets = [
        variable("OCPPCommCtrlr", "HeartbeatInterval", attributeValue="42"),
        variable("SampledDataCtrlr", "TxUpdatedInterval", attributeValue="30"),
        variable("SmartChargingCtrlr", "ProfileStackLevel", attributeValue="99"),
        variable("OCPPCommCtrlr", "Nope", attributeValue="1"),
    ]
    results = call(cp, "SetVariables", {"setVariableData": sets})["setVariableResult"]
    assert [r["attributeStatus"] for r in results] == [
        "Accepted",
        "Accepted",
        "Rejected",  # ReadOnly
        "UnknownVariable",
    ]
    assert cp.heartbeat_s == 42.0
    assert cp.model.settings.meter_interval_s == 30.0


async def test_get_base_report_arrives_in_parts(cp: FakeCharger) -> None:
    reply = call(cp, "GetBaseReport", {"requestId": 3, "reportBase": "FullInventory"})
    assert reply == {"status": "Accepted"}
    parts = sent(cp, "NotifyReport")
    assert [p["seqNo"] for p in parts] == list(range(len(parts)))
    assert [p["tbc"] for p in parts] == [True] * (len(parts) - 1) + [False]
    assert all(len(p["reportData"]) <= 4 for p in parts)
    total = sum(len(p["reportData"]) for p in parts)
    assert total == len(cp.protocol.device.variables)
    assert len(parts) > 2
    config = call(cp, "GetBaseReport", {"requestId": 4, "reportBase": "ConfigurationInventory"})
    assert config == {"status": "Accepted"}


async def test_firmware_update_walks_to_installed_after_the_reboot(
    cp: FakeCharger, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(actions, "STEP_S", 0.01)
    firmware = {
        "location": "ftp://fw.invalid/fw-2.0.bin",
        "retrieveDateTime": "2025-01-01T00:00:00Z",
    }
    assert call(cp, "UpdateFirmware", {"requestId": 5, "firmware": firmware}) == {
        "status": "Accepted"
    }
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            for task in cp.tasks:
                nursery.start_soon(task)
    notes = sent(cp, "FirmwareStatusNotification")
    assert [n["status"] for n in notes] == [
        "Downloading",
        "Downloaded",
        "Installing",
        "InstallRebooting",
    ]
    assert {n["requestId"] for n in notes} == {5}
    assert [
        valid("FirmwareStatusNotification", "request", m.build())["status"] for m in cp.after
    ] == ["Installed"]
    assert cp.reboots == [True]
    assert cp.firmware_version == "fw-2.0.bin"
    assert cp.protocol.boot(cp).build()["reason"] == "FirmwareUpdate"


async def test_get_log_uploads_and_reports(cp: FakeCharger) -> None:
    body = {
        "logType": "DiagnosticsLog",
        "requestId": 6,
        "log": {"remoteLocation": "ftp://x.invalid/"},
    }
    reply = call(cp, "GetLog", body)
    async with trio.open_nursery() as nursery:
        for task in cp.tasks:
            nursery.start_soon(task)
    assert [n["status"] for n in sent(cp, "LogStatusNotification")] == ["Uploading", "Uploaded"]
    assert (cp.output_dir / "diagnostics" / reply["filename"]).read_text().startswith("charger CP1")


TRIGGERS = [
    "BootNotification",
    "Heartbeat",
    "StatusNotification",
    "MeterValues",
    "TransactionEvent",
    "FirmwareStatusNotification",
    "LogStatusNotification",
]


async def test_trigger_message_sends_valid_frames(cp: FakeCharger) -> None:
    tx_id = start_local(cp)
    cp.sent.clear()
    for what in TRIGGERS:
        assert call(cp, "TriggerMessage", {"requestedMessage": what}) == {"status": "Accepted"}
    frames = sent(cp)
    assert [m.action for m in cp.sent] == [
        "BootNotification",
        "Heartbeat",
        "StatusNotification",
        "StatusNotification",
        "MeterValues",
        "MeterValues",
        "TransactionEvent",
        "FirmwareStatusNotification",
        "LogStatusNotification",
    ]
    assert frames[0]["reason"] == "Triggered"
    assert frames[6]["triggerReason"] == "Trigger"
    assert frames[6]["transactionInfo"]["transactionId"] == tx_id
    reply = call(cp, "TriggerMessage", {"requestedMessage": "SignV2GCertificate"})
    assert reply["status"] == "NotImplemented"


CSMS_CALLS: list[tuple[str, dict[str, Any]]] = [
    ("UnlockConnector", {"evseId": 1, "connectorId": 1}),
    ("UnlockConnector", {"evseId": 9, "connectorId": 1}),
    ("ChangeAvailability", {"operationalStatus": "Inoperative", "evse": {"id": 2}}),
    ("ChangeAvailability", {"operationalStatus": "Operative"}),
    ("GetCompositeSchedule", {"duration": 600, "evseId": 1, "chargingRateUnit": "W"}),
    ("GetTransactionStatus", {"transactionId": "x"}),
    ("DataTransfer", {"vendorId": "acme"}),
    ("ClearCache", {}),
    ("GetLocalListVersion", {}),
    ("ReserveNow", {"id": 1, "expiryDateTime": "2026-01-01T01:00:00Z", "idToken": TOKEN}),
    ("CancelReservation", {"reservationId": 1}),
    ("GetReport", {"requestId": 1}),
    ("CertificateSigned", {"certificateChain": "x"}),
    ("GetInstalledCertificateIds", {}),
    ("CustomerInformation", {"requestId": 1, "report": True, "clear": False}),
    ("GetDisplayMessages", {"requestId": 1}),
    ("CostUpdated", {"totalCost": 1.5, "transactionId": "x"}),
]


@pytest.mark.parametrize(("action", "payload"), CSMS_CALLS, ids=[a for a, _ in CSMS_CALLS])
async def test_other_csms_calls_get_valid_answers(
    cp: FakeCharger, action: str, payload: dict[str, Any]
) -> None:
    call(cp, action, payload)


async def test_unlock_and_availability_follow_the_transaction(cp: FakeCharger) -> None:
    start_local(cp)
    assert call(cp, "UnlockConnector", {"evseId": 1, "connectorId": 1}) == {
        "status": "OngoingAuthorizedTransaction"
    }
    reply = call(cp, "ChangeAvailability", {"operationalStatus": "Inoperative"})
    assert reply == {"status": "Scheduled"}  # EVSE 1 waits for its transaction, EVSE 2 goes now
    cp.pump()
    assert sent(cp, "StatusNotification")[-1] == {
        **sent(cp, "StatusNotification")[-1],
        "evseId": 2,
        "connectorStatus": "Unavailable",
    }


async def test_unknown_actions_and_bad_payloads_get_2_0_1_error_codes(cp: FakeCharger) -> None:
    with pytest.raises(CallRefused) as unknown:
        cp.call("FlyToTheMoon", {})
    assert unknown.value.code == "NotImplemented"
    with pytest.raises(CallRefused) as bad:
        cp.call("RequestStopTransaction", {})
    assert bad.value.code == "FormatViolation"


def test_injected_malformed_frames_really_violate_the_schemas() -> None:
    for action, payload in Ocpp201.malformed:
        assert CODEC.validate(action, "request", payload) != [], action


async def test_throughput_frames_validate(cp: FakeCharger) -> None:
    tx_id = start_local(cp)
    frame = valid("TransactionEvent", "request", cp.protocol.meter_frame(cp, 1, tx_id).build())
    assert len(frame["meterValue"][0]["sampledValue"]) == 9  # 1.6's 10 less Temperature
    assert valid("MeterValues", "request", cp.protocol.meter_frame(cp, 2, None).build())
