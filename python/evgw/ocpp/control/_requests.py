"""Requests whose answer comes back in parts (2.x NotifyCustomerInformation,
NotifyDisplayMessages): the request evgw sent, each part as received (any order, repeats
kept once), and the result assembled once every part up to the last (tbc false) is in.

NotifyCustomerInformation numbers its parts (seqNo); NotifyDisplayMessages does not, so its
parts are numbered in arrival order (one connection delivers them in order), and a part
identical to one already kept (same tbc, same messageInfo) is a retry, kept once.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import attrs

from evgw.ocpp.control._ids import next_id
from evgw.store._db import Db


@attrs.frozen
class RequestState:
    request_id: int
    status: str  # requested | receiving | complete | the charger's refusal (lowercase)
    params: dict[str, Any]
    result: list[Any] | None  # the parts' data in order, once complete
    parts: int
    missing: tuple[int, ...]
    updated_at: datetime | None


def new_request(db: Db, charger_id: str, kind: str, params: dict[str, Any], at: datetime) -> int:
    request_id = next_id(db, "ocpp_request")
    db.run(
        "INSERT INTO ocpp_requests (charger_id, kind, request_id, status, params, result,"
        " created_at, updated_at) VALUES (?, ?, ?, 'requested', ?, NULL, ?, ?)",
        (charger_id, kind, request_id, json.dumps(params), db.ts(at), db.ts(at)),
    )
    return request_id


def set_status(
    db: Db, charger_id: str, kind: str, request_id: int, *, status: str, at: datetime
) -> None:
    db.run(
        "UPDATE ocpp_requests SET status = ?, updated_at = ? WHERE charger_id = ? AND kind = ?"
        " AND request_id = ? AND status = 'requested'",
        (status, db.ts(at), charger_id, kind, request_id),
    )


def _seq_nos(db: Db, charger_id: str, kind: str, request_id: int) -> list[tuple[int, bool, str]]:
    rows = db.all(
        "SELECT seq_no, tbc, data FROM ocpp_request_parts WHERE charger_id = ? AND kind = ?"
        " AND request_id = ? ORDER BY seq_no",
        (charger_id, kind, request_id),
    )
    return [(int(r[0]), bool(r[1]), str(r[2])) for r in rows]


def _missing(parts: list[tuple[int, bool, str]]) -> tuple[int, ...]:
    have = {p[0] for p in parts}
    last = max(have, default=-1)
    return tuple(n for n in range(last + 1) if n not in have)


def _complete(parts: list[tuple[int, bool, str]]) -> bool:
    return bool(parts) and not parts[-1][1] and not _missing(parts)


def _ensure_request(db: Db, charger_id: str, kind: str, request_id: int, at: datetime) -> None:
    """A charger may report for a requestId evgw does not know (e.g. after a restore)."""
    db.run(
        "INSERT INTO ocpp_requests (charger_id, kind, request_id, status, params, result,"
        " created_at, updated_at) VALUES (?, ?, ?, 'receiving', '{}', NULL, ?, ?)"
        " ON CONFLICT (charger_id, kind, request_id) DO NOTHING",
        (charger_id, kind, request_id, db.ts(at), db.ts(at)),
    )


def _arrival_no(parts: list[tuple[int, bool, str]], tbc: bool, data: Any) -> int:
    """The number of an unnumbered part: the next in arrival order, or the number of an
    identical part already kept (a retry after a lost CALLRESULT: one report never holds the
    same display message twice, so an identical part is the same part)."""
    for seq_no, kept_tbc, kept in parts:
        if kept_tbc == tbc and json.loads(kept) == data:
            return seq_no
    return len(parts)


def add_part(
    db: Db,
    charger_id: str,
    kind: str,
    request_id: int,
    *,
    seq_no: int | None,
    tbc: bool,
    data: Any,
    at: datetime,
) -> list[Any] | None:
    """Keep one part; answer the assembled result when this part completed the request."""
    _ensure_request(db, charger_id, kind, request_id, at)
    key = (charger_id, kind, request_id)
    if seq_no is None:
        seq_no = _arrival_no(_seq_nos(db, *key), tbc, data)
    db.run(
        "INSERT INTO ocpp_request_parts (charger_id, kind, request_id, seq_no, tbc, data,"
        " received_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (charger_id, kind, request_id, seq_no) DO NOTHING",
        (*key, seq_no, int(tbc), json.dumps(data), db.ts(at)),
    )
    parts = _seq_nos(db, *key)
    done = db.one(
        "SELECT status FROM ocpp_requests WHERE charger_id = ? AND kind = ? AND request_id = ?",
        key,
    )
    if not _complete(parts) or (done is not None and done[0] == "complete"):
        db.run(
            "UPDATE ocpp_requests SET status = 'receiving', updated_at = ? WHERE charger_id = ?"
            " AND kind = ? AND request_id = ? AND status IN ('requested', 'receiving')",
            (db.ts(at), *key),
        )
        return None
    result = [json.loads(p[2]) for p in parts]
    db.run(
        "UPDATE ocpp_requests SET status = 'complete', result = ?, updated_at = ?"
        " WHERE charger_id = ? AND kind = ? AND request_id = ?",
        (json.dumps(result), db.ts(at), *key),
    )
    return result


def get_request(db: Db, charger_id: str, kind: str, request_id: int) -> RequestState | None:
    key = (charger_id, kind, request_id)
    row = db.one(
        "SELECT status, params, result, updated_at FROM ocpp_requests WHERE charger_id = ?"
        " AND kind = ? AND request_id = ?",
        key,
    )
    if row is None:
        return None
    parts = _seq_nos(db, *key)
    result = json.loads(row[2]) if row[2] is not None else None
    return RequestState(
        request_id,
        str(row[0]),
        json.loads(row[1]),
        result,
        len(parts),
        _missing(parts),
        db.dt(row[3]),
    )
