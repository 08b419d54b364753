"""Keeping each connected charger's local authorization list in step with the token table.

Per charger: read its limits (1.6 configuration keys, 2.x LocalAuthListCtrlr variables), ask
its list version once per connection, then send a Full update when the versions disagree (or
after a VersionMismatch / Failed answer) and Differential updates otherwise, split to the
charger's per-message limit. Every accepted message is recorded at once (version and
entries), so an interrupted sync resumes where it stopped; a failure is retried with backoff.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import attrs
import trio

from evgw.gateway._commands import CallErrorReply, Commander, CommandError
from evgw.store import Db, Store

from . import _local_list as ll
from ._config import LocalListConfig

log = logging.getLogger("evgw.authz.local_list")

V16_KEYS = ("LocalAuthListEnabled", "LocalAuthListMaxLength", "SendLocalListMaxLength")
V201_VARIABLES = ("Enabled", "ItemsPerMessage", "BytesPerMessage")


@attrs.frozen
class Limits:
    enabled: bool
    max_length: int
    per_message: int
    max_bytes: int | None = None  # 2.x LocalAuthListCtrlr.BytesPerMessage


def _int(value: Any, default: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        return default
    return number if number > 0 else default


def reported_max_entries(db: Db, charger_id: str) -> int | None:
    """LocalAuthListCtrlr.Entries' maxLimit from the charger's stored device-model report."""
    row = db.one(
        "SELECT characteristics FROM ocpp201_variables WHERE charger_id = ? AND "
        "component = 'LocalAuthListCtrlr' AND variable = 'Entries' AND characteristics IS NOT NULL",
        (charger_id,),
    )
    try:
        limit = json.loads(row[0]).get("maxLimit") if row else None
    except (ValueError, AttributeError):
        return None
    return int(limit) if isinstance(limit, (int, float)) and limit > 0 else None


async def read_limits(
    commander: Commander, charger_id: str, version: str, cfg: LocalListConfig, reported: int | None
) -> Limits:
    if version == ll.V16:
        reply = await commander.call(charger_id, "GetConfiguration", {"key": list(V16_KEYS)})
        values = {k["key"]: k.get("value") for k in reply.get("configurationKey", [])}
        return Limits(
            str(values.get("LocalAuthListEnabled", "false")).lower() == "true",
            _int(values.get("LocalAuthListMaxLength"), cfg.default_max_length),
            _int(values.get("SendLocalListMaxLength"), cfg.default_items_per_message),
        )
    ask = [
        {"component": {"name": "LocalAuthListCtrlr"}, "variable": {"name": name}}
        for name in V201_VARIABLES
    ]
    reply = await commander.call(charger_id, "GetVariables", {"getVariableData": ask})
    values = {
        r["variable"]["name"]: r.get("attributeValue")
        for r in reply.get("getVariableResult", [])
        if r.get("attributeStatus") == "Accepted"
    }
    return Limits(
        str(values.get("Enabled", "false")).lower() == "true",
        # Entries' maxLimit is in the device-model report (GetVariables gives the count held)
        reported or cfg.default_max_length,
        _int(values.get("ItemsPerMessage"), cfg.default_items_per_message),
        _int(values.get("BytesPerMessage"), 0) or None,
    )


async def list_version(commander: Commander, charger_id: str, version: str) -> int:
    reply = await commander.call(charger_id, "GetLocalListVersion", {})
    return int(reply["listVersion" if version == ll.V16 else "versionNumber"])


class ListRefused(Exception):
    """The charger answered a SendLocalList with something other than Accepted."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


