"""ISO 15118 certificate messages (2.x block M): Get15118EVCertificate and
GetCertificateStatus are passed to policy plugins, which talk to the contract-certificate
pool / OCSP responders evgw does not run itself.

Hooks (see `evgw.plugins`):

- ``async def iso15118_ev_certificate(request: EVCertificateRequest)``
  ``-> EVCertificateAnswer | None``
- ``async def iso15118_certificate_status(request: CertificateStatusRequest)``
  ``-> CertificateStatusAnswer | None``

Without a plugin that answers, evgw answers ``Failed`` with statusInfo reasonCode
``NoProvider`` and a text naming the hook to configure.
"""

from __future__ import annotations

from typing import Any

import attrs

from evgw.ocpp._context import CallContext
from evgw.ocpp._services import Services

Payload = dict[str, Any]
NO_PROVIDER = "NoProvider"


@attrs.frozen
class EVCertificateRequest:
    charger_id: str
    ocpp_version: str
    schema_version: str  # iso15118SchemaVersion
    action: str  # Install | Update
    exi_request: str  # base64 EXI, passed on unchanged
    extra: Payload = attrs.field(factory=dict)  # further fields (2.1), unchanged


@attrs.frozen
class EVCertificateAnswer:
    status: str  # Accepted | Failed
    exi_response: str  # base64 EXI for the EV
    reason: str | None = None  # statusInfo.reasonCode (<= 20 characters)


@attrs.frozen
class CertificateStatusRequest:
    charger_id: str
    ocpp_version: str
    ocsp_request_data: Payload  # OCSPRequestDataType, unchanged


@attrs.frozen
class CertificateStatusAnswer:
    status: str  # Accepted | Failed
    ocsp_result: str | None = None  # base64 DER OCSPResponse
    reason: str | None = None


def _status_info(reason: str | None, text: str) -> Payload:
    return {"statusInfo": {"reasonCode": reason[:20], "additionalInfo": text}} if reason else {}


async def ev_certificate(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    known = ("iso15118SchemaVersion", "action", "exiRequest", "customData")
    request = EVCertificateRequest(
        ctx.charger_id,
        ctx.ocpp_version,
        p["iso15118SchemaVersion"],
        p["action"],
        p["exiRequest"],
        {k: v for k, v in p.items() if k not in known},
    )
    answer = await svc.plugins.decide("iso15118_ev_certificate", request, EVCertificateAnswer)
    if answer is None:
        text = "no ISO 15118 certificate provider configured (iso15118_ev_certificate hook)"
        return {"status": "Failed", "exiResponse": "", **_status_info(NO_PROVIDER, text)}
    out = {"status": answer.status, "exiResponse": answer.exi_response}
    return out | _status_info(answer.reason, "from the certificate provider")


async def certificate_status(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    request = CertificateStatusRequest(ctx.charger_id, ctx.ocpp_version, p["ocspRequestData"])
    hook = "iso15118_certificate_status"
    answer = await svc.plugins.decide(hook, request, CertificateStatusAnswer)
    if answer is None:
        text = "no OCSP provider configured (iso15118_certificate_status hook)"
        return {"status": "Failed", **_status_info(NO_PROVIDER, text)}
    out: Payload = {"status": answer.status}
    if answer.ocsp_result is not None:
        out["ocspResult"] = answer.ocsp_result
    return out | _status_info(answer.reason, "from the OCSP provider")
