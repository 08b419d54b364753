"""Charger certificates near expiry: the ones evgw's charger CA signed (security event
``CertificateIssued``: issued at, valid for ``ocpp.charger_ca.validity_days``, or the
``not_after`` the event records). A certificate expiring within
``rules.certificate_warn_days`` opens one ticket (critical once expired)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs

from evgw.ocpp._time import utc_now
from evgw.store import Db, Store

from . import _metrics
from ._tickets import Incident, Severity

log = logging.getLogger("evgw.maintenance")


@attrs.frozen
class KnownCertificate:
    charger_id: str
    serial: str
    issued_at: datetime
    not_after: datetime


def issued_certificates(db: Db, validity: timedelta) -> list[KnownCertificate]:
    """The latest certificate evgw issued to each charger."""
    rows = db.all(
        "SELECT charger_id, detail, at FROM security_events WHERE kind = 'CertificateIssued'"
        " AND charger_id IS NOT NULL ORDER BY at, id"
    )
    latest: dict[str, KnownCertificate] = {}
    for charger_id, detail, at in rows:
        issued = db.dt(at)
        if issued is None:
            continue
        data = json.loads(detail) if detail else {}
        not_after = issued + validity
        if isinstance(data.get("not_after"), str):
            not_after = datetime.fromisoformat(data["not_after"])
        latest[str(charger_id)] = KnownCertificate(
            str(charger_id), str(data.get("serial", "")), issued, not_after
        )
    return list(latest.values())


def expiring(
    certs: list[KnownCertificate], now: datetime, warn: timedelta
) -> list[tuple[KnownCertificate, Severity]]:
    out = []
    for cert in certs:
        if cert.not_after <= now:
            out.append((cert, Severity.CRITICAL))
        elif cert.not_after - now <= warn:
            out.append((cert, Severity.HIGH))
    return out


class CertificateWatch:
    def __init__(
        self,
        store: Store,
        raise_incident: Callable[[Incident], None],
        *,
        validity_days: int,
        warn_days: float,
    ) -> None:
        self.store = store
        self.raise_incident = raise_incident
        self.validity = timedelta(days=validity_days)
        self.warn = timedelta(days=warn_days)
        self.raised: set[tuple[str, str, Severity]] = set()

    async def check(self) -> None:
        certs = await self.store.read(lambda db: issued_certificates(db, self.validity))
        found = expiring(certs, utc_now(), self.warn)
        _metrics.CERTIFICATES_EXPIRING.set(len(found))
        for cert, severity in found:
            key = (cert.charger_id, cert.serial, severity)
            if key in self.raised:
                continue
            self.raised.add(key)
            state = "expired" if severity is Severity.CRITICAL else "expires"
            self.raise_incident(
                Incident(
                    f"charger:{cert.charger_id}",
                    cert.charger_id,
                    "certificate_expiry",
                    severity,
                    f"{cert.charger_id}: charger certificate {cert.serial} {state}"
                    f" {cert.not_after.isoformat()}",
                    {"serial": cert.serial, "not_after": cert.not_after.isoformat()},
                )
            )