class Syncer:
    def __init__(self, store: Store, commander: Commander, cfg: LocalListConfig) -> None:
        self.store = store
        self.commander = commander
        self.cfg = cfg
        self.checked: dict[str, datetime] = {}  # charger -> connection whose version was read
        self.retry_at: dict[str, float] = {}

    async def _send(self, charger_id: str, version: str, message: ll.Message) -> None:
        reply = await self.commander.call(charger_id, "SendLocalList", message.payload(version))
        if reply.get("status") != "Accepted":
            raise ListRefused(str(reply.get("status")))

        def op(db: Db) -> None:
            ll.apply_message(db, version, charger_id, message)
            held = len(ll.held_entries(db, charger_id))
            state = ll.read_state(db, charger_id)
            ll.write_state(
                db, attrs.evolve(state, version=message.version, state="pending", entries=held)
            )

        await self.store.write(op)

    async def _state(self, charger_id: str) -> ll.SyncState:
        return await self.store.read(lambda db: ll.read_state(db, charger_id))

    async def _save(self, state: ll.SyncState) -> None:
        await self.store.write(lambda db: ll.write_state(db, state))

    async def sync(
        self, charger_id: str, version: str, connected_at: datetime, planner: ll.Planner
    ) -> str:
        """One pass for one charger; answers the resulting state."""
        state = await self._state(charger_id)
        try:
            reported = await self.store.read(lambda db: reported_max_entries(db, charger_id))
            limits = await read_limits(self.commander, charger_id, version, self.cfg, reported)
            if not limits.enabled:
                await self._save(attrs.evolve(state, state="disabled", last_error=None))
                return "disabled"
            full = state.state in ("new", "resync")
            if self.checked.get(charger_id) != connected_at:
                on_charger = await list_version(self.commander, charger_id, version)
                full = full or on_charger != state.version
                self.checked[charger_id] = connected_at
            await self._push(charger_id, version, limits, planner, full=full)
        except ListRefused as e:
            return await self._refused(charger_id, e.status)
        except (CommandError, KeyError, ValueError) as e:
            return await self._failed(charger_id, e)
        final = attrs.evolve(
            await self._state(charger_id),
            state="synced",
            attempts=0,
            last_error=None,
            synced_at=datetime.now(UTC),
        )
        await self._save(final)
        self.retry_at.pop(charger_id, None)
        return "synced"

    async def _push(
        self, charger_id: str, version: str, limits: Limits, planner: ll.Planner, *, full: bool
    ) -> None:
        want = planner.wanted(version, charger_id, limits.max_length)
        state = await self._state(charger_id)
        if full:
            items = list(want.entries.values())
        else:
            held = await self.store.read(lambda db: ll.held_entries(db, charger_id))
            items = ll.difference(version, held, want.entries)
        await self._save(attrs.evolve(state, truncated=want.truncated))
        plan = ll.messages(
            items,
            full=full,
            from_version=state.version,
            per_message=limits.per_message,
            max_bytes=limits.max_bytes,
        )
        for message in plan:
            await self._send(charger_id, version, message)

    async def _refused(self, charger_id: str, status: str) -> str:
        """NotSupported: stop trying; VersionMismatch / Failed: a Full update next time."""
        state = await self._state(charger_id)
        if status == "NotSupported":
            await self._save(attrs.evolve(state, state="not_supported", last_error=status))
            return "not_supported"
        log.warning("%s: SendLocalList answered %s; a full resync follows", charger_id, status)
        await self.store.write(lambda db: ll.forget_entries(db, charger_id))
        return await self._retry_later(attrs.evolve(state, state="resync"), status)

    async def _failed(self, charger_id: str, error: Exception) -> str:
        state = await self._state(charger_id)
        text = f"{type(error).__name__}: {error}"
        if isinstance(error, CallErrorReply):  # the charger refused the message's shape
            await self.store.write(lambda db: ll.forget_entries(db, charger_id))
            state = attrs.evolve(state, state="resync")
        else:
            state = attrs.evolve(state, state="failed" if state.state != "resync" else "resync")
        return await self._retry_later(state, text)

    async def _retry_later(self, state: ll.SyncState, error: str) -> str:
        attempts = state.attempts + 1
        delay = min(self.cfg.max_retry_s, self.cfg.retry_s * 2 ** (attempts - 1))
        self.retry_at[state.charger_id] = trio.current_time() + delay
        await self._save(attrs.evolve(state, attempts=attempts, last_error=error))
        return state.state

    def due(self, charger_id: str, now: float) -> bool:
        return self.retry_at.get(charger_id, 0.0) <= now
