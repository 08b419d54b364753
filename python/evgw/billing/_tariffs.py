"""Tariff catalogue: versioned OCPI tariffs (canonical JSON + sha256), assignments, resolution.

A save parses the tariff in the Rust engine and lints it; errors reject it, warnings are
returned. Every save is a new version; sessions keep the version they started with.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import attrs

from evgw._core import Tariff, TariffError
from evgw.store import Db

#: Where a tariff can be assigned, most specific first (token groups beat locations).
SCOPES = ("token_group", "connector", "charger", "site", "default")


@attrs.frozen
class Finding:
    severity: str
    code: str
    path: str
    message: str


class TariffRejected(Exception):
    def __init__(self, findings: Sequence[Finding]) -> None:
        super().__init__("; ".join(f"{f.path}: {f.message}" for f in findings))
        self.findings = tuple(findings)


@attrs.frozen
class StoredTariff:
    id: str
    version: int
    currency: str
    body: dict[str, Any]
    sha256: str
    updated_at: datetime


def canonical(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def check(body: dict[str, Any]) -> tuple[Tariff, list[Finding]]:
    """Parse and lint; raise TariffRejected on a parse error or an error finding."""
    try:
        tariff = Tariff(canonical(body))
    except TariffError as e:
        message, path = e.args
        raise TariffRejected([Finding("error", "invalid", path, message)]) from None
    findings = [Finding(*f) for f in tariff.lint()]
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise TariffRejected(errors)
    return tariff, findings


def save(db: Db, tariff_id: str, body: dict[str, Any], currency: str) -> StoredTariff:
    """Store a new version (the body's id is the URL's)."""
    text = canonical({**body, "id": tariff_id})
    digest, now = sha256(text), datetime.now(UTC)
    row = db.one("SELECT version FROM billing_tariffs WHERE id = ?", (tariff_id,))
    version = 1 if row is None else int(row[0]) + 1
    db.run(
        "INSERT INTO billing_tariff_versions (tariff_id, version, body, sha256, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (tariff_id, version, text, digest, db.ts(now)),
    )
    db.run(
        "INSERT INTO billing_tariffs (id, version, currency, body, sha256, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
        "currency = excluded.currency, body = excluded.body, sha256 = excluded.sha256, "
        "updated_at = excluded.updated_at",
        (tariff_id, version, currency, text, digest, db.ts(now)),
    )
    return StoredTariff(tariff_id, version, currency, json.loads(text), digest, now)


_COLUMNS = "id, version, currency, body, sha256, updated_at"


def _stored(db: Db, row: tuple[Any, ...]) -> StoredTariff:
    updated = db.dt(row[5])
    assert updated is not None
    return StoredTariff(row[0], int(row[1]), row[2], json.loads(row[3]), row[4], updated)


def get(db: Db, tariff_id: str) -> StoredTariff | None:
    row = db.one(f"SELECT {_COLUMNS} FROM billing_tariffs WHERE id = ?", (tariff_id,))
    return None if row is None else _stored(db, row)


def list_page(db: Db, limit: int, offset: int) -> list[StoredTariff]:
    rows = db.all(
        f"SELECT {_COLUMNS} FROM billing_tariffs ORDER BY id LIMIT ? OFFSET ?", (limit, offset)
    )
    return [_stored(db, r) for r in rows]


def delete(db: Db, tariff_id: str) -> bool:
    """Remove from the catalogue (versions stay: running sessions and CDRs refer to them)."""
    db.run("DELETE FROM billing_assignments WHERE tariff_id = ?", (tariff_id,))
    return db.run("DELETE FROM billing_tariffs WHERE id = ?", (tariff_id,)) > 0


def assign(db: Db, scope: str, target: str, tariff_id: str) -> None:
    db.run(
        "INSERT INTO billing_assignments (scope, target, tariff_id, updated_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (scope, target) DO UPDATE SET tariff_id = excluded.tariff_id,"
        " updated_at = excluded.updated_at",
        (scope, target, tariff_id, db.ts(datetime.now(UTC))),
    )


def unassign(db: Db, scope: str, target: str) -> bool:
    return (
        db.run("DELETE FROM billing_assignments WHERE scope = ? AND target = ?", (scope, target))
        > 0
    )


def assignments(db: Db) -> list[tuple[str, str, str]]:
    rows = db.all("SELECT scope, target, tariff_id FROM billing_assignments ORDER BY scope, target")
    return [(r[0], r[1], r[2]) for r in rows]


@attrs.frozen
class Place:
    """Where and for whom a session runs, for tariff resolution."""

    charger_id: str
    evse_id: int
    connector_id: int
    site_id: str | None
    token_group: str | None

    def targets(self) -> list[tuple[str, str]]:
        found = [
            ("token_group", self.token_group),
            ("connector", f"{self.charger_id}:{self.evse_id}:{self.connector_id}"),
            ("charger", self.charger_id),
            ("site", self.site_id),
            ("default", "*"),
        ]
        return [(scope, target) for scope, target in found if target is not None]


def resolve(db: Db, place: Place) -> StoredTariff | None:
    """The tariff of the most specific assignment that still exists."""
    for scope, target in place.targets():
        row = db.one(
            f"SELECT {', '.join('t.' + c for c in _COLUMNS.split(', '))} "
            "FROM billing_assignments a JOIN billing_tariffs t ON t.id = a.tariff_id "
            "WHERE a.scope = ? AND a.target = ?",
            (scope, target),
        )
        if row is not None:
            return _stored(db, row)
    return None
