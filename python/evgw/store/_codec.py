"""Rows <-> domain objects, and the small value helpers the operations share."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from typing import Any

from evgw.domain import (
    ApiToken,
    BootPolicy,
    ChargerRecord,
    ChargerRegistration,
    ConnectorState,
    IdToken,
    MeterSample,
    ReviewFlag,
    Role,
    TokenStatus,
    Transaction,
)
from evgw.store._db import Db, Row

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_transaction_id() -> str:
    """26 characters, ULID-like: 48-bit millisecond time then 80 random bits (sorts by time)."""
    n = ((time.time_ns() // 1_000_000) << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_CROCKFORD[(n >> shift) & 31] for shift in range(125, -1, -5))


def to_json(detail: Mapping[str, object] | None) -> str:
    return json.dumps(detail or {}, sort_keys=True, default=str)


def from_json(text: str) -> dict[str, Any]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {"value": value}


def marks(n: int) -> str:
    """``?, ?, ?`` for an IN list of n values."""
    return ", ".join("?" * n)


CHARGER_COLUMNS = (
    "id, security_profile, password_hash, boot_policy, site_id, serial_number, vendor, model, "
    "firmware_version, ocpp_version, last_boot_at, last_seen_at, created_at"
)
CONNECTOR_COLUMNS = "charger_id, evse_id, connector_id, status, error_code, info, updated_at"


REGISTRATION_COLUMNS = "id, security_profile, password_hash, boot_policy, site_id, serial_number"


def registration(row: Row) -> ChargerRegistration:
    """From the first columns of CHARGER_COLUMNS (= REGISTRATION_COLUMNS)."""
    return ChargerRegistration(
        id=row[0],
        security_profile=int(row[1]),
        password_hash=row[2],
        boot_policy=BootPolicy(row[3]),
        site_id=row[4],
        serial_number=row[5],
    )


def charger(db: Db, row: Row, connectors: Sequence[ConnectorState]) -> ChargerRecord:
    return ChargerRecord(
        registration=registration(row),
        vendor=row[6],
        model=row[7],
        firmware_version=row[8],
        ocpp_version=row[9],
        last_boot_at=db.dt(row[10]),
        last_seen_at=db.dt(row[11]),
        connectors=tuple(connectors),
        created_at=db.dt(row[12]),
    )


def connector(db: Db, row: Row) -> ConnectorState:
    return ConnectorState(
        evse_id=int(row[1]),
        connector_id=int(row[2]),
        status=row[3],
        error_code=row[4],
        info=row[5],
        updated_at=db.dt(row[6]),
    )


TOKEN_COLUMNS = "id, type, status, expires_at, group_id, owner"


def id_token(db: Db, row: Row) -> IdToken:
    return IdToken(
        id=row[0],
        type=row[1],
        status=TokenStatus(row[2]),
        expires_at=db.dt(row[3]),
        group_id=row[4],
        owner=row[5],
    )


TX_COLUMNS = (
    "id, ocpp16_id, charger_id, evse_id, connector_id, id_token, meter_start_wh, meter_stop_wh, "
    "started_at, stopped_at, stop_reason, status, energy_wh, ocpp_tx_id"
)


def transaction(
    db: Db, row: Row, flags: Sequence[str] = (), samples: Sequence[MeterSample] = ()
) -> Transaction:
    return Transaction(
        id=row[0],
        ocpp16_id=row[1],
        charger_id=row[2],
        evse_id=int(row[3]),
        connector_id=int(row[4]),
        id_token=row[5],
        meter_start_wh=row[6],
        meter_stop_wh=row[7],
        started_at=db.dt(row[8]),
        stopped_at=db.dt(row[9]),
        stop_reason=row[10],
        status=row[11],
        flags=tuple(flags),
        energy_wh=row[12],
        samples=tuple(samples),
        ocpp_transaction_id=row[13],
    )


FLAG_COLUMNS = "id, kind, charger_id, transaction_id, detail, created_at"


def flag(db: Db, row: Row) -> ReviewFlag:
    created = db.dt(row[5])
    assert created is not None
    return ReviewFlag(row[0], row[1], row[2], row[3], from_json(row[4]), created)


API_TOKEN_COLUMNS = "id, role, label, created_at"


def api_token(db: Db, row: Row) -> ApiToken:
    created = db.dt(row[3])
    assert created is not None
    return ApiToken(id=row[0], role=Role(row[1]), label=row[2], created_at=created)
