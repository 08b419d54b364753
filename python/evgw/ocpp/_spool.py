"""Last-resort durability for transaction messages while the store is failing.

When the store cannot commit a StopTransaction or MeterValues, the frame is appended to a local
journal (fsync'd) and the charger gets its CALLRESULT: a CALLERROR would spend one of its few
retry attempts and can lose the transaction for good (OCPP 1.6 §3.7). A replay loop feeds the
journal back through the same handlers once the store answers again.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import trio

log = logging.getLogger("evgw.spool")


@attrs.frozen
class SpooledCall:
    charger_id: str
    ocpp_version: str
    message_id: str
    action: str
    payload: dict[str, Any]
    received_at: str
    raw: str

    @property
    def received(self) -> datetime:
        return datetime.fromisoformat(self.received_at)


class Spool:
    def __init__(self, directory: str | Path) -> None:
        self.path = Path(directory) / "transactions.jsonl"
        self._lock = trio.Lock()

    def _append_sync(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    async def append(self, call: SpooledCall) -> None:
        line = json.dumps(attrs.asdict(call), separators=(",", ":"))
        async with self._lock:
            await trio.to_thread.run_sync(self._append_sync, line)

    def _read_sync(self) -> list[SpooledCall]:
        if not self.path.exists():
            return []
        with open(self.path, encoding="utf-8") as fh:
            return [SpooledCall(**json.loads(line)) for line in fh if line.strip()]

    def _rewrite_sync(self, remaining: list[SpooledCall]) -> None:
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            for call in remaining:
                fh.write(json.dumps(attrs.asdict(call), separators=(",", ":")) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    async def pending(self) -> list[SpooledCall]:
        async with self._lock:
            return await trio.to_thread.run_sync(self._read_sync)

    async def replay(self, apply: Any) -> int:
        """Feed spooled calls, oldest first, to `apply(call)`; stop at the first failure.

        Returns how many were applied. Handlers are idempotent, so a crash between apply and
        rewrite only replays an entry twice with one effect."""
        async with self._lock:
            calls = await trio.to_thread.run_sync(self._read_sync)
            done = 0
            for call in calls:
                try:
                    await apply(call)
                except Exception:
                    log.warning("spool replay paused at %s/%s", call.charger_id, call.message_id)
                    break
                done += 1
            if done:
                await trio.to_thread.run_sync(self._rewrite_sync, calls[done:])
            return done
