"""Local authorization lists: what a charger should hold, the difference to what it holds,
and the SendLocalList messages that carry it within the charger's limits.

Pure functions over rows read in one store call; the sync driver is ``_list_sync``.
The list for a charger: every token allowed there (EVSE restrictions), except types a charger
never caches (Central, NoAuthorization) and, for 1.6, values longer than an idTag (20),
with the status evgw would answer now. At most ``max_length`` entries (sorted by value).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import attrs

from evgw.store import Db
from evgw.store import _codec as codec

from . import _accounts as accounts
from . import _idtoken as idt
from ._authorizer import TokenFacts, decide
from ._info import id_tag_info, id_token_info

V16 = "ocpp1.6"
NEVER_LISTED = frozenset({idt.CENTRAL, idt.NO_AUTHORIZATION})

Item = dict[str, Any]


@attrs.frozen
class Wanted:
    entries: dict[str, Item]  # token value -> the list item
    truncated: bool  # more tokens than the charger holds


def all_facts(db: Db) -> list[TokenFacts]:
    """Every token with its group, account and restrictions (a few bulk reads)."""
    tokens = [
        codec.id_token(db, r)
        for r in db.all(f"SELECT {codec.TOKEN_COLUMNS} FROM id_tokens ORDER BY id")
    ]
    by_id = {t.id: t for t in tokens}
    owners = {a.id: a for a in accounts.page(db, 10**9, 0)}
    evses: dict[str, list[tuple[str, int]]] = {}
    for token_id, charger_id, evse_id in db.all(
        "SELECT token_id, charger_id, evse_id FROM authz_token_evses ORDER BY 1, 2, 3"
    ):
        evses.setdefault(token_id, []).append((charger_id, int(evse_id)))
    facts = []
    for t in tokens:
        group = by_id.get(t.group_id) if t.group_id else None
        owner = t.owner or (group.owner if group else None)
        account = owners.get(owner) if owner else None
        facts.append(TokenFacts(t, group, account, tuple(evses.get(t.id, ()))))
    return facts


def _item(version: str, facts: TokenFacts, charger_id: str, now: datetime) -> Item | None:
    token = facts.token
    if token.type in NEVER_LISTED:
        return None
    if version == V16 and len(token.id) > idt.MAX_LENGTH_V16:
        return None
    if facts.evses and charger_id not in {c for c, _ in facts.evses}:
        return None
    decision = decide(facts, None, charger_id, None, now=now)
    if version == V16:
        return {"idTag": token.id, "idTagInfo": id_tag_info(decision)}
    return {
        "idToken": {"idToken": token.id, "type": token.type},
        "idTokenInfo": id_token_info(decision),
    }


class Planner:
    """One pass's lists over one read of the tables: a token without EVSE restrictions has
    the same entry on every charger of a version, so it is rendered once and shared."""

    def __init__(self, facts: Sequence[TokenFacts], now: datetime) -> None:
        self.facts = facts
        self.now = now
        self._shared: dict[bool, list[Item | None]] = {}

    def wanted(self, version: str, charger_id: str, max_length: int) -> Wanted:
        v16 = version == V16
        shared = self._shared.get(v16)
        if shared is None:
            shared = [None if f.evses else _item(version, f, "", self.now) for f in self.facts]
            self._shared[v16] = shared
        items = []
        for facts, common in zip(self.facts, shared, strict=True):
            item = _item(version, facts, charger_id, self.now) if facts.evses else common
            if item is not None:
                items.append(item)
        entries = {key(version, i): i for i in items[:max_length]}
        return Wanted(entries, len(items) > max_length)


def wanted(
    version: str, facts: Sequence[TokenFacts], charger_id: str, max_length: int, now: datetime
) -> Wanted:
    return Planner(facts, now).wanted(version, charger_id, max_length)


def key(version: str, item: Item) -> str:
    return str(item["idTag"] if version == V16 else item["idToken"]["idToken"])


def removal(version: str, item: Item) -> Item:
    """The item that deletes an entry in a Differential update (no info)."""
    if version == V16:
        return {"idTag": item["idTag"]}
    return {"idToken": item["idToken"]}


def difference(version: str, held: dict[str, Item], want: dict[str, Item]) -> list[Item]:
    """Differential items: new or changed entries, then removals (sorted by value)."""
    changed = [want[k] for k in sorted(want) if held.get(k) != want[k]]
    removed = [removal(version, held[k]) for k in sorted(held) if k not in want]
    return changed + removed


@attrs.frozen
class Message:
    version: int
    update_type: str  # Full | Differential
    items: tuple[Item, ...]

    def payload(self, ocpp_version: str) -> dict[str, Any]:
        body: dict[str, Any] = {"updateType": self.update_type}
        body["listVersion" if ocpp_version == V16 else "versionNumber"] = self.version
        if self.items:  # 2.x: minItems 1; 1.6: an empty Full clears the list
            body["localAuthorizationList"] = list(self.items)
        return body


#: bytes of a SendLocalList CALL around its items (frame, versions, update type): a bound
ENVELOPE_BYTES = 200


def _parts(
    items: Sequence[Item], per_message: int, max_bytes: int | None
) -> list[tuple[Item, ...]]:
    """Greedy: at most `per_message` items and (2.x BytesPerMessage) `max_bytes` per part."""
    parts: list[tuple[Item, ...]] = []
    part: list[Item] = []
    used = ENVELOPE_BYTES
    for item in items:
        size = len(json.dumps(item, separators=(",", ":"))) + 1
        too_big = max_bytes is not None and used + size > max_bytes
        if part and (len(part) >= per_message or too_big):
            parts.append(tuple(part))
            part, used = [], ENVELOPE_BYTES
        part.append(item)
        used += size
    return [*parts, tuple(part)] if part else parts


def messages(
    items: Sequence[Item],
    *,
    full: bool,
    from_version: int,
    per_message: int,
    max_bytes: int | None = None,
) -> list[Message]:
    """A Full update (first part Full, the rest Differential) or a Differential one, split
    to `per_message` items (and `max_bytes`), each message one version up."""
    parts = _parts(items, max(1, per_message), max_bytes) or [()]
    if not full and parts == [()]:
        return []
    return [
        Message(from_version + n + 1, "Full" if full and n == 0 else "Differential", part)
        for n, part in enumerate(parts)
    ]


# stored sync state ---------------------------------------------------------------------------


@attrs.frozen
class SyncState:
    charger_id: str
    version: int = 0
    state: str = "new"  # new | synced | pending | failed | resync | not_supported | disabled
    entries: int = 0
    truncated: bool = False
    attempts: int = 0
    last_error: str | None = None
    synced_at: datetime | None = None

    def view(self) -> dict[str, Any]:
        return {
            "charger_id": self.charger_id,
            "version": self.version,
            "state": self.state,
            "entries": self.entries,
            "truncated": self.truncated,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "synced_at": None if self.synced_at is None else self.synced_at.isoformat(),
        }


_STATE = "charger_id, version, state, entries, truncated, attempts, last_error, synced_at"


def _state_row(db: Db, r: Sequence[Any]) -> SyncState:
    return SyncState(r[0], int(r[1]), r[2], int(r[3]), bool(r[4]), int(r[5]), r[6], db.dt(r[7]))


def read_state(db: Db, charger_id: str) -> SyncState:
    r = db.one(f"SELECT {_STATE} FROM authz_list_state WHERE charger_id = ?", (charger_id,))
    return SyncState(charger_id) if r is None else _state_row(db, r)


def states(db: Db, limit: int, offset: int) -> list[SyncState]:
    rows = db.all(
        f"SELECT {_STATE} FROM authz_list_state ORDER BY charger_id LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return [_state_row(db, r) for r in rows]


def write_state(db: Db, s: SyncState) -> None:
    now = db.ts(datetime.now(UTC))
    synced = None if s.synced_at is None else db.ts(s.synced_at)
    values = (
        *(s.version, s.state, s.entries, int(s.truncated), s.attempts, s.last_error, synced, now),
        s.charger_id,
    )
    if db.run(
        "UPDATE authz_list_state SET version = ?, state = ?, entries = ?, truncated = ?, "
        "attempts = ?, last_error = ?, synced_at = ?, updated_at = ? WHERE charger_id = ?",
        values,
    ):
        return
    db.run(
        "INSERT INTO authz_list_state (version, state, entries, truncated, attempts, "
        "last_error, synced_at, updated_at, charger_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        values,
    )


def held_entries(db: Db, charger_id: str) -> dict[str, Item]:
    rows = db.all(
        "SELECT id_token, info FROM authz_list_entries WHERE charger_id = ?", (charger_id,)
    )
    return {r[0]: json.loads(r[1]) for r in rows}


def apply_message(db: Db, version: str, charger_id: str, message: Message) -> None:
    """What the charger holds after it accepted `message`."""
    if message.update_type == "Full":
        db.run("DELETE FROM authz_list_entries WHERE charger_id = ?", (charger_id,))
    for item in message.items:
        k = key(version, item)
        db.run(
            "DELETE FROM authz_list_entries WHERE charger_id = ? AND id_token = ?",
            (charger_id, k),
        )
        if "idTagInfo" in item or "idTokenInfo" in item:
            db.run(
                "INSERT INTO authz_list_entries (charger_id, id_token, info) VALUES (?, ?, ?)",
                (charger_id, k, json.dumps(item, sort_keys=True)),
            )


def forget_entries(db: Db, charger_id: str) -> None:
    db.run("DELETE FROM authz_list_entries WHERE charger_id = ?", (charger_id,))
