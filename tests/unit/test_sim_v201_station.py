"""The simulated 2.0.1 station's display messages, custom and monitoring reports, monitors,
network profiles and customer information (answers and frames valid per the `ocpp` schemas)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from evgw.testing.fleet import Ocpp201
from evgw.testing.fleet._protocol import CallRefused

from tests.unit.ocpp_schemas import violations
from tests.unit.sim_fake import FakeCharger
from tests.unit.sim_requests import NETWORK

V = "ocpp2.0.1"
HB = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}


def call(cp: FakeCharger, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    assert violations(V, action, "request", payload) == []
    reply = cp.call(action, payload)
    assert violations(V, action, "response", reply) == [], reply
    return reply


def sent(cp: FakeCharger, action: str) -> list[dict[str, Any]]:
    frames = cp.frames(action)
    for f in frames:
        assert violations(V, action, "request", f) == [], f
    return frames


@pytest.fixture
async def cp(tmp_path: Path) -> FakeCharger:
    return FakeCharger(tmp_path, Ocpp201())


def message(mid: int, content: str = "hello", **extra: Any) -> dict[str, Any]:
    body = {"format": "UTF8", "content": content}
    return {"id": mid, "priority": "NormalCycle", "message": body, **extra}


# display messages -----------------------------------------------------------------------------
async def test_display_messages_set_reported_and_cleared(cp: FakeCharger) -> None:
    for mid in range(1, 7):
        assert call(cp, "SetDisplayMessage", {"message": message(mid)}) == {"status": "Accepted"}
    assert call(cp, "GetDisplayMessages", {"requestId": 5}) == {"status": "Accepted"}
    parts = sent(cp, "NotifyDisplayMessages")
    assert [p["tbc"] for p in parts] == [True, False]  # 6 messages in parts of 4
    assert [m["id"] for p in parts for m in p["messageInfo"]] == [1, 2, 3, 4, 5, 6]
    assert all(p["requestId"] == 5 for p in parts)
    assert call(cp, "ClearDisplayMessage", {"id": 3}) == {"status": "Accepted"}
    assert call(cp, "ClearDisplayMessage", {"id": 3}) == {"status": "Unknown"}
    assert call(cp, "GetDisplayMessages", {"requestId": 6, "id": [3]}) == {"status": "Unknown"}
    urgent = message(9, priority="AlwaysFront")
    call(cp, "SetDisplayMessage", {"message": urgent})
    cp.sent.clear()
    call(cp, "GetDisplayMessages", {"requestId": 7, "priority": "AlwaysFront"})
    (only,) = sent(cp, "NotifyDisplayMessages")
    assert only["messageInfo"] == [urgent]


async def test_display_messages_the_station_cannot_show(cp: FakeCharger) -> None:
    html = {"id": 1, "priority": "InFront", "message": {"format": "HTML", "content": "<b>x</b>"}}
    assert call(cp, "SetDisplayMessage", {"message": html}) == {
        "status": "NotSupportedMessageFormat"
    }
    bound = message(2, transactionId="no-such-tx")
    assert call(cp, "SetDisplayMessage", {"message": bound}) == {"status": "UnknownTransaction"}
    for mid in range(10, 18):
        call(cp, "SetDisplayMessage", {"message": message(mid)})
    assert call(cp, "SetDisplayMessage", {"message": message(99)}) == {"status": "Rejected"}
    assert call(cp, "SetDisplayMessage", {"message": message(10, "new text")}) == {
        "status": "Accepted"  # replacing one it holds
    }


async def test_a_transaction_message_goes_with_its_transaction(cp: FakeCharger) -> None:
    token = {"idToken": "T", "type": "ISO14443"}
    call(cp, "RequestStartTransaction", {"idToken": token, "remoteStartId": 1, "evseId": 1})
    tx = cp.model.connectors[1].tx
    assert tx is not None
    bound = message(1, transactionId=tx.ocpp_id)
    assert call(cp, "SetDisplayMessage", {"message": bound}) == {"status": "Accepted"}
    cp.model.stop_tx(1, "Local", cp.now())
    assert call(cp, "GetDisplayMessages", {"requestId": 1}) == {"status": "Unknown"}


async def test_an_ended_message_is_gone(cp: FakeCharger) -> None:
    ends = message(1, endDateTime="2026-01-01T00:10:00.000Z")
    call(cp, "SetDisplayMessage", {"message": ends})
    cp.advance(600.0)
    assert call(cp, "ClearDisplayMessage", {"id": 1}) == {"status": "Unknown"}


# reports --------------------------------------------------------------------------------------
async def test_get_report_sends_the_asked_components(cp: FakeCharger) -> None:
    whole = {"component": {"name": "DisplayMessageCtrlr"}}
    assert call(cp, "GetReport", {"requestId": 3, "componentVariable": [whole, HB]}) == {
        "status": "Accepted"
    }
    parts = sent(cp, "NotifyReport")
    assert [p["seqNo"] for p in parts] == [0, 1]
    assert [p["tbc"] for p in parts] == [True, False]
    names = {
        (d["component"]["name"], d["variable"]["name"]) for p in parts for d in p["reportData"]
    }
    assert ("OCPPCommCtrlr", "HeartbeatInterval") in names
    assert {c for c, _ in names} == {"DisplayMessageCtrlr", "OCPPCommCtrlr"}
    assert len(names) == 5  # DisplayMessageCtrlr's four variables and the heartbeat


async def test_get_report_criteria_and_unknown_components(cp: FakeCharger) -> None:
    assert call(cp, "GetReport", {"requestId": 1, "componentCriteria": ["Problem"]}) == {
        "status": "EmptyResultSet"
    }
    nothing = {"component": {"name": "NoSuchCtrlr"}}
    assert call(cp, "GetReport", {"requestId": 2, "componentVariable": [nothing]}) == {
        "status": "EmptyResultSet"
    }
    assert call(cp, "GetReport", {"requestId": 3, "componentCriteria": ["Active"]}) == {
        "status": "Accepted"
    }
    assert sum(len(p["reportData"]) for p in sent(cp, "NotifyReport")) == len(
        Ocpp201().device.variables
    )


async def test_get_report_with_more_items_than_allowed_is_a_call_error(cp: FakeCharger) -> None:
    with pytest.raises(CallRefused) as refused:
        cp.call("GetReport", {"requestId": 1, "componentVariable": [HB] * 5})
    assert refused.value.code == "OccurrenceConstraintViolation"


# monitoring -----------------------------------------------------------------------------------
def monitor(value: float, kind: str = "UpperThreshold", **extra: Any) -> dict[str, Any]:
    return {"value": value, "type": kind, "severity": 4, **HB, **extra}


async def test_monitors_are_set_reported_and_cleared(cp: FakeCharger) -> None:
    reply = call(
        cp, "SetVariableMonitoring", {"setMonitoringData": [monitor(900), monitor(60, "Delta")]}
    )
    results = reply["setMonitoringResult"]
    assert [r["status"] for r in results] == ["Accepted", "Accepted"]
    ids = [r["id"] for r in results]
    again = call(cp, "SetVariableMonitoring", {"setMonitoringData": [monitor(900)]})
    assert again["setMonitoringResult"][0]["status"] == "Duplicate"
    criteria = {"requestId": 2, "monitoringCriteria": ["DeltaMonitoring"]}
    assert call(cp, "GetMonitoringReport", criteria) == {"status": "Accepted"}
    (part,) = sent(cp, "NotifyMonitoringReport")
    assert [m["variableMonitoring"][0]["id"] for m in part["monitor"]] == [ids[1]]
    assert part["monitor"][0]["variableMonitoring"][0]["value"] == 60
    cleared = call(cp, "ClearVariableMonitoring", {"id": [ids[0], 999]})
    assert cleared["clearMonitoringResult"] == [
        {"id": ids[0], "status": "Accepted"},
        {"id": 999, "status": "NotFound"},
    ]
    assert call(cp, "SetMonitoringBase", {"monitoringBase": "FactoryDefault"}) == {
        "status": "Accepted"
    }
    assert call(cp, "GetMonitoringReport", {"requestId": 3}) == {"status": "EmptyResultSet"}


async def test_monitors_the_station_refuses(cp: FakeCharger) -> None:
    unknown = {**monitor(1), "component": {"name": "NoSuchCtrlr"}}
    text = {
        **monitor(1),
        "variable": {"name": "OrganizationName"},
        "component": {"name": "SecurityCtrlr"},
    }
    bad_severity = monitor(1, severity=12)
    not_there = monitor(1, id=555)
    data = [unknown, text, bad_severity, not_there]
    reply = call(cp, "SetVariableMonitoring", {"setMonitoringData": data})
    assert [r["status"] for r in reply["setMonitoringResult"]] == [
        "UnknownComponent",
        "UnsupportedMonitorType",
        "Rejected",
        "Rejected",
    ]
    assert call(cp, "SetMonitoringLevel", {"severity": 10}) == {"status": "Rejected"}
    assert call(cp, "SetMonitoringLevel", {"severity": 3}) == {"status": "Accepted"}


POWER = {"component": {"name": "ChargingStation"}, "variable": {"name": "Power"}}


def power_monitor(value: float, kind: str, severity: int = 4) -> dict[str, Any]:
    return {"value": value, "type": kind, "severity": severity, **POWER}


def events(cp: FakeCharger) -> list[tuple[int, str, bool]]:
    """(monitor id, trigger, cleared) of every NotifyEvent sent so far."""
    return [
        (d["variableMonitoringId"], d["trigger"], d.get("cleared", False))
        for f in sent(cp, "NotifyEvent")
        for d in f["eventData"]
    ]


async def test_monitors_on_the_station_power_fire_notify_event(cp: FakeCharger) -> None:
    data = [
        power_monitor(5000, "UpperThreshold"),
        power_monitor(1000, "Delta"),
        power_monitor(60, "Periodic"),
        power_monitor(100, "LowerThreshold", severity=8),  # above the level set below
    ]
    reply = call(cp, "SetVariableMonitoring", {"setMonitoringData": data})
    upper, delta, periodic, lower = [r["id"] for r in reply["setMonitoringResult"]]
    assert call(cp, "SetMonitoringLevel", {"severity": 5}) == {"status": "Accepted"}
    cp.advance(1)  # idle: nothing crosses, the periodic one starts counting
    assert events(cp) == []
    assert cp.remote_start(1, "T")
    cp.advance(1)  # ~11 kW drawn
    assert events(cp) == [(upper, "Alerting", False), (delta, "Delta", False)]
    (frame,) = sent(cp, "NotifyEvent")
    first = frame["eventData"][0]
    assert float(first["actualValue"]) > 5000
    assert (first["eventNotificationType"], first["component"]) == (
        "CustomMonitor",
        POWER["component"],
    )
    cp.advance(1)  # still above, no change: nothing new
    assert len(events(cp)) == 2
    cp.advance(60)  # the periodic monitor's interval has passed
    assert events(cp)[2:] == [(periodic, "Periodic", False)]
    cp.model.stop_tx(1, "Local", cp.now())
    cp.model.unplug(1, cp.now())
    cp.advance(1)  # 0 W: the threshold clears, the delta fires again
    assert events(cp)[3:] == [(upper, "Alerting", True), (delta, "Delta", False)]
    assert lower not in {e[0] for e in events(cp)}  # severity 8 > level 5: never reported
    ids = [d["eventId"] for f in sent(cp, "NotifyEvent") for d in f["eventData"]]
    assert ids == sorted(set(ids))


async def test_a_threshold_monitor_fires_on_a_variable_set_by_the_csms(cp: FakeCharger) -> None:
    call(cp, "SetVariableMonitoring", {"setMonitoringData": [monitor(900)]})
    cp.advance(1)
    item = {**HB, "attributeValue": "1200"}
    call(cp, "SetVariables", {"setVariableData": [item]})
    cp.advance(1)
    assert [(e[1], e[2]) for e in events(cp)] == [("Alerting", False)]
    assert sent(cp, "NotifyEvent")[0]["eventData"][0]["actualValue"] == "1200"


# network profiles -----------------------------------------------------------------------------
def priority(value: str) -> dict[str, Any]:
    item = {
        "component": {"name": "OCPPCommCtrlr"},
        "variable": {"name": "NetworkConfigurationPriority"},
        "attributeValue": value,
    }
    return {"setVariableData": [item]}


async def test_a_network_profile_then_its_priority(cp: FakeCharger) -> None:
    assert (
        call(cp, "SetVariables", priority("1,0"))["setVariableResult"][0]["attributeStatus"]
        == "Rejected"
    )  # slot 1 holds nothing yet
    slot = {"configurationSlot": 1, "connectionData": NETWORK}
    assert call(cp, "SetNetworkProfile", slot) == {"status": "Accepted"}
    assert (
        call(cp, "SetVariables", priority("1,0"))["setVariableResult"][0]["attributeStatus"]
        == "Accepted"
    )
    lower = {"configurationSlot": 2, "connectionData": {**NETWORK, "securityProfile": 0}}
    assert call(cp, "SetNetworkProfile", lower) == {"status": "Rejected"}
    far = {"configurationSlot": 9, "connectionData": NETWORK}
    assert call(cp, "SetNetworkProfile", far) == {"status": "Rejected"}
    assert cp.endpoints == [None]  # nothing changes before a reboot
    assert call(cp, "Reset", {"type": "Immediate"}) == {"status": "Accepted"}
    assert cp.endpoints == [NETWORK["ocppCsmsUrl"], None]  # slot 1, then the original
    call(cp, "SetVariables", priority("0"))
    call(cp, "Reset", {"type": "Immediate"})
    assert cp.endpoints == [None]


# customer information -------------------------------------------------------------------------
async def test_customer_information_reports_and_clears(cp: FakeCharger) -> None:
    token = {"idToken": "T", "type": "ISO14443"}
    call(cp, "RequestStartTransaction", {"idToken": token, "remoteStartId": 1, "evseId": 1})
    tx = cp.model.connectors[1].tx
    assert tx is not None
    cp.advance(600.0)
    cp.model.stop_tx(1, "Local", cp.now())
    ask = {"requestId": 4, "report": True, "clear": True, "idToken": token}
    assert call(cp, "CustomerInformation", ask) == {"status": "Accepted"}
    (part,) = sent(cp, "NotifyCustomerInformation")
    assert str(tx.ocpp_id) in part["data"]
    assert part["requestId"] == 4
    assert not part["tbc"]
    cp.sent.clear()
    call(cp, "CustomerInformation", {**ask, "requestId": 5, "clear": False})
    (after,) = sent(cp, "NotifyCustomerInformation")
    assert str(tx.ocpp_id) not in after["data"]


async def test_customer_information_needs_an_identifier(cp: FakeCharger) -> None:
    ask = {"requestId": 1, "report": True, "clear": False}
    assert call(cp, "CustomerInformation", ask) == {"status": "Invalid"}
    assert sent(cp, "NotifyCustomerInformation") == []
