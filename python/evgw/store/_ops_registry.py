"""Operations on chargers, tokens, API tokens, flags and security events.

Plain functions of a ``Db``: writes run on the writer thread inside a SAVEPOINT, reads on a
reader connection inside a read transaction. Keep them short and free of trio.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from evgw.domain import (
    ApiToken,
    ChargerRecord,
    ChargerRegistration,
    ConnectorState,
    IdToken,
    ReviewFlag,
)
from evgw.store import _codec as codec
from evgw.store._db import Db


def now() -> datetime:
    return datetime.now(UTC)


# chargers ------------------------------------------------------------------------------------
def put_charger(db: Db, reg: ChargerRegistration) -> bool:
    t = db.ts(now())
    fields = (
        reg.security_profile,
        reg.password_hash,
        str(reg.boot_policy),
        reg.site_id,
        reg.serial_number,
    )
    changed = db.run(
        "UPDATE chargers SET security_profile = ?, password_hash = ?, boot_policy = ?, "
        "site_id = ?, serial_number = ?, updated_at = ? WHERE id = ?",
        (*fields, t, reg.id),
    )
    if changed:
        return False
    db.run(
        "INSERT INTO chargers (id, security_profile, password_hash, boot_policy, site_id, "
        "serial_number, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (reg.id, *fields, t, t),
    )
    return True


def add_charger(db: Db, reg: ChargerRegistration) -> bool:
    """Insert only: False (and nothing changed) when the id is registered already."""
    t = db.ts(now())
    return (
        db.run(
            "INSERT INTO chargers (id, security_profile, password_hash, boot_policy, site_id, "
            "serial_number, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO NOTHING",
            (
                reg.id,
                reg.security_profile,
                reg.password_hash,
                str(reg.boot_policy),
                reg.site_id,
                reg.serial_number,
                t,
                t,
            ),
        )
        == 1
    )


def delete_charger(db: Db, charger_id: str) -> bool:
    db.run("DELETE FROM connectors WHERE charger_id = ?", (charger_id,))
    return db.run("DELETE FROM chargers WHERE id = ?", (charger_id,)) > 0


def _connectors(db: Db, ids: list[str]) -> dict[str, list[ConnectorState]]:
    out: dict[str, list[ConnectorState]] = {i: [] for i in ids}
    if ids:
        rows = db.all(
            f"SELECT {codec.CONNECTOR_COLUMNS} FROM connectors "
            f"WHERE charger_id IN ({codec.marks(len(ids))}) "
            "ORDER BY charger_id, evse_id, connector_id",
            ids,
        )
        for row in rows:
            out[row[0]].append(codec.connector(db, row))
    return out


def get_charger(db: Db, charger_id: str) -> ChargerRecord | None:
    row = db.one(f"SELECT {codec.CHARGER_COLUMNS} FROM chargers WHERE id = ?", (charger_id,))
    if row is None:
        return None
    return codec.charger(db, row, _connectors(db, [charger_id])[charger_id])


def get_chargers(db: Db, charger_ids: list[str]) -> dict[str, ChargerRecord]:
    """The registered ones of `charger_ids` (one query for the chargers, one for their
    connectors)."""
    marks = codec.marks(len(charger_ids))
    rows = db.all(
        f"SELECT {codec.CHARGER_COLUMNS} FROM chargers WHERE id IN ({marks})", charger_ids
    )
    conns = _connectors(db, [r[0] for r in rows])
    return {r[0]: codec.charger(db, r, conns[r[0]]) for r in rows}


def get_registrations(db: Db, charger_ids: list[str]) -> dict[str, ChargerRegistration]:
    """The registrations of the registered ones of `charger_ids` (no live facts, no
    connectors: what a connection's authentication and its boot need)."""
    marks = codec.marks(len(charger_ids))
    cols = codec.REGISTRATION_COLUMNS
    rows = db.all(f"SELECT {cols} FROM chargers WHERE id IN ({marks})", charger_ids)
    return {r[0]: codec.registration(r) for r in rows}


def list_chargers(db: Db, limit: int, offset: int) -> list[ChargerRecord]:
    rows = db.all(
        f"SELECT {codec.CHARGER_COLUMNS} FROM chargers ORDER BY id LIMIT ? OFFSET ?",
        (limit, offset),
    )
    conns = _connectors(db, [r[0] for r in rows])
    return [codec.charger(db, r, conns[r[0]]) for r in rows]


def record_boot(
    db: Db,
    charger_id: str,
    *,
    vendor: str,
    model: str,
    firmware_version: str | None,
    serial_number: str | None,
    ocpp_version: str,
    at: datetime,
) -> None:
    """Live facts of a registered charger; an unknown id changes nothing. The reported serial
    never overwrites the registered one (that one is checked against certificates)."""
    t = db.ts(at)
    db.run(
        "UPDATE chargers SET vendor = ?, model = ?, firmware_version = ?, "
        "reported_serial_number = ?, ocpp_version = ?, last_boot_at = ?, last_seen_at = ?, "
        "updated_at = ? WHERE id = ?",
        (vendor, model, firmware_version, serial_number, ocpp_version, t, t, t, charger_id),
    )


def record_status(
    db: Db,
    charger_id: str,
    *,
    evse_id: int,
    connector_id: int,
    status: str,
    error_code: str | None,
    info: str | None,
    at: datetime,
) -> None:
    """Upsert a connector's status; an unregistered charger is ignored."""
    if db.one("SELECT 1 FROM chargers WHERE id = ?", (charger_id,)) is None:
        return
    db.run(
        "INSERT INTO connectors (charger_id, evse_id, connector_id, status, error_code, info, "
        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (charger_id, evse_id, connector_id) DO UPDATE SET status = excluded.status, "
        "error_code = excluded.error_code, info = excluded.info, updated_at = excluded.updated_at",
        (charger_id, evse_id, connector_id, status, error_code, info, db.ts(at)),
    )


def touch_chargers(db: Db, seen: dict[str, datetime]) -> None:
    """Move last_seen_at forward (never back) for many chargers in one executemany."""
    rows = [(db.ts(at), cid, db.ts(at)) for cid, at in seen.items()]
    db.many(
        "UPDATE chargers SET last_seen_at = ? WHERE id = ? "
        "AND (last_seen_at IS NULL OR last_seen_at < ?)",
        rows,
    )


# authorization tokens ------------------------------------------------------------------------
def put_token(db: Db, token: IdToken) -> bool:
    fields = (
        token.type,
        str(token.status),
        db.maybe_ts(token.expires_at),
        token.group_id,
        token.owner,
        db.ts(now()),
    )
    changed = db.run(
        "UPDATE id_tokens SET type = ?, status = ?, expires_at = ?, group_id = ?, owner = ?, "
        "updated_at = ? WHERE id = ?",
        (*fields, token.id),
    )
    if changed:
        return False
    db.run(
        "INSERT INTO id_tokens (id, type, status, expires_at, group_id, owner, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (token.id, *fields),
    )
    return True


def get_token(db: Db, token_id: str) -> IdToken | None:
    row = db.one(f"SELECT {codec.TOKEN_COLUMNS} FROM id_tokens WHERE id = ?", (token_id,))
    return None if row is None else codec.id_token(db, row)


def list_tokens(db: Db, limit: int, offset: int) -> list[IdToken]:
    rows = db.all(
        f"SELECT {codec.TOKEN_COLUMNS} FROM id_tokens ORDER BY id LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return [codec.id_token(db, r) for r in rows]


def delete_token(db: Db, token_id: str) -> bool:
    return db.run("DELETE FROM id_tokens WHERE id = ?", (token_id,)) > 0


# review flags --------------------------------------------------------------------------------
def add_flag(
    db: Db,
    kind: str,
    charger_id: str | None,
    transaction_id: str | None,
    detail: Mapping[str, object] | None,
) -> None:
    db.run(
        "INSERT INTO review_flags (kind, charger_id, transaction_id, detail, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (kind, charger_id, transaction_id, codec.to_json(detail), db.ts(now())),
    )


def list_flags(db: Db, limit: int, offset: int) -> list[ReviewFlag]:
    rows = db.all(
        f"SELECT {codec.FLAG_COLUMNS} FROM review_flags ORDER BY id DESC LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return [codec.flag(db, r) for r in rows]


# operator API tokens -------------------------------------------------------------------------
def create_api_token(db: Db, token: ApiToken, secret_hash: str) -> None:
    db.run(
        "INSERT INTO api_tokens (id, secret_hash, role, label, created_at) VALUES (?, ?, ?, ?, ?)",
        (token.id, secret_hash, str(token.role), token.label, db.ts(token.created_at)),
    )


def find_api_token(db: Db, secret_hash: str) -> ApiToken | None:
    row = db.one(
        f"SELECT {codec.API_TOKEN_COLUMNS} FROM api_tokens WHERE secret_hash = ?", (secret_hash,)
    )
    return None if row is None else codec.api_token(db, row)


# security events -----------------------------------------------------------------------------
def add_security_event(
    db: Db, charger_id: str | None, kind: str, detail: dict[str, object], at: datetime
) -> None:
    db.run(
        "INSERT INTO security_events (charger_id, kind, detail, at, recorded_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (charger_id, kind, codec.to_json(detail), db.ts(at), db.ts(now())),
    )
