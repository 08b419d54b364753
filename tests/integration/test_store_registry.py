"""Chargers, tokens, API tokens, flags, security events; timestamps round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from evgw.domain import (
    ApiToken,
    BootPolicy,
    ChargerRegistration,
    IdToken,
    Role,
    TokenStatus,
)
from evgw.store import Store

T0 = datetime(2025, 3, 1, 12, 0, 0, 500, tzinfo=UTC)
PLUS2 = timezone(timedelta(hours=2))


async def test_charger_crud(store: Store) -> None:
    reg = ChargerRegistration("CP1", security_profile=2, password_hash="pbkdf2$x", site_id="S1")
    assert await store.put_charger(reg) is True
    changed = ChargerRegistration("CP1", boot_policy=BootPolicy.PENDING, serial_number="SN")
    assert await store.put_charger(changed) is False
    record = await store.get_charger("CP1")
    assert record is not None
    assert record.registration == changed
    assert record.created_at is not None
    assert record.created_at.tzinfo is not None
    assert await store.get_charger("nope") is None
    for i in range(3):
        await store.put_charger(ChargerRegistration(f"CP{i + 2}"))
    page = await store.list_chargers(limit=2, offset=1)
    assert [r.registration.id for r in page] == ["CP2", "CP3"]
    assert await store.delete_charger("CP1") is True
    assert await store.delete_charger("CP1") is False
    assert await store.get_charger("CP1") is None


async def test_add_charger_never_overwrites(store: Store) -> None:
    first = ChargerRegistration("CP1", site_id="S1")
    assert await store.add_charger(first) is True
    assert await store.add_charger(ChargerRegistration("CP1", site_id="S2")) is False
    record = await store.get_charger("CP1")
    assert record is not None
    assert record.registration == first


async def test_boot_status_and_touch(store: Store) -> None:
    await store.put_charger(ChargerRegistration("CP1", serial_number="REG"))
    await store.record_boot(
        "CP1",
        vendor="V",
        model="M",
        firmware_version="1.0",
        serial_number="REPORTED",
        ocpp_version="ocpp1.6",
        at=T0.astimezone(PLUS2),
    )
    await store.record_status(
        "CP1", evse_id=1, connector_id=1, status="Faulted", error_code="GroundFailure",
        info="x", at=T0,
    )  # fmt: skip
    await store.record_status(
        "CP1", evse_id=1, connector_id=1, status="Available", error_code=None, info=None, at=T0
    )
    await store.record_status(
        "CP1", evse_id=0, connector_id=0, status="Available", error_code=None, info=None, at=T0
    )
    await store.record_status(  # unregistered: ignored, no error
        "CPX", evse_id=1, connector_id=1, status="Available", error_code=None, info=None, at=T0
    )
    later = T0 + timedelta(minutes=5)
    await store.touch_chargers({"CP1": later, "CPX": later})
    await store.touch_chargers({"CP1": T0})  # never moves backwards
    rec = await store.get_charger("CP1")
    assert rec is not None
    assert (rec.vendor, rec.model, rec.firmware_version, rec.ocpp_version) == (
        "V",
        "M",
        "1.0",
        "ocpp1.6",
    )
    assert rec.registration.serial_number == "REG"  # a boot never rewrites the registration
    assert rec.last_boot_at == T0
    assert rec.last_boot_at.tzinfo is not None
    assert rec.last_seen_at == later
    assert [(c.evse_id, c.connector_id, c.status, c.error_code) for c in rec.connectors] == [
        (0, 0, "Available", None),
        (1, 1, "Available", None),
    ]
    assert await store.get_charger("CPX") is None


async def test_touch_many_chargers(store: Store) -> None:
    for i in range(50):
        await store.put_charger(ChargerRegistration(f"CP{i:02}"))
    before = store.statistics().commits
    await store.touch_chargers({f"CP{i:02}": T0 + timedelta(seconds=i) for i in range(50)})
    assert store.statistics().commits == before + 1
    recs = await store.list_chargers(limit=100)
    assert [r.last_seen_at for r in recs] == [T0 + timedelta(seconds=i) for i in range(50)]


async def test_token_crud_and_aware_expiry(store: Store) -> None:
    token = IdToken("TAG1", expires_at=T0.astimezone(PLUS2), group_id="G", owner="acct-1")
    assert await store.put_token(token) is True
    got = await store.get_token("TAG1")
    assert got is not None
    assert got.expires_at == T0
    assert got.expires_at.utcoffset() == timedelta(0)
    blocked = IdToken("TAG1", type="eMAID", status=TokenStatus.BLOCKED)
    assert await store.put_token(blocked) is False
    assert await store.get_token("TAG1") == blocked
    await store.put_token(IdToken("TAG0"))
    assert [t.id for t in await store.list_tokens()] == ["TAG0", "TAG1"]
    assert await store.delete_token("TAG1") is True
    assert await store.delete_token("TAG1") is False
    assert await store.get_token("TAG1") is None


async def test_api_tokens(store: Store) -> None:
    token = ApiToken("tok1", Role.OPERATOR, "ci", T0)
    await store.create_api_token(token, "ab" * 32)
    assert await store.find_api_token("ab" * 32) == token
    assert await store.find_api_token("cd" * 32) is None


async def test_flags_and_security_events(store: Store) -> None:
    await store.add_flag("manual", charger_id="CP1", detail={"why": "test", "n": 1})
    await store.add_flag("other")
    flags = await store.list_flags()
    assert [f.kind for f in flags] == ["other", "manual"]  # newest first
    assert flags[1].detail == {"why": "test", "n": 1}
    assert flags[1].charger_id == "CP1"
    assert flags[0].created_at.tzinfo is not None
    await store.add_security_event("CP1", "FailedToAuthenticate", {"source": "1.2.3.4"}, T0)
    await store.add_security_event(None, "Startup", {}, T0)
