"""SecurityEventNotification (A04 / S-27): stored, critical ones per version marked, logged at
WARNING, counted, and published for maintenance."""

from __future__ import annotations

import logging

import pytest
from evgw import metrics
from evgw.events import SecurityEventReceived
from evgw.testing import connect_charger

from tests.conformance.v201_frames import ts
from tests.integration.gateway_fixtures import PASSWORD, Running, running

__all__ = ["running"]


@pytest.mark.parametrize(
    ("version", "kind", "critical", "label"),
    [
        ("ocpp2.0.1", "TamperDetectionActivated", True, "TamperDetectionActivated"),
        ("ocpp1.6", "TamperDetectionActivated", True, "TamperDetectionActivated"),
        ("ocpp2.0.1", "InvalidTLSVersion", True, "InvalidTLSVersion"),
        ("ocpp1.6", "InvalidTLSVersion", False, "InvalidTLSVersion"),  # 1.6: not critical
        ("ocpp2.1", "FailedToAuthenticateAtCsms", False, "FailedToAuthenticateAtCsms"),
        ("ocpp2.0.1", "AcmeDoorOpened", False, "other"),
    ],
)
async def test_S27_security_event_criticality(
    running: Running,
    caplog: pytest.LogCaptureFixture,
    version: str,
    kind: str,
    critical: bool,
    label: str,
) -> None:
    seen: list[SecurityEventReceived] = []
    running.server.events.subscribe(SecurityEventReceived, seen.append)
    counter = metrics.SECURITY_EVENTS.labels(label, str(critical))
    before = counter._value.get()
    url = running.charger_url("CP1")
    with caplog.at_level(logging.WARNING, logger="evgw.security"):
        async with connect_charger(url, version=version, user="CP1", password=PASSWORD) as cp:
            payload = {"type": kind, "timestamp": ts(), "techInfo": "door 2"}
            assert await cp.result("SecurityEventNotification", payload) == {}
    assert [(e.kind, e.critical, e.tech_info) for e in seen] == [(kind, critical, "door 2")]
    assert counter._value.get() == before + 1
    mine = [r for r in caplog.records if r.name == "evgw.security" and kind in r.getMessage()]
    assert bool(mine) == critical
