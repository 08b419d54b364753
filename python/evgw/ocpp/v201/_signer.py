"""Signs accepted SignCertificate CSRs and sends CertificateSigned, in the component's own
task (the handler has already answered Accepted). Bounded queue: when it is full the request
is dropped and logged; the charger repeats it (CertSigningWaitMinimum / RepeatTimes)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import trio
from cryptography import x509

from evgw.components import ComponentContext
from evgw.events import CertificateSigningRequested
from evgw.gateway._commands import CommandError
from evgw.ocpp._charger_ca import ChargerCa

log = logging.getLogger("evgw.ocpp.signer")

QUEUE = 1000


class CertificateSigner:
    def __init__(self, ctx: ComponentContext, ca: ChargerCa) -> None:
        self.ctx = ctx
        self.ca = ca
        self._in, self._out = trio.open_memory_channel[CertificateSigningRequested](QUEUE)
        ctx.events.subscribe(CertificateSigningRequested, self._enqueue)

    def _enqueue(self, request: CertificateSigningRequested) -> None:
        try:
            self._in.send_nowait(request)
        except trio.WouldBlock:
            log.warning("%s: signing queue full, CSR dropped", request.charger_id)

    async def run(self) -> None:
        async for request in self._out:
            try:
                await self._issue(request)
            except CommandError as exc:
                log.warning("%s: CertificateSigned not delivered: %s", request.charger_id, exc)

    async def _issue(self, request: CertificateSigningRequested) -> None:
        csr = x509.load_pem_x509_csr(request.csr_pem.encode())
        chain = self.ca.sign(csr)
        payload: dict[str, object] = {"certificateChain": chain}
        if request.certificate_type is not None:
            payload["certificateType"] = request.certificate_type
        reply = await self.ctx.commander.call(request.charger_id, "CertificateSigned", payload)
        status = str(reply.get("status"))
        detail: dict[str, object] = {"charger_status": status, "serial": _serial(chain)}
        await self.ctx.store.add_security_event(
            request.charger_id, "CertificateIssued", detail, datetime.now(UTC)
        )
        log.info("%s: CertificateSigned answered %s", request.charger_id, status)


def _serial(chain: str) -> str:
    return format(x509.load_pem_x509_certificate(chain.encode()).serial_number, "x")
