"""Security rules on both store backends: certificates evgw issued near or past expiry open
one ticket each; security-event tickets follow the charger's own critical mark."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from evgw import events as ev
from evgw.maintenance import _metrics
from evgw.maintenance._certs import CertificateWatch
from evgw.maintenance._config import MaintenanceConfig
from evgw.maintenance._desk import TicketDesk
from evgw.maintenance._guard import StormGuard
from evgw.maintenance._rules import Rules
from evgw.maintenance._tickets import Incident, Severity
from evgw.store import Store


async def test_certificates_near_expiry_open_one_ticket_each(store: Store) -> None:
    now = datetime.now(UTC)
    # valid 365 days from issue: CP1 has 15 days left, CP2 expired 35 days ago, CP3 is fresh;
    # CP4's event records its own not_after (in 5 days)
    soon = (now + timedelta(days=5)).isoformat()
    issued: dict[str, tuple[datetime, dict[str, object]]] = {
        "CP1": (now - timedelta(days=350), {"serial": "a1"}),
        "CP2": (now - timedelta(days=400), {"serial": "b2"}),
        "CP3": (now - timedelta(days=10), {"serial": "c3"}),
        "CP4": (
            now - timedelta(days=1),
            {"serial": "d4", "not_after": soon},
        ),
    }
    for charger, (at, detail) in issued.items():
        await store.add_security_event(charger, "CertificateIssued", detail, at)
    raised: list[Incident] = []
    watch = CertificateWatch(store, raised.append, validity_days=365, warn_days=30)
    await watch.check()
    found = {i.charger_id: (i.kind, i.severity, i.detail["serial"]) for i in raised}
    assert found == {
        "CP1": ("certificate_expiry", Severity.HIGH, "a1"),
        "CP2": ("certificate_expiry", Severity.CRITICAL, "b2"),
        "CP4": ("certificate_expiry", Severity.HIGH, "d4"),
    }
    assert _metrics.CERTIFICATES_EXPIRING._value.get() == 3
    await watch.check()  # checked again: no second incident
    assert len(raised) == 3
    # a renewed certificate (a newer CertificateIssued) replaces the old one
    await store.add_security_event("CP2", "CertificateIssued", {"serial": "b3"}, now)
    raised.clear()
    await watch.check()
    assert [i.charger_id for i in raised] == []


async def test_security_tickets_follow_the_critical_mark(store: Store) -> None:
    cfg = MaintenanceConfig()
    desk = TicketDesk(store, cfg.tickets)
    rules = Rules(cfg, desk, StormGuard(cfg.rules))
    now = datetime.now(UTC)
    cases = [
        ("VendorTamperAlarm", True),  # critical per the charger's version: ticket
        ("InvalidFirmwareSignature", False),  # not critical on this version: no ticket
        ("StartupOfTheDevice", True),  # critical but routine: no ticket
    ]
    for kind, critical in cases:
        rules.security(ev.SecurityEventReceived("CP1", kind, None, now, critical=critical))
    desk.send.close()
    incidents = [i async for i in desk._receive]
    assert [(i.kind, i.severity, i.title) for i in incidents] == [
        ("security", Severity.CRITICAL, "CP1: security event VendorTamperAlarm")
    ]
