"""A connected 1.6 charger's configuration, read once per connection and shared by every part
of evgw that needs a key (smart charging's capabilities at boot, billing's running-cost
support, ...), instead of one GetConfiguration per consumer and per boot.

- One read per connection: ``GetConfiguration`` without keys (the charger answers every
  setting it reports, OCPP 1.6 §6.9); concurrent askers wait for the read in flight.
- A failed read (timeout, CALLERROR, invalid reply, charger gone) raises the `CommandError`
  to every asker and is not kept: the next ask reads again. An answer that lacks a key is
  a `Configuration` without it (`has(key)` is False): that is the charger's answer, kept.
- The entry belongs to one connection (charger id + connected-at); a reconnect reads again.
  A ChangeConfiguration sent through the gateway drops it (`forget`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import attrs
import trio

from evgw.gateway._commands import ChargerNotConnected, CommandError, ConnectionInfo

Call = Callable[[str, str, dict[str, Any], float | None], Awaitable[dict[str, Any]]]


@attrs.frozen
class Configuration:
    """What the charger answered: key -> value (None when it reported the key without one)."""

    values: dict[str, str | None]

    def has(self, key: str) -> bool:
        return key in self.values

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    def flag(self, key: str) -> bool:
        """A boolean setting: True only when reported as "true" (any case)."""
        return str(self.values.get(key) or "").strip().lower() == "true"


def parse(reply: dict[str, Any]) -> Configuration:
    values: dict[str, str | None] = {}
    for item in reply.get("configurationKey") or []:
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            value = item.get("value")
            values[item["key"]] = None if value is None else str(value)
    return Configuration(values)


@attrs.define
class _Entry:
    connected_at: datetime
    done: trio.Event = attrs.field(factory=trio.Event)
    result: Configuration | None = None
    error: CommandError | None = None


class ConfigurationCache:
    """Per-connection configurations over a gateway's `call` and `connection`."""

    def __init__(self, call: Call, connection: Callable[[str], ConnectionInfo | None]) -> None:
        self._call, self._connection = call, connection
        self._entries: dict[str, _Entry] = {}
        self.reads = 0  # GetConfiguration calls sent (tests and metrics)

    async def get(self, charger_id: str, *, timeout: float | None = None) -> Configuration:
        """The charger's configuration on its current connection; raises a CommandError when
        it cannot be read now (`timeout` bounds the read this ask starts, if any)."""
        info = self._connection(charger_id)
        if info is None:
            self._entries.pop(charger_id, None)
            raise ChargerNotConnected(f"{charger_id} is not connected")
        entry = self._entries.get(charger_id)
        if entry is None or entry.connected_at != info.connected_at:
            entry = self._entries[charger_id] = _Entry(info.connected_at)
            await self._read(charger_id, entry, timeout)
        else:
            await entry.done.wait()
        if entry.result is None:
            assert entry.error is not None
            raise entry.error
        return entry.result

    async def _read(self, charger_id: str, entry: _Entry, timeout: float | None) -> None:
        self.reads += 1
        try:
            entry.result = parse(await self._call(charger_id, "GetConfiguration", {}, timeout))
        except CommandError as error:
            entry.error = error
            if self._entries.get(charger_id) is entry:
                del self._entries[charger_id]  # a failure is not kept: the next ask reads
        finally:
            if entry.result is None and entry.error is None:  # cancelled while reading
                entry.error = CommandError("configuration read cancelled")
                if self._entries.get(charger_id) is entry:
                    del self._entries[charger_id]
            entry.done.set()

    def forget(self, charger_id: str) -> None:
        """Drop what was read (the configuration changed, e.g. ChangeConfiguration)."""
        self._entries.pop(charger_id, None)
