"""/chargers: registration (create, read, patch, delete) with live facts and connection."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import attrs
import trio
from starlette.responses import Response

from evgw.domain import BootPolicy, ChargerRecord, ChargerRegistration
from evgw.security import hash_password

from ._errors import ApiError, not_found
from ._fields import Field, Kind, parse_object, read_json
from ._handler import PAGE_QUERY, Call, no_content, ok
from ._views import charger_view, page_view

# identifierString-like: printable ASCII without space; no ':' (HTTP Basic user name) and no
# '/' (it is the last segment of the OCPP URL and of /api/v1/chargers/{id}).
CHARGER_ID_PATTERN = r"[\x21-\x2e\x30-\x39\x3b-\x7e]+"

CHARGER_ID = Field(
    "id",
    Kind.STRING,
    "charge point identity (the last segment of its OCPP URL)",
    required=True,
    minimum=1,
    maximum=48,
    pattern=CHARGER_ID_PATTERN,
    pattern_hint="must be printable ASCII without spaces, ':' or '/'",
)
SETTINGS = (
    Field("security_profile", Kind.INTEGER, "OCPP security profile", minimum=0, maximum=3),
    Field(
        "password",
        Kind.STRING,
        "HTTP Basic password (profiles 1, 2); stored as a scrypt hash, never returned; "
        "null removes it",
        nullable=True,
        minimum=16,
        maximum=40,
        write_only=True,
    ),
    Field(
        "boot_policy",
        Kind.ENUM,
        "answer to BootNotification",
        choices=tuple(p.value for p in BootPolicy),
    ),
    Field("site_id", Kind.STRING, "site placement", nullable=True, minimum=1, maximum=64),
    Field("serial_number", Kind.STRING, nullable=True, minimum=1, maximum=64),
)
CREATE_FIELDS = (CHARGER_ID, *SETTINGS)


async def _apply(reg: ChargerRegistration, values: dict[str, Any]) -> ChargerRegistration:
    """`reg` with validated settings applied; a new password is hashed off the event loop."""
    changes = dict(values)
    if "password" in changes:
        password = changes.pop("password")
        changes["password_hash"] = (
            None if password is None else await trio.to_thread.run_sync(hash_password, password)
        )
    if "boot_policy" in changes:
        changes["boot_policy"] = BootPolicy(changes["boot_policy"])
    return attrs.evolve(reg, **changes)


async def stored_charger(call: Call, charger_id: str) -> ChargerRecord:
    record = await call.store.get_charger(charger_id)
    if record is None:
        raise not_found("charger", charger_id)
    return record


async def existing_charger(call: Call) -> ChargerRecord:
    """The charger named by the `{id}` path parameter, or 404."""
    return await stored_charger(call, call.path("id"))


def _view(call: Call, record: ChargerRecord) -> dict[str, Any]:
    connection = call.services.commander.connection(record.registration.id)
    return charger_view(record, connection)


def _conflict(charger_id: str) -> ApiError:
    return ApiError(409, "conflict", f"a charger with id {charger_id!r} already exists")


async def list_chargers(call: Call) -> Response:
    query = call.query(*PAGE_QUERY)
    records = await call.store.list_chargers(limit=query["limit"], offset=query["offset"])
    items = [_view(call, record) for record in records]
    return ok(page_view(items, query["limit"], query["offset"]))


async def create_charger(call: Call) -> Response:
    values = parse_object(CREATE_FIELDS, await read_json(call.request))
    charger_id = values.pop("id")
    if await call.store.get_charger(charger_id) is not None:
        raise _conflict(charger_id)
    registration = await _apply(ChargerRegistration(id=charger_id), values)
    if not await call.store.add_charger(registration):
        raise _conflict(charger_id)  # registered concurrently: theirs stands, untouched
    location = f"/api/v1/chargers/{quote(charger_id, safe='')}"
    return ok(_view(call, await stored_charger(call, charger_id)), 201, {"Location": location})


async def get_charger(call: Call) -> Response:
    return ok(_view(call, await existing_charger(call)))


async def patch_charger(call: Call) -> Response:
    record = await existing_charger(call)
    values = parse_object(SETTINGS, await read_json(call.request), partial=True)
    await call.store.put_charger(await _apply(record.registration, values))
    return ok(_view(call, await stored_charger(call, record.registration.id)))


async def delete_charger(call: Call) -> Response:
    charger_id = call.path("id")
    if not await call.store.delete_charger(charger_id):
        raise not_found("charger", charger_id)
    await call.services.commander.disconnect(charger_id, "registration deleted")
    return no_content()
