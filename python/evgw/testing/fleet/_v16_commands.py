"""Answers to CSMS-initiated OCPP 1.6 CALLs, with the side effects a real charger has."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evgw.testing.fleet import _security as sec
from evgw.testing.fleet._actions import Walk, status_note, upload_diagnostics, walk_firmware
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
from evgw.testing.fleet._local_list import MAX_LENGTH, PER_MESSAGE, local_list, send_local_list_16
from evgw.testing.fleet._profiles import TX
from evgw.testing.fleet._protocol import Control, Outgoing, Payload
from evgw.testing.fleet._reservations import Reservation
from evgw.testing.fleet._v16_profiles import profile_from_16

if TYPE_CHECKING:
    from evgw.testing.fleet._v16 import Ocpp16

CONFIG_KEYS = {
    "HeartbeatInterval",
    "MeterValueSampleInterval",
    "ConnectionTimeOut",
    "MeterValuesSampledData",
    "NumberOfConnectors",
    "LocalAuthListEnabled",
    "LocalAuthListMaxLength",
    "SendLocalListMaxLength",
    "ReserveConnectorZeroSupported",
}
#: values the simulator reports (others read as "")
CONFIG_VALUES = {
    "LocalAuthListEnabled": "true",
    "LocalAuthListMaxLength": str(MAX_LENGTH),
    "SendLocalListMaxLength": str(PER_MESSAGE),
    "ReserveConnectorZeroSupported": "true",
}


def reset(proto: Ocpp16, ctl: Control, p: Payload) -> Payload:
    ctl.request_reboot(p["type"] == "Hard")
    return {"status": "Accepted"}


def unlock_connector(proto: Ocpp16, ctl: Control, p: Payload) -> Payload:
    cid = p["connectorId"]
    if cid not in ctl.model.connectors:
        return {"status": "NotSupported"}
    ctl.model.stop_tx(cid, "UnlockCommand", ctl.now())
    return {"status": "Unlocked"}


def change_availability(proto: Ocpp16, ctl: Control, p: Payload) -> Payload:
    cid = p["connectorId"]
    if cid != 0 and cid not in ctl.model.connectors:
        return {"status": "Rejected"}
    return {"status": ctl.model.set_availability(cid, p["type"] == "Operative", ctl.now())}


def trigger_message(proto: Ocpp16, ctl: Control, p: Payload) -> Payload:
    what, cid = p["requestedMessage"], p.get("connectorId")
    now, model = ctl.now(), ctl.model
    if what == "BootNotification":
        ctl.enqueue(proto.boot(ctl))
    elif what == "Heartbeat":
        ctl.enqueue(proto.heartbeat(ctl))
    elif what == "StatusNotification":
        for ev in model.statuses(now):
            if cid in (None, ev.connector_id):
                ctl.enqueue(proto._status(ctl, ev))
    elif what == "MeterValues":
        for conn in model.connectors.values():
            if cid in (None, conn.id):
                ctl.enqueue(proto._meter(ctl, model.sample(conn, now)))
    elif what in ("FirmwareStatusNotification", "DiagnosticsStatusNotification"):
        ctl.enqueue(Outgoing(what, lambda: {"status": "Idle"}))
    else:
        return {"status": "NotImplemented"}
    return {"status": "Accepted"}


EXTENDED = {"LogStatusNotification": "Idle", "FirmwareStatusNotification": "Idle"}


def extended_trigger(proto: Ocpp16, ctl: Control, p: Payload) -> Payload:
    """Security extension ExtendedTriggerMessage: the TriggerMessage set, plus
    SignChargePointCertificate (a new key, SignCertificate with its CSR)."""
    what = p["requestedMessage"]
    if what == "SignChargePointCertificate":
        ctl.enqueue(sec.sign_request(proto, ctl, sec.ORGANIZATION))
        return {"status": "Accepted"}
    if what in EXTENDED:
        ctl.enqueue(Outgoing(what, lambda: {"status": EXTENDED[what]}))
        return {"status": "Accepted"}
    return trigger_message(proto, ctl, p)


def update_firmware(proto: Ocpp16, ctl: Control, p: Payload) -> Payload:
    note = status_note("FirmwareStatusNotification")
    ctl.spawn(lambda: walk_firmware(ctl, p["location"], p["retrieveDate"], note))
    return {}


SIGNED_WALK = Walk(("Downloading", "Downloaded", "SignatureVerified", "Installing"), "Installed")


def signed_update_firmware(proto: Ocpp16, ctl: Control, p: Payload) -> Payload:
    """Security extension: the statuses go in SignedFirmwareStatusNotification with the
    requestId (the simulator does not check the signature)."""
    firmware = p["firmware"]
    note = status_note("SignedFirmwareStatusNotification", requestId=p["requestId"])
    location, when = firmware["location"], firmware["retrieveDateTime"]
    ctl.spawn(lambda: walk_firmware(ctl, location, when, note, SIGNED_WALK))
    return {"status": "Accepted"}


def get_diagnostics(proto: Ocpp16, ctl: Control, p: Payload) -> Payload:
    name = f"diagnostics-{ctl.identity.serial}-{int(ctl.now())}.log"
    note = status_note("DiagnosticsStatusNotification")
    ctl.spawn(lambda: upload_diagnostics(ctl, p["location"], name, note))
    return {"fileName": name}


def remote_start(proto: Ocpp16, ctl: Control, p: Payload) -> Payload:
    cid = p.get("connectorId") or free_connector(ctl.model, p["idTag"])
    if not cid or not ctl.remote_start(cid, p["idTag"]):
        return {"status": "Rejected"}
    if "chargingProfile" in p:
        _install(ctl, cid, p["chargingProfile"])
    return {"status": "Accepted"}


def remote_stop(proto: Ocpp16, ctl: Control, p: Payload) -> Payload:
    tx = ctl.model.active_tx(p["transactionId"])
    if tx is None:
        return {"status": "Rejected"}
    ctl.model.stop_tx(tx.connector_id, "Remote", ctl.now())
    return {"status": "Accepted"}


def reserve_now(proto: Ocpp16, ctl: Control, p: Payload) -> Payload:
    expires = sim_seconds(ctl.clock, p["expiryDate"])
    assert expires is not None
    cid = p["connectorId"]
    r = Reservation(p["reservationId"], p["idTag"], expires, cid or None, p.get("parentIdTag"))
    return reserve(ctl, r)


def set_charging_profile(proto: Ocpp16, ctl: Control, p: Payload) -> Payload:
    cid, raw = p["connectorId"], p["csChargingProfiles"]
    conn = ctl.model.connectors.get(cid)
    if cid != 0 and conn is None:
        return {"status": "Rejected"}
    if raw["chargingProfilePurpose"] == TX and (conn is None or conn.tx is None):
        return {"status": "Rejected"}  # 1.6: a TxProfile needs a running transaction
    try:
        _install(ctl, cid, raw)
    except (ValueError, KeyError):
        return {"status": "Rejected"}
    return {"status": "Accepted"}


def _install(ctl: Control, cid: int, raw: Payload) -> None:
    ctl.model.profiles.install(cid, profile_from_16(raw, ctl.clock))
    ctl.model.refresh_limits(ctl.now())


def clear_charging_profile(proto: Ocpp16, ctl: Control, p: Payload) -> Payload:
    removed = ctl.model.profiles.clear(
        profile_id=p.get("id"),
        connector_id=p.get("connectorId"),
        purpose=p.get("chargingProfilePurpose"),
        stack_level=p.get("stackLevel"),
    )
    ctl.model.refresh_limits(ctl.now())
    return {"status": "Accepted" if removed else "Unknown"}


def get_composite_schedule(proto: Ocpp16, ctl: Control, p: Payload) -> Payload:
    conn = ctl.model.connectors.get(p["connectorId"])
    if conn is None:
        return {"status": "Rejected"}
    limit = current_limit_a(conn)
    return {
        "status": "Accepted",
        "connectorId": conn.id,
        "chargingSchedule": {
            "duration": p["duration"],
            "chargingRateUnit": "A",
            "chargingSchedulePeriod": [{"startPeriod": 0, "limit": round(limit, 1)}],
        },
    }


def change_configuration(proto: Ocpp16, ctl: Control, p: Payload) -> Payload:
    if p["key"] not in CONFIG_KEYS:
        return {"status": "NotSupported"}
    if p["key"] == "HeartbeatInterval" and p["value"].isdigit():
        ctl.set_heartbeat_interval(float(p["value"]))
    return {"status": "Accepted"}


def get_configuration(proto: Ocpp16, ctl: Control, p: Payload) -> Payload:
    keys = p.get("key") or sorted(CONFIG_KEYS)
    known = [
        {"key": k, "readonly": False, "value": CONFIG_VALUES.get(k, "")}
        for k in keys
        if k in CONFIG_KEYS
    ]
    return {"configurationKey": known, "unknownKey": [k for k in keys if k not in CONFIG_KEYS]}


COMMANDS: dict[str, Command] = {
    "Reset": reset,
    "UnlockConnector": unlock_connector,
    "ChangeAvailability": change_availability,
    "TriggerMessage": trigger_message,
    "UpdateFirmware": update_firmware,
    "GetDiagnostics": get_diagnostics,
    "SignedUpdateFirmware": signed_update_firmware,
    "RemoteStartTransaction": remote_start,
    "RemoteStopTransaction": remote_stop,
    "SetChargingProfile": set_charging_profile,
    "ClearChargingProfile": clear_charging_profile,
    "GetCompositeSchedule": get_composite_schedule,
    "ChangeConfiguration": change_configuration,
    "GetConfiguration": get_configuration,
    "ClearCache": fixed({"status": "Accepted"}),
    "DataTransfer": fixed({"status": "UnknownVendorId"}),
    "GetLocalListVersion": lambda proto, ctl, p: {"listVersion": local_list(ctl).version},
    "SendLocalList": send_local_list_16,
    "ReserveNow": reserve_now,
    "CancelReservation": cancel_reservation,
    # security extension (1.6 security whitepaper)
    "ExtendedTriggerMessage": extended_trigger,
    "GetLog": get_log,
    "InstallCertificate": sec.install_certificate,
    "DeleteCertificate": sec.delete_certificate,
    "GetInstalledCertificateIds": sec.installed_ids_16,
    "CertificateSigned": sec.certificate_signed,
}


def handle_call(proto: Ocpp16, ctl: Control, action: str, payload: Payload) -> Payload:
    return dispatch(COMMANDS, proto, ctl, action, payload, format_code="FormationViolation")
