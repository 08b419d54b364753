"""The example plugin through evgw's real plugin host (entry-point discovery included)."""

from __future__ import annotations

import pytest
from evgw.config import PluginConfig
from evgw.domain import BootPolicy, TokenStatus
from evgw.plugins import AuthDecision, AuthRequest, BootRequest, load_plugins

INVALID = AuthDecision(TokenStatus.INVALID)


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("EVGW_FLEET_PREFIXES", "FLEET-,TAXI-")
    monkeypatch.setenv("EVGW_FLEET_VENDORS", "ACME")
    return load_plugins(PluginConfig(entry_points=True))


async def test_discovered_by_entry_point(host) -> None:  # type: ignore[no-untyped-def]
    assert "fleet" in [getattr(p, "name", "") for p in host.plugins]


@pytest.mark.parametrize(
    ("token", "status", "group"),
    [
        ("FLEET-001", TokenStatus.ACCEPTED, "FLEET"),
        ("TAXI-9", TokenStatus.ACCEPTED, "TAXI"),
        ("OTHER", None, None),
    ],
)
async def test_authorize(host, token: str, status: TokenStatus | None, group: str | None) -> None:  # type: ignore[no-untyped-def]
    answer = await host.decide(
        "authorize", AuthRequest("CP1", token, "ISO14443", INVALID), AuthDecision
    )
    if status is None:
        assert answer is None
    else:
        assert answer == AuthDecision(status, group_id=group)


async def test_boot_holds_unknown_vendor(host) -> None:  # type: ignore[no-untyped-def]
    request = BootRequest("CP1", "Other", "M", None, None, BootPolicy.ACCEPTED)
    assert await host.decide("boot", request, BootPolicy) == BootPolicy.PENDING
    ok = BootRequest("CP1", "ACME", "M", None, None, BootPolicy.ACCEPTED)
    assert await host.decide("boot", ok, BootPolicy) is None
