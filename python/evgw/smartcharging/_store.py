"""Site definitions in the store (`sc_sites`: the JSON body as the API accepted it)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from evgw.store import Db


def load_all(db: Db) -> list[tuple[str, dict[str, Any]]]:
    rows = db.all("SELECT id, body FROM sc_sites ORDER BY id")
    return [(str(r[0]), json.loads(r[1])) for r in rows]


def put(site_id: str, body: dict[str, Any]) -> Callable[[Db], bool]:
    """Insert or replace; True when created."""

    def op(db: Db) -> bool:
        now = db.ts(datetime.now(UTC))
        text = json.dumps(body, sort_keys=True)
        if db.run(
            "UPDATE sc_sites SET body = ?, updated_at = ? WHERE id = ?", (text, now, site_id)
        ):
            return False
        db.run("INSERT INTO sc_sites (id, body, updated_at) VALUES (?, ?, ?)", (site_id, text, now))
        return True

    return op


def delete(site_id: str) -> Callable[[Db], bool]:
    def op(db: Db) -> bool:
        return db.run("DELETE FROM sc_sites WHERE id = ?", (site_id,)) > 0

    return op


def set_planner(site_id: str, planner: object) -> Callable[[Db], bool]:
    """Replace the `planner` member of a stored site body; False when there is no site."""

    def op(db: Db) -> bool:
        row = db.one("SELECT body FROM sc_sites WHERE id = ?", (site_id,))
        if row is None:
            return False
        body = json.loads(row[0])
        body["planner"] = planner
        text = json.dumps(body, sort_keys=True)
        now = db.ts(datetime.now(UTC))
        db.run("UPDATE sc_sites SET body = ?, updated_at = ? WHERE id = ?", (text, now, site_id))
        return True

    return op
