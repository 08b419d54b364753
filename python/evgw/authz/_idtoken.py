"""IdToken types (OCPP 2.0.1 IdTokenEnumType) and what a well-formed value of each looks like.

1.6 idTags have no type: they are stored as ``ISO14443`` (the default) and match any type.
Matching is on (value, type), case-insensitive (2.0.1 C01); a presented ``Central`` token
(a remote start's) matches whatever type the stored token has. A value is unique in the token
table whatever its type (the table is keyed by the value).
"""

from __future__ import annotations

import re

from evgw.domain import TokenStatus

NO_AUTHORIZATION = "NoAuthorization"
CENTRAL = "Central"
TOKEN_TYPES: tuple[str, ...] = (
    "Central",
    "eMAID",
    "ISO14443",
    "ISO15693",
    "KeyCode",
    "Local",
    "MacAddress",
    NO_AUTHORIZATION,
)
#: statuses a token may be stored with (the others are decisions only).
STORED_STATUSES: tuple[str, ...] = tuple(
    s.value
    for s in (TokenStatus.ACCEPTED, TokenStatus.BLOCKED, TokenStatus.EXPIRED, TokenStatus.INVALID)
)
#: 2.0.1 IdTokenType.idToken maxLength; 1.6 idTag (and so a 1.6 local list entry) is <= 20.
MAX_LENGTH_V201 = 36
MAX_LENGTH_V16 = 20

_HEX = re.compile(r"[0-9A-Fa-f]+")
_MAC = re.compile(r"([0-9A-Fa-f]{2}[:-]?){5}[0-9A-Fa-f]{2}")
_EMAID = re.compile(r"[A-Za-z]{2}-?[A-Za-z0-9]{3}-?[A-Za-z0-9]{9}(-?[A-Za-z0-9])?")


class MalformedIdToken(ValueError):
    """An IdToken whose type is unknown or whose value does not fit its type."""


def canonical_type(kind: str) -> str:
    """The spelling in TOKEN_TYPES for `kind` (case-insensitive); MalformedIdToken if unknown."""
    for known in TOKEN_TYPES:
        if known.lower() == kind.lower():
            return known
    raise MalformedIdToken(f"unknown IdToken type {kind!r}; one of {', '.join(TOKEN_TYPES)}")


def check_value(value: str, kind: str) -> None:
    """Shape checks that hold for real tokens of a type (RFID UIDs are hex, a MAC is 6 bytes,
    an eMAID is ISO 15118 / DIN SPEC 91286). 1.6 idTags stored as ISO14443 are free text:
    only the hex check applies when the value looks like a UID (even length, all hex)."""
    if kind == NO_AUTHORIZATION:
        return
    if kind == "ISO15693" and not (_HEX.fullmatch(value) and len(value) == 16):
        raise MalformedIdToken("an ISO15693 UID is 8 bytes as 16 hex digits")
    if kind == "MacAddress" and not _MAC.fullmatch(value):
        raise MalformedIdToken("a MacAddress is 6 bytes as hex (AA:BB:CC:DD:EE:FF)")
    if kind == "eMAID" and not _EMAID.fullmatch(value):
        raise MalformedIdToken("an eMAID is CC-PPP-IIIIIIIII[-C] (ISO 15118)")
    if kind == "KeyCode" and not value.isdigit():
        raise MalformedIdToken("a KeyCode is digits only")


def matches(stored_type: str, presented_type: str | None) -> bool:
    """A presented type (None for 1.6) against the stored one. ``Central`` is what the CSMS
    itself hands out (RequestStartTransaction with a token it knows, whatever that token's
    own type): it matches any stored type."""
    if presented_type is None or presented_type.lower() == CENTRAL.lower():
        return True
    return stored_type.lower() == presented_type.lower()
