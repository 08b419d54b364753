"""The `ocpp` package's JSON schemas (an independent copy of the OCA's): validate a payload
of OCPP 1.6J or 2.0.1 with them, and the CSMS-initiated actions of each version."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

import jsonschema
from ocpp.v16.enums import Action as Action16
from ocpp.v201.enums import Action as Action201

# (package, request file, response file)
LAYOUT = {
    "ocpp1.6": ("ocpp.v16", "{}.json", "{}Response.json"),
    "ocpp2.0.1": ("ocpp.v201", "{}Request.json", "{}Response.json"),
}
# charger-initiated actions (the spec's direction; the enums list both)
FROM_CHARGER = {
    "ocpp1.6": {
        "Authorize",
        "BootNotification",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "SecurityEventNotification",
        "SignCertificate",
        "SignedFirmwareStatusNotification",
        "StartTransaction",
        "StatusNotification",
        "StopTransaction",
    },
    "ocpp2.0.1": {
        "Authorize",
        "BootNotification",
        "ClearedChargingLimit",
        "FirmwareStatusNotification",
        "Get15118EVCertificate",
        "GetCertificateStatus",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "NotifyChargingLimit",
        "NotifyCustomerInformation",
        "NotifyDisplayMessages",
        "NotifyEVChargingNeeds",
        "NotifyEVChargingSchedule",
        "NotifyEvent",
        "NotifyMonitoringReport",
        "NotifyReport",
        "PublishFirmwareStatusNotification",
        "ReportChargingProfiles",
        "ReservationStatusUpdate",
        "SecurityEventNotification",
        "SignCertificate",
        "StatusNotification",
        "TransactionEvent",
    },
}
BOTH_WAYS = {"DataTransfer"}


def csms_actions(version: str) -> set[str]:
    """Every action the CSMS may send to a charger of `version`."""
    enum = Action16 if version == "ocpp1.6" else Action201
    return {a.value for a in enum} - FROM_CHARGER[version] | BOTH_WAYS


@functools.cache
def _validator(version: str, action: str, kind: str) -> Any:
    package, request, response = LAYOUT[version]
    name = (request if kind == "request" else response).format(action)
    text = resources.files(package).joinpath("schemas", name).read_text(encoding="utf-8")
    schema = json.loads(text)
    return jsonschema.validators.validator_for(schema)(schema)


def violations(version: str, action: str, kind: str, payload: Any) -> list[str]:
    """What is wrong with `payload` as `action`'s request or response ([] if nothing)."""
    errors = _validator(version, action, kind).iter_errors(payload)
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors]
