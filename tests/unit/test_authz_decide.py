"""Authorization decisions from evgw's own tables (evgw.authz._authorizer.decide) and their
OCPP 1.6 / 2.x shapes; token-shape and account-amount checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from evgw.authz import _accounts as accounts
from evgw.authz import _idtoken as idt
from evgw.authz._authorizer import TokenFacts, decide
from evgw.authz._info import id_tag_info, id_token_info
from evgw.domain import IdToken, TokenStatus

NOW = datetime(2030, 1, 1, 12, tzinfo=UTC)
TAG = IdToken(id="04A1B2C3", type="ISO14443")


def account(**kw: object) -> accounts.Account:
    base: dict[str, object] = {"id": "A1", "kind": "driver", "name": "Ann", "currency": "EUR"}
    return accounts.Account(**{**base, **kw})  # type: ignore[arg-type]


def status(facts: TokenFacts | None, kind: str | None = None, evse: int | None = None) -> str:
    return str(decide(facts, kind, "CP1", evse, now=NOW).status)


@pytest.mark.parametrize(
    ("facts", "kind", "expected"),
    [
        (None, "ISO14443", "Invalid"),  # unknown token
        (TokenFacts(TAG), "ISO14443", "Accepted"),
        (TokenFacts(TAG), "iso14443", "Accepted"),  # type compared case-insensitively
        (TokenFacts(TAG), "KeyCode", "Invalid"),  # same value, other type: not this token
        (TokenFacts(TAG), None, "Accepted"),  # 1.6 idTag: no type, matches any
        (TokenFacts(TAG), "Central", "Accepted"),  # a remote start's token: the CSMS's own
        (TokenFacts(IdToken(id="X", status=TokenStatus.BLOCKED)), None, "Blocked"),
        (TokenFacts(IdToken(id="X", expires_at=NOW - timedelta(seconds=1))), None, "Expired"),
    ],
)
def test_token_table(facts: TokenFacts | None, kind: str | None, expected: str) -> None:
    assert status(facts, kind) == expected


def test_a_blocked_or_expired_group_blocks_its_members() -> None:
    child = IdToken(id="C", group_id="G")
    blocked = IdToken(id="G", type="Central", status=TokenStatus.BLOCKED)
    expired = IdToken(id="G", expires_at=NOW - timedelta(days=1))
    assert status(TokenFacts(child, blocked)) == "Blocked"
    assert status(TokenFacts(child, expired)) == "Blocked"
    good = decide(TokenFacts(child, IdToken(id="G", type="Central")), None, "CP1", None, now=NOW)
    assert (good.status, good.group_id, good.group_type) == (TokenStatus.ACCEPTED, "G", "Central")


def test_account_status_and_prepaid_balance() -> None:
    assert status(TokenFacts(TAG, account=account(status="blocked"))) == "Blocked"
    assert status(TokenFacts(TAG, account=account(balance=Decimal(0)))) == "NoCredit"
    assert status(TokenFacts(TAG, account=account(balance=Decimal("-0.01")))) == "NoCredit"
    ok = decide(
        TokenFacts(TAG, account=account(balance=Decimal(8), max_session_cost=Decimal(20))),
        None,
        "CP1",
        None,
        now=NOW,
    )
    assert ok.status == TokenStatus.ACCEPTED
    assert (ok.max_cost, ok.currency, ok.account_id) == (Decimal(8), "EUR", "A1")  # the lower


def test_evse_restrictions() -> None:
    facts = TokenFacts(TAG, evses=(("CP1", 2), ("CP1", 3), ("CP9", 0)))
    here = decide(facts, "ISO14443", "CP1", None, now=NOW)
    assert (here.status, here.evse_ids) == (TokenStatus.ACCEPTED, (2, 3))
    assert status(facts, evse=3) == "Accepted"
    assert status(facts, evse=1) == "NotAtThisLocation"
    whole = decide(facts, None, "CP9", 4, now=NOW)  # evse 0: the whole charger
    assert (whole.status, whole.evse_ids) == (TokenStatus.ACCEPTED, ())
    assert str(decide(facts, None, "CP2", None, now=NOW).status) == "NotAtThisLocation"


def test_cache_expiry_is_the_earlier_of_token_expiry_and_the_ttl() -> None:
    later = IdToken(id="X", expires_at=NOW + timedelta(days=2))
    capped = decide(TokenFacts(later), None, "CP1", None, now=NOW, cache_ttl_s=3600)
    assert capped.expires_at == (NOW + timedelta(hours=1)).isoformat()
    uncapped = decide(TokenFacts(later), None, "CP1", None, now=NOW)
    assert uncapped.expires_at == (NOW + timedelta(days=2)).isoformat()


def test_shapes_for_both_versions() -> None:
    facts = TokenFacts(
        IdToken(id="C", group_id="G"),
        IdToken(id="G", type="Local"),
        account(balance=Decimal(0), language="de", personal_message="Guthaben aufladen"),
        (("CP1", 1),),
    )
    d = decide(facts, None, "CP1", None, now=NOW)
    assert id_tag_info(d) == {"status": "Blocked", "parentIdTag": "G"}  # NoCredit in 1.6
    assert id_token_info(d) == {
        "status": "NoCredit",
        "groupIdToken": {"idToken": "G", "type": "Local"},
        "evseId": [1],
        "language1": "de",
        "personalMessage": {"format": "UTF8", "content": "Guthaben aufladen", "language": "de"},
    }
    elsewhere = decide(TokenFacts(TAG, evses=(("CP2", 0),)), None, "CP1", None, now=NOW)
    assert id_tag_info(elsewhere) == {"status": "Invalid"}  # NotAtThisLocation in 1.6


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("0102030405060708", "ISO15693"),
        ("AA:BB:CC:DD:EE:FF", "MacAddress"),
        ("DE-ABC-C12345678-X", "eMAID"),
        ("1234", "KeyCode"),
        ("anything-1.6", "ISO14443"),  # 1.6 idTags are free text
    ],
)
def test_well_formed_tokens(value: str, kind: str) -> None:
    idt.check_value(value, kind)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("01020304", "ISO15693"),  # 4 bytes, not 8
        ("AA:BB:CC:DD:EE", "MacAddress"),
        ("not-an-emaid", "eMAID"),
        ("12a4", "KeyCode"),
    ],
)
def test_malformed_tokens(value: str, kind: str) -> None:
    with pytest.raises(idt.MalformedIdToken):
        idt.check_value(value, kind)


def test_unknown_type() -> None:
    assert idt.canonical_type("emaid") == "eMAID"
    with pytest.raises(idt.MalformedIdToken, match="unknown IdToken type"):
        idt.canonical_type("Barcode")


def test_amounts_and_currencies() -> None:
    assert accounts.currency_exponent("EUR") == 2
    assert accounts.currency_exponent("JPY") == 0
    with pytest.raises(accounts.AccountRejected, match="ISO 4217"):
        accounts.currency_exponent("EUX")
    assert accounts.amount("balance", "12.50", 2) == Decimal("12.50")
    assert accounts.amount("balance", None, 2) is None
    for bad in ("-1", "1.001", "NaN", "Infinity", "abc", True, [1]):
        with pytest.raises(accounts.AccountRejected):
            accounts.amount("balance", bad, 2)
    with pytest.raises(accounts.AccountRejected, match="decimals"):
        accounts.amount("balance", "1.5", 0)  # JPY has no minor unit
