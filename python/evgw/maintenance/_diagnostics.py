"""Diagnostics collection: GetDiagnostics (1.6) / GetLog (2.x) pointing at a single-use,
short-lived evgw upload URL; the charger's progress notifications collapsed into one state
per request; a timeout; the uploaded file (size-limited) attached to the ticket."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs
import trio

from evgw import events as ev
from evgw.gateway._commands import Commander, CommandError
from evgw.ocpp._time import utc_now
from evgw.store import Db, Store

from . import _metrics
from ._config import DiagnosticsConfig
from ._files import FileDesk, Uploaded
from ._tickets import add_event

log = logging.getLogger("evgw.maintenance.diagnostics")

# 1.6 DiagnosticsStatus and the security extension's / 2.x UploadLogStatus that end a request
FAILED_STATUSES = frozenset(
    {"UploadFailed", "UploadFailure", "BadMessage", "NotSupportedOperation", "PermissionDenied"}
)
FINAL_STATES = frozenset({"uploaded", "failed", "rejected", "no_file", "timed_out", "too_large"})


@attrs.define
class Request:
    id: str
    charger_id: str
    ticket_id: str | None
    request_id: int
    state: str
    detail: dict[str, Any]
    deadline: float = 0.0


# store operations ---------------------------------------------------------------------------

_COLUMNS = (
    "id, charger_id, ticket_id, request_id, state, detail, filename, size, sha256,"
    " requested_at, updated_at"
)


def _insert(db: Db, r: Request, now: datetime) -> None:
    db.run(
        f"INSERT INTO mnt_diagnostics ({_COLUMNS}) VALUES (?,?,?,?,?,?,NULL,NULL,NULL,?,?)",
        (
            r.id,
            r.charger_id,
            r.ticket_id,
            r.request_id,
            r.state,
            json.dumps(r.detail),
            db.ts(now),
            db.ts(now),
        ),
    )


def _update(db: Db, r: Request, now: datetime, file: Uploaded | None = None) -> None:
    db.run(
        "UPDATE mnt_diagnostics SET state = ?, detail = ?, updated_at = ? WHERE id = ?",
        (r.state, json.dumps(r.detail, default=str), db.ts(now), r.id),
    )
    if file is not None:
        db.run(
            "UPDATE mnt_diagnostics SET filename = ?, size = ?, sha256 = ? WHERE id = ?",
            (file.filename, file.size, file.sha256, r.id),
        )
    if r.ticket_id is not None and r.state in FINAL_STATES:
        detail: dict[str, Any] = {"diagnostics_id": r.id, "state": r.state, **r.detail}
        if file is not None:
            detail |= {"filename": file.filename, "size": file.size, "sha256": file.sha256}
            detail["file"] = f"/api/v1/diagnostics/{r.id}/file"
        action = "attachment" if file is not None else "diagnostics_result"
        add_event(db, r.ticket_id, at=now, who="evgw", action=action, detail=detail)


def get_diagnostics(db: Db, diagnostics_id: str) -> dict[str, Any] | None:
    row = db.one(f"SELECT {_COLUMNS} FROM mnt_diagnostics WHERE id = ?", (diagnostics_id,))
    return None if row is None else _view(db, row)


def list_diagnostics(db: Db, charger_id: str) -> list[dict[str, Any]]:
    rows = db.all(
        f"SELECT {_COLUMNS} FROM mnt_diagnostics WHERE charger_id = ?"
        " ORDER BY requested_at DESC, id",
        (charger_id,),
    )
    return [_view(db, r) for r in rows]


def _view(db: Db, row: Sequence[Any]) -> dict[str, Any]:
    at, updated = db.dt(row[9]), db.dt(row[10])
    return {
        "id": row[0],
        "charger_id": row[1],
        "ticket_id": row[2],
        "request_id": row[3],
        "state": row[4],
        "detail": json.loads(row[5]),
        "filename": row[6],
        "size": row[7],
        "sha256": row[8],
        "requested_at": None if at is None else at.isoformat(),
        "updated_at": None if updated is None else updated.isoformat(),
    }


# the collector -------------------------------------------------------------------------------


class Diagnostics:
    def __init__(
        self, cfg: DiagnosticsConfig, *, store: Store, commander: Commander, files: FileDesk
    ) -> None:
        self.cfg = cfg
        self.store = store
        self.commander = commander
        self.files = files
        self.open: dict[str, Request] = {}  # by id, until final
        self._notes, self._receive = trio.open_memory_channel[ev.DiagnosticsStatusChanged](1000)
        files.on_uploaded = self.uploaded
        files.on_refused = self.refused

    async def request(self, charger_id: str, ticket_id: str | None = None) -> dict[str, Any]:
        r = Request(
            uuid.uuid4().hex, charger_id, ticket_id, uuid.uuid4().int % 2**31, "requested", {}
        )
        url = await self.files.upload_url(charger_id, r.id)
        now = utc_now()
        await self.store.write(lambda db: _insert(db, r, now))
        conn = self.commander.connection(charger_id)
        version = conn.ocpp_version if conn is not None else "ocpp1.6"
        action = "GetDiagnostics" if version == "ocpp1.6" else "GetLog"
        payload: dict[str, Any] = {"location": url}
        if action == "GetLog":
            payload = {
                "logType": "DiagnosticsLog",
                "requestId": r.request_id,
                "log": {"remoteLocation": url},
            }
        r.detail = {"action": action}
        try:
            reply = await self.commander.call(charger_id, action, payload)
        except CommandError as exc:
            await self._finish(r, "failed", error=f"{type(exc).__name__}: {exc}")
            return self._result(r)
        r.detail["reply"] = reply
        if action == "GetDiagnostics" and not reply.get("fileName"):
            await self._finish(r, "no_file")
        elif action == "GetLog" and reply.get("status") not in ("Accepted", "AcceptedCanceled"):
            await self._finish(r, "rejected")
        else:
            r.state, r.deadline = "accepted", trio.current_time() + self.cfg.timeout_s
            self.open[r.id] = r
            await self._save(r)
        return self._result(r)

    def _result(self, r: Request) -> dict[str, Any]:
        return {"id": r.id, "requested": True, "state": r.state, **r.detail}

    # progress -----------------------------------------------------------------------------

    def status(self, e: ev.DiagnosticsStatusChanged) -> None:
        try:
            self._notes.send_nowait(e)
        except trio.WouldBlock:
            log.warning("%s: diagnostics status queue full; %s dropped", e.charger_id, e.status)

    def _match(self, charger_id: str, request_id: int | None) -> Request | None:
        mine = [r for r in self.open.values() if r.charger_id == charger_id]
        if request_id is not None:
            mine = [r for r in mine if r.request_id == request_id]
        return mine[-1] if mine else None

    async def _note(self, e: ev.DiagnosticsStatusChanged) -> None:
        """Collapse: a request keeps one state and a count of notifications, not a row each."""
        r = self._match(e.charger_id, e.request_id)
        if r is None:
            return
        r.detail["notifications"] = r.detail.get("notifications", 0) + 1
        r.detail["last_status"] = e.status
        if e.status in FAILED_STATUSES:
            await self._finish(r, "failed")
        elif e.status == "Uploading" and r.state == "accepted":
            r.state = "uploading"
            await self._save(r)

    async def uploaded(self, file: Uploaded) -> None:
        r = self.open.get(file.ref)
        if r is None:  # finished already (timed out): keep the file, record it
            r = Request(file.ref, file.charger_id, None, 0, "uploaded", {"late": True})
        await self._finish(r, "uploaded", file=file)

    async def refused(self, ref: str, reason: str) -> None:
        r = self.open.get(ref)
        if r is not None:
            await self._finish(r, "too_large", error=reason)

    async def _finish(
        self, r: Request, state: str, *, file: Uploaded | None = None, error: str | None = None
    ) -> None:
        r.state = state
        if error is not None:
            r.detail["error"] = error
        self.open.pop(r.id, None)
        _metrics.DIAGNOSTICS.labels(state).inc()
        log.info("%s: diagnostics %s %s", r.charger_id, r.id, state)
        await self._save(r, file)

    async def _save(self, r: Request, file: Uploaded | None = None) -> None:
        now = utc_now()
        await self.store.write(lambda db: _update(db, r, now, file))

    async def run(self) -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._timeouts)
            async for e in self._receive:
                try:
                    await self._note(e)
                except Exception:
                    log.exception("diagnostics status %s from %s", e.status, e.charger_id)

    async def _timeouts(self) -> None:
        while True:
            await trio.sleep(min(5.0, self.cfg.timeout_s / 4))
            now = trio.current_time()
            for r in [r for r in self.open.values() if now > r.deadline]:
                await self._finish(
                    r, "timed_out", error=f"no upload within {self.cfg.timeout_s:g} s"
                )
