"""SignCertificate, 1.6 security extension and 2.x: the CSR is checked before the answer;
an Accepted one is signed and sent back (CertificateSigned) by the ocpp201 component."""

from __future__ import annotations

import logging
from typing import Any

from evgw.events import CertificateSigningRequested
from evgw.ocpp._charger_ca import CsrRejected, parse_csr
from evgw.ocpp._context import CallContext
from evgw.ocpp._services import Services

log = logging.getLogger("evgw.ocpp")

Payload = dict[str, Any]
REJECTED: Payload = {"status": "Rejected"}


async def _refuse(svc: Services, ctx: CallContext, reason: str) -> Payload:
    log.warning("%s: SignCertificate rejected: %s", ctx.charger_id, reason)
    detail: dict[str, object] = {"reason": reason}
    await svc.store.add_security_event(ctx.charger_id, "CsrRejected", detail, ctx.received_at)
    return REJECTED


async def sign_certificate(svc: Services, ctx: CallContext, p: Payload) -> Payload:
    kind = p.get("certificateType")
    if svc.charger_ca is None:
        return await _refuse(svc, ctx, "no charger CA configured")
    if kind == "V2GCertificate":
        return await _refuse(svc, ctx, "V2G certificates are signed by the V2G PKI, not here")
    record = await svc.store.get_charger(ctx.charger_id)
    serial = record.registration.serial_number if record else None
    try:
        parse_csr(p["csr"], ctx.charger_id, serial, svc.config.tls.organization)
    except CsrRejected as exc:
        return await _refuse(svc, ctx, str(exc))
    svc.events.publish(
        CertificateSigningRequested(
            ctx.charger_id, ctx.ocpp_version, p["csr"], kind, ctx.received_at
        )
    )
    return {"status": "Accepted"}
