"""One schema-valid request per CSMS-initiated action of OCPP 1.6J and 2.0.1 (the simulator
must answer each with a schema-valid response)."""

from __future__ import annotations

from typing import Any

WHEN = "2026-01-01T01:00:00.000Z"
TOKEN = {"idToken": "T", "type": "ISO14443"}
HASH = {
    "hashAlgorithm": "SHA256",
    "issuerNameHash": "ab",
    "issuerKeyHash": "cd",
    "serialNumber": "1",
}
PEM = "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n"
LOG = {"remoteLocation": "file:///tmp/logs"}
SCHEDULE_16 = {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}]}
PROFILE_16 = {
    "chargingProfileId": 1,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": SCHEDULE_16,
}
SCHEDULE_201 = {"id": 1, **SCHEDULE_16}
PROFILE_201 = {
    "id": 1,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": [SCHEDULE_201],
}
COMPONENT = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
NETWORK = {
    "ocppVersion": "OCPP20",
    "ocppTransport": "JSON",
    "ocppCsmsUrl": "wss://csms.example/ocpp",
    "messageTimeout": 30,
    "securityProfile": 2,
    "ocppInterface": "Wired0",
}
MESSAGE = {"id": 1, "priority": "NormalCycle", "message": {"format": "UTF8", "content": "Hi"}}

REQUESTS: dict[str, dict[str, dict[str, Any]]] = {
    "ocpp1.6": {
        "CancelReservation": {"reservationId": 1},
        "CertificateSigned": {"certificateChain": PEM},
        "ChangeAvailability": {"connectorId": 1, "type": "Inoperative"},
        "ChangeConfiguration": {"key": "HeartbeatInterval", "value": "60"},
        "ClearCache": {},
        "ClearChargingProfile": {"id": 1},
        "DataTransfer": {"vendorId": "com.example"},
        "DeleteCertificate": {"certificateHashData": HASH},
        "ExtendedTriggerMessage": {"requestedMessage": "SignChargePointCertificate"},
        "GetCompositeSchedule": {"connectorId": 1, "duration": 3600},
        "GetConfiguration": {},
        "GetDiagnostics": {"location": "file:///tmp/diag"},
        "GetInstalledCertificateIds": {"certificateType": "CentralSystemRootCertificate"},
        "GetLocalListVersion": {},
        "GetLog": {"logType": "SecurityLog", "requestId": 1, "log": LOG},
        "InstallCertificate": {
            "certificateType": "CentralSystemRootCertificate",
            "certificate": PEM,
        },
        "RemoteStartTransaction": {"idTag": "T", "connectorId": 1},
        "RemoteStopTransaction": {"transactionId": 1},
        "ReserveNow": {"connectorId": 2, "expiryDate": WHEN, "idTag": "R", "reservationId": 7},
        "Reset": {"type": "Soft"},
        "SendLocalList": {"listVersion": 1, "updateType": "Full", "localAuthorizationList": []},
        "SetChargingProfile": {"connectorId": 1, "csChargingProfiles": PROFILE_16},
        "SignedUpdateFirmware": {
            "requestId": 1,
            "firmware": {
                "location": "file:///fw.bin",
                "retrieveDateTime": WHEN,
                "signingCertificate": PEM,
                "signature": "c2ln",
            },
        },
        "TriggerMessage": {"requestedMessage": "StatusNotification"},
        "UnlockConnector": {"connectorId": 1},
        "UpdateFirmware": {"location": "file:///fw.bin", "retrieveDate": WHEN},
    },
    "ocpp2.0.1": {
        "CancelReservation": {"reservationId": 1},
        "CertificateSigned": {"certificateChain": PEM},
        "ChangeAvailability": {"operationalStatus": "Inoperative", "evse": {"id": 1}},
        "ClearCache": {},
        "ClearChargingProfile": {"chargingProfileId": 1},
        "ClearDisplayMessage": {"id": 1},
        "ClearVariableMonitoring": {"id": [1]},
        "CostUpdated": {"totalCost": 1.5, "transactionId": "tx"},
        "CustomerInformation": {"requestId": 1, "report": True, "clear": False, "idToken": TOKEN},
        "DataTransfer": {"vendorId": "com.example"},
        "DeleteCertificate": {"certificateHashData": HASH},
        "GetBaseReport": {"requestId": 1, "reportBase": "SummaryInventory"},
        "GetChargingProfiles": {"requestId": 1, "chargingProfile": {"stackLevel": 0}},
        "GetCompositeSchedule": {"duration": 3600, "evseId": 1},
        "GetDisplayMessages": {"requestId": 1},
        "GetInstalledCertificateIds": {},
        "GetLocalListVersion": {},
        "GetLog": {"logType": "DiagnosticsLog", "requestId": 1, "log": LOG},
        "GetMonitoringReport": {"requestId": 1},
        "GetReport": {"requestId": 1, "componentVariable": [COMPONENT]},
        "GetTransactionStatus": {},
        "GetVariables": {"getVariableData": [COMPONENT]},
        "InstallCertificate": {"certificateType": "CSMSRootCertificate", "certificate": PEM},
        "PublishFirmware": {"location": "file:///fw.bin", "checksum": "0" * 32, "requestId": 1},
        "RequestStartTransaction": {"idToken": TOKEN, "remoteStartId": 1, "evseId": 1},
        "RequestStopTransaction": {"transactionId": "tx"},
        "ReserveNow": {"id": 7, "expiryDateTime": WHEN, "idToken": TOKEN, "evseId": 2},
        "Reset": {"type": "OnIdle"},
        "SendLocalList": {"versionNumber": 1, "updateType": "Full"},
        "SetChargingProfile": {"evseId": 1, "chargingProfile": PROFILE_201},
        "SetDisplayMessage": {"message": MESSAGE},
        "SetMonitoringBase": {"monitoringBase": "All"},
        "SetMonitoringLevel": {"severity": 5},
        "SetNetworkProfile": {"configurationSlot": 1, "connectionData": NETWORK},
        "SetVariableMonitoring": {
            "setMonitoringData": [
                {"value": 600, "type": "UpperThreshold", "severity": 5, **COMPONENT}
            ]
        },
        "SetVariables": {"setVariableData": [{"attributeValue": "60", **COMPONENT}]},
        "TriggerMessage": {"requestedMessage": "SignChargingStationCertificate"},
        "UnlockConnector": {"evseId": 1, "connectorId": 1},
        "UnpublishFirmware": {"checksum": "0" * 32},
        "UpdateFirmware": {
            "requestId": 1,
            "firmware": {"location": "file:///fw.bin", "retrieveDateTime": WHEN},
        },
    },
}
# Local Controller actions: a charging station answers them NotImplemented
LOCAL_CONTROLLER = {"PublishFirmware", "UnpublishFirmware"}
