"""Charger security events (SecurityEventNotification, 1.6 security extension and 2.x):
which are critical per version, stored with that mark, logged at WARNING and counted."""

from __future__ import annotations

import logging
from typing import Any

from evgw import metrics
from evgw.events import SecurityEventReceived
from evgw.ocpp._context import CallContext
from evgw.ocpp._services import Services
from evgw.ocpp._time import parse_timestamp

log = logging.getLogger("evgw.security")

_CRITICAL_BOTH = frozenset(
    {
        "FirmwareUpdated",
        "SettingSystemTime",
        "StartupOfTheDevice",
        "ResetOrReboot",
        "SecurityLogWasCleared",
        "MemoryExhaustion",
        "TamperDetectionActivated",
    }
)
# 2.0.1 Appendices; the 1.6 whitepaper marks its certificate and TLS events not critical and
# has no maintenance-login events.
CRITICAL = {
    "ocpp1.6": _CRITICAL_BOTH,
    "ocpp2.0.1": _CRITICAL_BOTH
    | {
        "InvalidCsmsCertificate",
        "InvalidChargingStationCertificate",
        "InvalidTLSVersion",
        "InvalidTLSCipherSuite",
        "MaintenanceLoginAccepted",
        "MaintenanceLoginFailed",
    },
}
_KNOWN_16 = {
    "FailedToAuthenticateAtCentralSystem",
    "CentralSystemFailedToAuthenticate",
    "ReconfigurationOfSecurityParameters",
    "InvalidMessages",
    "AttemptedReplayAttacks",
    "InvalidFirmwareSignature",
    "InvalidFirmwareSigningCertificate",
    "InvalidCentralSystemCertificate",
    "InvalidChargePointCertificate",
    "InvalidTLSVersion",
    "InvalidTLSCipherSuite",
}
_KNOWN_2X = {
    "FailedToAuthenticateAtCsms",
    "CsmsFailedToAuthenticate",
    "ReconfigurationOfSecurityParameters",
    "InvalidMessages",
    "AttemptedReplayAttacks",
    "InvalidFirmwareSignature",
    "InvalidFirmwareSigningCertificate",
}
KNOWN = CRITICAL["ocpp2.0.1"] | _KNOWN_16 | _KNOWN_2X


def is_critical(ocpp_version: str, kind: str) -> bool:
    return kind in CRITICAL.get(ocpp_version, CRITICAL["ocpp2.0.1"])  # 2.1 as 2.0.1


async def security_event(svc: Services, ctx: CallContext, p: dict[str, Any]) -> dict[str, Any]:
    kind = p["type"]
    critical = is_critical(ctx.ocpp_version, kind)
    detail = {"tech_info": p.get("techInfo"), "timestamp": p["timestamp"], "critical": critical}
    await svc.store.add_security_event(ctx.charger_id, kind, detail, ctx.received_at)
    metrics.SECURITY_EVENTS.labels(kind if kind in KNOWN else "other", str(critical)).inc()
    if critical:
        log.warning("%s: critical security event %s (%s)", ctx.charger_id, kind, p.get("techInfo"))
    at = parse_timestamp(p["timestamp"])
    svc.events.publish(SecurityEventReceived(ctx.charger_id, kind, p.get("techInfo"), at, critical))
    return {}
