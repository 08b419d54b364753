"""Domain objects -> JSON-ready dicts (snake_case, RFC 3339 times, enums as their values)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import cattrs

from evgw.domain import BootPolicy, ChargerRecord, IdToken, ReviewFlag, TokenStatus, Transaction
from evgw.gateway._commands import ConnectionInfo


def rfc3339(moment: datetime) -> str:
    """UTC with a `Z`; a naive time from a store is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _enum_value(member: BootPolicy | TokenStatus) -> str:
    return member.value


_converter = cattrs.Converter()
_converter.register_unstructure_hook(datetime, rfc3339)
for _enum in (BootPolicy, TokenStatus):
    _converter.register_unstructure_hook(_enum, _enum_value)


def token_view(token: IdToken) -> dict[str, Any]:
    view: dict[str, Any] = _converter.unstructure(token)
    return view


def flag_view(flag: ReviewFlag) -> dict[str, Any]:
    view: dict[str, Any] = _converter.unstructure(flag)
    return view


def transaction_view(tx: Transaction, *, with_samples: bool) -> dict[str, Any]:
    view: dict[str, Any] = _converter.unstructure(tx)
    if not with_samples:
        del view["samples"]
    return view


def _connection_view(info: ConnectionInfo | None) -> dict[str, Any]:
    if info is None:
        return {"connected": False, "ocpp_version": None, "connected_at": None}
    return {
        "connected": True,
        "ocpp_version": info.ocpp_version,
        "connected_at": rfc3339(info.connected_at),
    }


def charger_view(record: ChargerRecord, connection: ConnectionInfo | None) -> dict[str, Any]:
    """Registration (never the password hash), stored live facts, and the live connection."""
    registration: dict[str, Any] = _converter.unstructure(record.registration)
    registration["has_password"] = registration.pop("password_hash") is not None
    facts: dict[str, Any] = _converter.unstructure(record)
    del facts["registration"]
    return {**registration, **facts, "connection": _connection_view(connection)}


def page_view(items: list[dict[str, Any]], limit: int, offset: int) -> dict[str, Any]:
    return {"items": items, "limit": limit, "offset": offset}
