"""Ids evgw gives the chargers (reservation ids, requestIds): store counters, so every node
of a cluster draws from the same sequence."""

from __future__ import annotations

from evgw.store._db import Db


def next_id(db: Db, counter: str) -> int:
    row = db.one("UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value", (counter,))
    assert row is not None, f"counter {counter} missing: migrations not applied"
    return int(row[0])
