"""Single-use file URLs on evgw's HTTP listener: firmware images chargers download
(``GET /files/firmware/<token>/<version>``) and diagnostics they upload
(``PUT`` or ``POST /files/upload/<token>[/<name>]``). FTP is out of scope.

A link is a random token in the store, bound to one charger and one object (an image, a
diagnostics request), with an expiry and a size limit; it is spent by its first use.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attrs
import trio
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from evgw.ocpp._time import utc_now
from evgw.store import Db, Store

from . import _metrics
from ._config import FilesConfig

log = logging.getLogger("evgw.maintenance")

FIRMWARE = "firmware"
UPLOAD = "upload"


class LinkRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@attrs.frozen
class Link:
    token: str
    kind: str
    charger_id: str
    ref: str
    max_bytes: int


@attrs.frozen
class Uploaded:
    ref: str
    charger_id: str
    filename: str
    path: Path
    size: int
    sha256: str


# store operations ---------------------------------------------------------------------------


def new_link(
    db: Db, kind: str, charger_id: str, ref: str, *, max_bytes: int, expires_at: datetime
) -> str:
    token = secrets.token_urlsafe(24)
    db.run(
        "INSERT INTO mnt_file_links (token, kind, charger_id, ref, max_bytes, expires_at,"
        " used_at, created_at) VALUES (?,?,?,?,?,?,NULL,?)",
        (token, kind, charger_id, ref, max_bytes, db.ts(expires_at), db.ts(utc_now())),
    )
    return token


def take_link(db: Db, token: str, kind: str, now: datetime) -> Link:
    """Spend the link (its first use wins); LinkRefused says why it cannot be used."""
    spent = db.run(
        "UPDATE mnt_file_links SET used_at = ? WHERE token = ? AND kind = ? AND used_at IS NULL"
        " AND expires_at > ?",
        (db.ts(now), token, kind, db.ts(now)),
    )
    row = db.one(
        "SELECT charger_id, ref, max_bytes, used_at, expires_at FROM mnt_file_links"
        " WHERE token = ? AND kind = ?",
        (token, kind),
    )
    if row is None:
        raise LinkRefused(404, "not_found", "unknown link")
    if not spent:
        expired = (db.dt(row[4]) or now) <= now
        raise LinkRefused(410, "gone", "the link has expired" if expired else "the link was used")
    return Link(token, kind, str(row[0]), str(row[1]), int(row[2]))


# the HTTP side ------------------------------------------------------------------------------

OnUploaded = Callable[[Uploaded], Awaitable[None]]
OnRefused = Callable[[str, str], Awaitable[None]]  # (ref, reason)


class FileDesk:
    """Issues links and serves them; the component sets ``on_uploaded`` / ``on_refused``."""

    def __init__(self, store: Store, cfg: FilesConfig) -> None:
        self.store = store
        self.cfg = cfg
        self.root = Path(cfg.dir)
        self.base_url = cfg.base_url.rstrip("/")
        self.on_uploaded: OnUploaded | None = None
        self.on_refused: OnRefused | None = None

    def listening(self, base_url: str) -> None:
        if not self.cfg.base_url:
            self.base_url = base_url.rstrip("/")

    def image_path(self, image_id: str) -> Path:
        return self.root / "images" / f"{image_id}.bin"

    def upload_path(self, ref: str) -> Path:
        return self.root / "uploads" / ref

    async def firmware_url(self, charger_id: str, image_id: str, version: str) -> str:
        expires = utc_now() + timedelta(seconds=self.cfg.download_ttl_s)
        token = await self.store.write(
            lambda db: new_link(db, FIRMWARE, charger_id, image_id, max_bytes=0, expires_at=expires)
        )
        return f"{self.base_url}/files/firmware/{token}/{quote(version, safe='')}"

    async def upload_url(self, charger_id: str, ref: str) -> str:
        expires = utc_now() + timedelta(seconds=self.cfg.upload_ttl_s)
        limit = self.cfg.max_upload_bytes
        token = await self.store.write(
            lambda db: new_link(db, UPLOAD, charger_id, ref, max_bytes=limit, expires_at=expires)
        )
        return f"{self.base_url}/files/upload/{token}"

    async def _take(self, token: str, kind: str) -> Link:
        now = utc_now()
        return await self.store.write(lambda db: take_link(db, token, kind, now))

    # handlers -----------------------------------------------------------------------------

    async def download(self, request: Request) -> Response:
        try:
            link = await self._take(request.path_params["token"], FIRMWARE)
        except LinkRefused as exc:
            _metrics.FILE_REQUESTS.labels(FIRMWARE, exc.code).inc()
            return _refused(exc)
        path = self.image_path(link.ref)
        if not await trio.Path(path).exists():
            _metrics.FILE_REQUESTS.labels(FIRMWARE, "missing").inc()
            return _refused(LinkRefused(404, "not_found", "the image has no file"))
        _metrics.FILE_REQUESTS.labels(FIRMWARE, "ok").inc()
        log.info("%s: firmware image %s served", link.charger_id, link.ref)
        return FileResponse(path, media_type="application/octet-stream")

    async def upload(self, request: Request) -> Response:
        try:
            link = await self._take(request.path_params["token"], UPLOAD)
        except LinkRefused as exc:
            _metrics.FILE_REQUESTS.labels(UPLOAD, exc.code).inc()
            return _refused(exc)
        declared = int(request.headers.get("content-length") or 0)
        path = self.upload_path(link.ref)
        if declared > link.max_bytes or not await self._receive(request, path, link.max_bytes):
            _metrics.FILE_REQUESTS.labels(UPLOAD, "too_large").inc()
            await self._refuse(link.ref, f"the upload exceeds {link.max_bytes} bytes")
            message = f"the upload exceeds {link.max_bytes} bytes"
            return _refused(LinkRefused(413, "payload_too_large", message))
        name = request.path_params.get("name") or link.ref
        uploaded = await trio.to_thread.run_sync(
            _finish, path, request.headers.get("content-type", ""), name, link
        )
        _metrics.FILE_REQUESTS.labels(UPLOAD, "ok").inc()
        if self.on_uploaded is not None:
            await self.on_uploaded(uploaded)
        return JSONResponse({"size": uploaded.size, "sha256": uploaded.sha256}, 201)

    async def _receive(self, request: Request, path: Path, limit: int) -> bool:
        """Stream the body to `path`; False (and nothing kept) past `limit` bytes."""
        await trio.Path(path.parent).mkdir(parents=True, exist_ok=True)
        size = 0
        async with await trio.open_file(path, "wb") as fh:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    break
                await fh.write(chunk)
        if size > limit:
            await trio.Path(path).unlink(missing_ok=True)
            return False
        return True

    async def _refuse(self, ref: str, reason: str) -> None:
        if self.on_refused is not None:
            await self.on_refused(ref, reason)

    def routes(self) -> tuple[BaseRoute, ...]:
        return (
            Route("/files/firmware/{token}/{name}", self.download, methods=["GET"]),
            Route("/files/upload/{token}", self.upload, methods=["PUT", "POST"]),
            Route("/files/upload/{token}/{name}", self.upload, methods=["PUT", "POST"]),
        )


def _refused(exc: LinkRefused) -> Response:
    body = {"error": {"code": exc.code, "message": str(exc), "details": None}}
    return JSONResponse(body, exc.status)


def _finish(path: Path, content_type: str, name: str, link: Link) -> Uploaded:
    """A multipart/form-data body is reduced to its (first) file part; then hash it."""
    if content_type.lower().startswith("multipart/form-data"):
        name = _unwrap_multipart(path, content_type) or name
    data = path.read_bytes()
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[:200]
    return Uploaded(
        link.ref, link.charger_id, safe, path, len(data), hashlib.sha256(data).hexdigest()
    )


def _unwrap_multipart(path: Path, content_type: str) -> str | None:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message: Any = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        head + path.read_bytes()
    )
    parts = list(message.iter_parts()) if message.is_multipart() else []
    part = next((p for p in parts if p.get_filename()), parts[0] if parts else None)
    if part is None:
        return None
    path.write_bytes(part.get_payload(decode=True) or b"")
    filename: str | None = part.get_filename()
    return filename
