"""Answers to CSMS-initiated OCPP 2.0.1 CALLs, with the side effects a real station has."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import attrs

from evgw.testing.fleet import _security as sec
from evgw.testing.fleet._actions import Walk, status_note, walk_firmware
from evgw.testing.fleet._clock import sim_seconds
from evgw.testing.fleet._commands import (
    Command,
    cancel_reservation,
    current_limit_a,
    dispatch,
    fixed,
    free_connector,
    get_log,
    reserve,
)
from evgw.testing.fleet._ev import VOLTAGE
from evgw.testing.fleet._local_list import local_list, send_local_list_201
from evgw.testing.fleet._measures import stamp
from evgw.testing.fleet._protocol import Control, Outgoing, Payload
from evgw.testing.fleet._reservations import Reservation
from evgw.testing.fleet._v201_customer import customer_information
from evgw.testing.fleet._v201_display import (
    clear_display_message,
    get_display_messages,
    set_display_message,
)
from evgw.testing.fleet._v201_monitoring import (
    clear_variable_monitoring,
    get_monitoring_report,
    set_monitoring_base,
    set_monitoring_level,
    set_variable_monitoring,
)
from evgw.testing.fleet._v201_profiles import (
    ProfileRejected,
    check_placement,
    matches_criteria,
    profile_from_201,
)
from evgw.testing.fleet._v201_reports import get_base_report, get_report

if TYPE_CHECKING:
    from evgw.testing.fleet._v201 import Ocpp201

FIRMWARE_WALK = Walk(("Downloading", "Downloaded", "Installing", "InstallRebooting"), "Installed")
CONNECTOR_TYPE = "cType2"  # every simulated EVSE has one Type 2 cable


@attrs.frozen
class RemoteStart:
    """A RequestStartTransaction being served: its token and remoteStartId go in Started."""

    id_token: Payload
    remote_start_id: int


def new_transaction_id() -> str:
    """Unique across runs (a reused id would merge with an old transaction in the CSMS)."""
    return str(uuid.uuid4())


def _status(status: str, reason: str | None = None) -> Payload:
    if reason is None:
        return {"status": status}
    return {"status": status, "statusInfo": {"reasonCode": reason}}


# transactions ---------------------------------------------------------------------------------
def request_start(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    cid = p.get("evseId") or free_connector(ctl.model, p["idToken"]["idToken"])
    raw = p.get("chargingProfile")
    if cid not in ctl.model.connectors:
        return _status("Rejected", "UnknownEVSE")
    if raw is not None and raw.get("chargingProfilePurpose") != "TxProfile":
        return _status("Rejected", "InvalidProfile")  # K05: only a TxProfile comes along
    proto.starts[cid] = RemoteStart(p["idToken"], p["remoteStartId"])
    if not ctl.remote_start(cid, p["idToken"]["idToken"]):
        proto.starts.pop(cid, None)
        return _status("Rejected")
    tx = ctl.model.connectors[cid].tx
    if raw is not None and tx is not None:
        tx.ocpp_id = tx.ocpp_id or new_transaction_id()
        _install(ctl, cid, {**raw, "transactionId": tx.ocpp_id})
    return {"status": "Accepted"}


def request_stop(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    tx = ctl.model.active_tx(p["transactionId"])
    if tx is None:
        return _status("Rejected")
    ctl.model.stop_tx(tx.connector_id, "Remote", ctl.now())
    return {"status": "Accepted"}


def reserve_now(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    if p.get("connectorType", CONNECTOR_TYPE) != CONNECTOR_TYPE:
        return {"status": "Rejected"}
    expires = sim_seconds(ctl.clock, p["expiryDateTime"])
    assert expires is not None
    group = p.get("groupIdToken", {}).get("idToken")
    token = p["idToken"]["idToken"]
    return reserve(ctl, Reservation(p["id"], token, expires, p.get("evseId"), group))


def get_transaction_status(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    out: Payload = {"messagesInQueue": False}
    if "transactionId" in p:
        out["ongoingIndicator"] = ctl.model.active_tx(p["transactionId"]) is not None
    return out


# station --------------------------------------------------------------------------------------
def reset(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    """Immediate: stop transactions and reboot; OnIdle: Scheduled until they have ended.
    With an evseId only that EVSE resets (its transaction stops)."""
    evse = p.get("evseId")
    if evse is not None:
        if evse not in ctl.model.connectors:
            return _status("Rejected", "UnknownEVSE")
        ctl.model.stop_tx(evse, "SoftReset", ctl.now())
        return {"status": "Accepted"}
    busy = any(c.tx is not None for c in ctl.model.connectors.values())
    if p["type"] == "OnIdle" and busy:
        proto.reset_when_idle = True
        return {"status": "Scheduled"}
    proto.reboot(ctl, "RemoteReset")
    return {"status": "Accepted"}


def unlock_connector(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    conn = ctl.model.connectors.get(p["evseId"])
    if conn is None or p["connectorId"] != 1:
        return {"status": "UnknownConnector"}
    if conn.tx is not None:
        return {"status": "OngoingAuthorizedTransaction"}  # F05.FR.02
    return {"status": "Unlocked"}


def change_availability(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    evse = p.get("evse") or {"id": 0}
    cid = evse["id"]
    if cid and (cid not in ctl.model.connectors or evse.get("connectorId", 1) != 1):
        return _status("Rejected", "UnknownEVSE")
    operative = p["operationalStatus"] == "Operative"
    return {"status": ctl.model.set_availability(cid, operative, ctl.now())}


def trigger_message(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    """The messages of the station's state; SignChargingStationCertificate: a new key and
    SignCertificate with its CSR."""
    if p["requestedMessage"] == "SignChargingStationCertificate":
        org = proto.device.variables["SecurityCtrlr", None, "OrganizationName", None].value
        kind = "ChargingStationCertificate"
        ctl.enqueue(sec.sign_request(proto, ctl, org, certificateType=kind))
        return {"status": "Accepted"}
    return _trigger_state(proto, ctl, p)


def _trigger_state(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    what, evse = p["requestedMessage"], p.get("evse", {}).get("id")
    now, model = ctl.now(), ctl.model
    chosen = [c for c in model.connectors.values() if evse in (None, c.id)]
    if evse is not None and not chosen:
        return _status("Rejected", "UnknownEVSE")
    if what == "BootNotification":
        ctl.enqueue(proto.boot(ctl, "Triggered"))
    elif what == "Heartbeat":
        ctl.enqueue(proto.heartbeat(ctl))
    elif what == "StatusNotification":
        for conn in chosen:
            ctl.enqueue(proto.status_notification(ctl, conn.id, conn.status, now))
    elif what == "MeterValues":
        for conn in chosen:
            ctl.enqueue(proto.meter_values(ctl, model.sample(conn, now)))
    elif what == "TransactionEvent":
        for conn in chosen:
            if conn.tx is not None and conn.tx.ocpp_id is not None:
                ctl.enqueue(proto.tx_updated(ctl, conn.tx, "Trigger", model.sample(conn, now)))
    elif what in ("FirmwareStatusNotification", "LogStatusNotification"):
        ctl.enqueue(Outgoing(what, lambda: {"status": "Idle"}))
    else:
        return {"status": "NotImplemented"}
    return {"status": "Accepted"}


def set_network_profile(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    """Kept in its slot; the simulated station stays on the URL it was started with."""
    return {"status": proto.device.set_network_profile(p["configurationSlot"], p["connectionData"])}


# smart charging -------------------------------------------------------------------------------
def set_charging_profile(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    try:
        _install(ctl, p["evseId"], p["chargingProfile"])
    except ProfileRejected as exc:
        return _status("Rejected", str(exc))
    return {"status": "Accepted"}


def _install(ctl: Control, evse_id: int, raw: Payload) -> None:
    profile = profile_from_201(raw, ctl.clock)
    check_placement(ctl.model, evse_id, profile)
    ctl.model.profiles.install(evse_id, profile)
    ctl.model.refresh_limits(ctl.now())


def clear_charging_profile(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    from evgw.testing.fleet._v201_profiles import PURPOSES  # noqa: PLC0415

    criteria = p.get("chargingProfileCriteria", {})
    purpose = criteria.get("chargingProfilePurpose")
    removed = ctl.model.profiles.clear(
        profile_id=p.get("chargingProfileId"),
        connector_id=criteria.get("evseId"),
        purpose=PURPOSES.get(purpose, purpose) if purpose else None,
        stack_level=criteria.get("stackLevel"),
    )
    ctl.model.refresh_limits(ctl.now())
    return {"status": "Accepted" if removed else "Unknown"}


def get_charging_profiles(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    """Accepted, then one ReportChargingProfiles per EVSE holding matching profiles."""
    evse, criteria = p.get("evseId"), p["chargingProfile"]
    found: list[tuple[int, list[Payload]]] = []
    for cid in (0, *ctl.model.connectors):
        if evse is not None and cid != evse:
            continue
        raws = [
            x.raw
            for x in ctl.model.profiles.profiles(cid)
            if x.raw is not None and matches_criteria(x, criteria)
        ]
        if raws:
            found.append((cid, raws))
    for i, (cid, raws) in enumerate(found):
        report = {
            "requestId": p["requestId"],
            "chargingLimitSource": "CSO",
            "evseId": cid,
            "chargingProfile": raws,
            "tbc": i < len(found) - 1,
        }
        ctl.enqueue(Outgoing("ReportChargingProfiles", lambda r=report: r))  # type: ignore[misc]
    return {"status": "Accepted" if found else "NoProfiles"}


def get_composite_schedule(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    evse = p["evseId"]
    conns = list(ctl.model.connectors.values())
    if evse:
        conns = [c for c in conns if c.id == evse]
    if not conns:
        return _status("Rejected", "UnknownEVSE")
    limit = sum(current_limit_a(c) for c in conns)
    unit = p.get("chargingRateUnit", "A")
    value = limit * VOLTAGE * 3 if unit == "W" else limit
    schedule = {
        "evseId": evse,
        "duration": p["duration"],
        "scheduleStart": stamp(ctl, ctl.now()),
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": round(value, 1)}],
    }
    return {"status": "Accepted", "schedule": schedule}


# device model ---------------------------------------------------------------------------------
def get_variables(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    items = p["getVariableData"]
    proto.device.check_size("GetVariables", items, p)
    return {"getVariableResult": [proto.device.get(ctl, item) for item in items]}


def set_variables(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    items = p["setVariableData"]
    proto.device.check_size("SetVariables", items, p)
    return {"setVariableResult": [proto.device.set(ctl, item) for item in items]}


# firmware and logs ----------------------------------------------------------------------------
def update_firmware(proto: Ocpp201, ctl: Control, p: Payload) -> Payload:
    firmware = p["firmware"]
    note = status_note("FirmwareStatusNotification", requestId=p["requestId"])

    def reboot() -> None:
        proto.reboot(ctl, "FirmwareUpdate", hard=True)

    walk = attrs.evolve(FIRMWARE_WALK, reboot=reboot)
    location, when = firmware["location"], firmware["retrieveDateTime"]
    ctl.spawn(lambda: walk_firmware(ctl, location, when, note, walk))
    return {"status": "Accepted"}


COMMANDS: dict[str, Command] = {
    "RequestStartTransaction": request_start,
    "RequestStopTransaction": request_stop,
    "GetTransactionStatus": get_transaction_status,
    "Reset": reset,
    "UnlockConnector": unlock_connector,
    "ChangeAvailability": change_availability,
    "TriggerMessage": trigger_message,
    "SetChargingProfile": set_charging_profile,
    "ClearChargingProfile": clear_charging_profile,
    "GetChargingProfiles": get_charging_profiles,
    "GetCompositeSchedule": get_composite_schedule,
    "GetVariables": get_variables,
    "SetVariables": set_variables,
    "GetBaseReport": get_base_report,
    "UpdateFirmware": update_firmware,
    "GetLog": get_log,
    "DataTransfer": fixed({"status": "UnknownVendorId"}),
    "ClearCache": fixed({"status": "Accepted"}),
    "GetLocalListVersion": lambda proto, ctl, p: {"versionNumber": local_list(ctl).version},
    "SendLocalList": send_local_list_201,
    "ReserveNow": reserve_now,
    "CancelReservation": cancel_reservation,
    "GetReport": get_report,
    "GetMonitoringReport": get_monitoring_report,
    "SetMonitoringBase": set_monitoring_base,
    "SetMonitoringLevel": set_monitoring_level,
    "SetVariableMonitoring": set_variable_monitoring,
    "ClearVariableMonitoring": clear_variable_monitoring,
    "SetNetworkProfile": set_network_profile,
    "CertificateSigned": sec.certificate_signed,
    "InstallCertificate": sec.install_certificate,
    "DeleteCertificate": sec.delete_certificate,
    "GetInstalledCertificateIds": sec.installed_ids_201,
    "CustomerInformation": customer_information,
    "GetDisplayMessages": get_display_messages,
    "SetDisplayMessage": set_display_message,
    "ClearDisplayMessage": clear_display_message,
    "CostUpdated": fixed({}),
}


def handle_call(proto: Ocpp201, ctl: Control, action: str, payload: Payload) -> Payload:
    return dispatch(COMMANDS, proto, ctl, action, payload, format_code="FormatViolation")
