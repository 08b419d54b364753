"""Operator API for firmware (image catalogue, campaigns with pause/resume/abort) and
diagnostics collection (request, status, the uploaded file)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC
from typing import TYPE_CHECKING, Any

import trio
from starlette.responses import FileResponse, Response

from evgw.api import (
    ApiError,
    ApiRoute,
    Call,
    Doc,
    Field,
    Kind,
    invalid,
    not_found,
    object_schema,
    ok,
    parse_object,
    read_json,
)
from evgw.domain import Role
from evgw.ocpp._time import utc_now

from ._campaign_store import Campaign, CampaignSpec, Window, counts
from ._campaigns import CONTROLS, CampaignRefused
from ._diagnostics import get_diagnostics, list_diagnostics
from ._firmware import DuplicateImage, Image, add_image, get_image, list_images, set_image_file

if TYPE_CHECKING:
    from ._component import Maintenance

IMAGE_FIELDS = (
    Field(
        "vendor",
        Kind.STRING,
        "as the chargers report it in BootNotification",
        required=True,
        minimum=1,
        maximum=50,
    ),
    Field("model", Kind.STRING, required=True, minimum=1, maximum=50),
    Field(
        "version",
        Kind.STRING,
        "the version the charger reports once updated",
        required=True,
        minimum=1,
        maximum=50,
    ),
    Field(
        "signature",
        Kind.STRING,
        "base64 signature of the image (signed updates; OCPP allows 800 characters)",
        nullable=True,
        minimum=1,
        maximum=800,
    ),
    Field(
        "signing_certificate",
        Kind.STRING,
        "PEM certificate that signed the image",
        nullable=True,
        minimum=1,
        maximum=5500,
    ),
)
WINDOW = (Field("start", Kind.DATETIME, required=True), Field("end", Kind.DATETIME, required=True))
CAMPAIGN_FIELDS = (
    Field("name", Kind.STRING, required=True, minimum=1, maximum=200),
    Field("image_id", Kind.STRING, required=True, minimum=1, maximum=64),
    Field("site_id", Kind.STRING, "only chargers of this site", minimum=1, maximum=255),
    Field(
        "current_version",
        Kind.STRING,
        "only chargers reporting this version",
        minimum=1,
        maximum=50,
    ),
    Field(
        "charger_ids",
        Kind.STRING,
        "only these chargers (comma-separated)",
        minimum=1,
        maximum=100_000,
    ),
    Field(
        "canary",
        Kind.INTEGER,
        "chargers updated first (default from config)",
        minimum=1,
        maximum=1000,
    ),
    Field("wave_size", Kind.INTEGER, minimum=1, maximum=100_000),
    Field("failure_threshold", Kind.NUMBER, "halt above this failed share", minimum=0, maximum=1),
    Field("min_decided", Kind.INTEGER, minimum=1, maximum=100_000),
    Field("download_timeout_s", Kind.NUMBER, minimum=1, maximum=7 * 86_400),
    Field("install_timeout_s", Kind.NUMBER, minimum=1, maximum=7 * 86_400),
    Field("boot_timeout_s", Kind.NUMBER, minimum=1, maximum=7 * 86_400),
)
DIAGNOSTICS_FIELDS = (
    Field("ticket_id", Kind.STRING, "attach the file to this ticket", minimum=1, maximum=64),
)


def image_view(i: Image) -> dict[str, Any]:
    return {
        "id": i.id,
        "vendor": i.vendor,
        "model": i.model,
        "version": i.version,
        "size": i.size,
        "sha256": i.sha256,
        "signed": i.signed,
        "signature": i.signature,
        "signing_certificate": i.signing_certificate,
        "created_by": i.created_by,
        "created_at": i.created_at.isoformat(),
    }


def campaign_view(c: Campaign, *, targets: bool) -> dict[str, Any]:
    spec = c.spec
    out: dict[str, Any] = {
        "id": c.id,
        "name": c.name,
        "image": image_view(c.image),
        "state": c.state,
        "reason": c.reason,
        "canary": spec.canary,
        "wave_size": spec.wave_size,
        "failure_threshold": spec.failure_threshold,
        "windows": [{"start": w.start.isoformat(), "end": w.end.isoformat()} for w in spec.windows],
        "counts": counts(c),
        "created_by": c.created_by,
        "created_at": c.created_at.isoformat(),
    }
    if targets:
        out["targets"] = [
            {"charger_id": t.charger_id, "wave": t.wave, "state": t.state, "history": t.history}
            for t in sorted(c.targets.values(), key=lambda t: (t.wave, t.charger_id))
        ]
    return out


def _who(call: Call) -> str:
    return f"{call.token.label} ({call.token.id})"


def _windows(raw: object) -> tuple[Window, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or len(raw) > 100:
        raise invalid([{"field": "windows", "message": "must be a list of {start, end}"}])
    out = []
    for n, item in enumerate(raw):
        values = parse_object(WINDOW, item)
        start, end = values["start"].astimezone(UTC), values["end"].astimezone(UTC)
        if end <= start:
            raise invalid([{"field": f"windows[{n}].end", "message": "must be after start"}])
        out.append(Window(start, end))
    return tuple(out)


class FirmwareHandlers:
    def __init__(self, component: Maintenance) -> None:
        self.c = component
        self.cfg = component.cfg

    async def list_images(self, call: Call) -> Response:
        found = await call.store.read(list_images)
        return ok({"items": [image_view(i) for i in found]})

    async def add_image(self, call: Call) -> Response:
        values = parse_object(IMAGE_FIELDS, await read_json(call.request))
        if bool(values.get("signature")) != bool(values.get("signing_certificate")):
            message = "a signed image needs both signature and signing_certificate"
            raise invalid([{"field": "signature", "message": message}])
        image = Image(
            uuid.uuid4().hex,
            values["vendor"],
            values["model"],
            values["version"],
            None,
            None,
            values.get("signature"),
            values.get("signing_certificate"),
            _who(call),
            utc_now(),
        )
        try:
            await call.store.write(lambda db: add_image(db, image))
        except DuplicateImage as exc:
            raise ApiError(409, "conflict", str(exc)) from None
        return ok(image_view(image), 201)

    async def get_image(self, call: Call) -> Response:
        image_id = call.path("id")
        image = await call.store.read(lambda db: get_image(db, image_id))
        if image is None:
            raise not_found("image", image_id)
        return ok(image_view(image))

    async def put_image_file(self, call: Call) -> Response:
        """The image's bytes, once (an image never changes: catalogue a new version)."""
        image_id = call.path("id")
        image = await call.store.read(lambda db: get_image(db, image_id))
        if image is None:
            raise not_found("image", image_id)
        if image.sha256 is not None:
            raise ApiError(409, "conflict", "the image has its file already")
        limit = self.cfg.files.max_image_bytes
        path = self.c.files.image_path(image_id)
        await trio.Path(path.parent).mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        part = path.with_suffix(".part")
        async with await trio.open_file(part, "wb") as fh:
            async for chunk in call.request.stream():
                size += len(chunk)
                if size > limit:
                    break
                digest.update(chunk)
                await fh.write(chunk)
        if size > limit or size == 0:
            await trio.Path(part).unlink(missing_ok=True)
            if size == 0:
                raise invalid([{"field": "body", "message": "the image file is empty"}])
            raise ApiError(413, "payload_too_large", f"the image exceeds {limit} bytes")
        await trio.Path(part).rename(path)
        sha = digest.hexdigest()
        if not await call.store.write(lambda db: set_image_file(db, image_id, size, sha)):
            raise ApiError(409, "conflict", "the image has its file already")
        stored = await call.store.read(lambda db: get_image(db, image_id))
        assert stored is not None
        return ok(image_view(stored))

    async def list_campaigns(self, call: Call) -> Response:
        items = [campaign_view(c, targets=False) for c in self.c.campaigns.campaigns.values()]
        return ok({"items": items})

    async def get_campaign(self, call: Call) -> Response:
        campaign = self.c.campaigns.campaigns.get(call.path("id"))
        if campaign is None:
            raise not_found("campaign", call.path("id"))
        return ok(campaign_view(campaign, targets=True))

    async def create_campaign(self, call: Call) -> Response:
        body = await read_json(call.request)
        if not isinstance(body, dict):
            raise invalid([{"field": "body", "message": "must be a JSON object"}])
        windows = _windows(body.pop("windows", None))
        values = parse_object(CAMPAIGN_FIELDS, body)
        image = await call.store.read(lambda db: get_image(db, values["image_id"]))
        if image is None:
            raise invalid([{"field": "image_id", "message": "no image with this id"}])
        spec = self._spec(values, windows)
        try:
            campaign = await self.c.campaigns.create(
                values["name"], image, spec, _who(call), utc_now()
            )
        except CampaignRefused as exc:
            raise _refused(exc, "image_id") from None
        return ok(campaign_view(campaign, targets=True), 201)

    def _spec(self, values: dict[str, Any], windows: tuple[Window, ...]) -> CampaignSpec:
        d = self.cfg.firmware
        ids = tuple(i.strip() for i in values.get("charger_ids", "").split(",") if i.strip())
        return CampaignSpec(
            site_id=values.get("site_id"),
            current_version=values.get("current_version"),
            charger_ids=ids,
            canary=values.get("canary", d.canary),
            wave_size=values.get("wave_size", d.wave_size),
            failure_threshold=values.get("failure_threshold", d.failure_threshold),
            min_decided=values.get("min_decided", d.min_decided),
            windows=windows,
            download_timeout_s=values.get("download_timeout_s", d.download_timeout_s),
            install_timeout_s=values.get("install_timeout_s", d.install_timeout_s),
            boot_timeout_s=values.get("boot_timeout_s", d.boot_timeout_s),
        )

    def control(self, action: str) -> Any:
        async def handler(call: Call) -> Response:
            try:
                campaign = await self.c.campaigns.control(call.path("id"), action, _who(call))
            except CampaignRefused as exc:
                raise _refused(exc, "state") from None
            return ok(campaign_view(campaign, targets=False))

        return handler

    # diagnostics ------------------------------------------------------------------------------

    async def request_diagnostics(self, call: Call) -> Response:
        charger_id = call.path("id")
        raw = await call.request.body()
        values = parse_object(DIAGNOSTICS_FIELDS, await read_json(call.request)) if raw else {}
        if self.c.ctx.commander.connection(charger_id) is None:
            raise ApiError(409, "not_connected", f"charger {charger_id!r} is not connected")
        result = await self.c.diagnostics.request(charger_id, values.get("ticket_id"))
        return ok(result, 202)

    async def list_diagnostics(self, call: Call) -> Response:
        charger_id = call.path("id")
        return ok({"items": await call.store.read(lambda db: list_diagnostics(db, charger_id))})

    async def get_diagnostics(self, call: Call) -> Response:
        found = await call.store.read(lambda db: get_diagnostics(db, call.path("id")))
        if found is None:
            raise not_found("diagnostics", call.path("id"))
        return ok(found)

    async def diagnostics_file(self, call: Call) -> Response:
        found = await call.store.read(lambda db: get_diagnostics(db, call.path("id")))
        if found is None or found["state"] != "uploaded":
            raise not_found("diagnostics file", call.path("id"))
        path = self.c.files.upload_path(found["id"])
        headers = {"content-disposition": f'attachment; filename="{found["filename"]}"'}
        return FileResponse(path, media_type="application/octet-stream", headers=headers)


def _refused(exc: CampaignRefused, field: str) -> ApiError:
    if exc.status == 422:
        return invalid([{"field": field, "message": str(exc)}])
    if exc.status == 404:
        return ApiError(404, "not_found", str(exc))
    return ApiError(exc.status, "conflict", str(exc))


def firmware_routes(component: Maintenance) -> tuple[tuple[ApiRoute, ...], dict[Any, object]]:
    h = FirmwareHandlers(component)
    op, viewer = Role.OPERATOR, Role.VIEWER
    routes = (
        ApiRoute("GET", "/firmware/images", h.list_images, viewer),
        ApiRoute("POST", "/firmware/images", h.add_image, op),
        ApiRoute("GET", "/firmware/images/{id}", h.get_image, viewer),
        ApiRoute("PUT", "/firmware/images/{id}/file", h.put_image_file, op),
        ApiRoute("GET", "/firmware/campaigns", h.list_campaigns, viewer),
        ApiRoute("POST", "/firmware/campaigns", h.create_campaign, op),
        ApiRoute("GET", "/firmware/campaigns/{id}", h.get_campaign, viewer),
        *(
            ApiRoute("POST", f"/firmware/campaigns/{{id}}/{action}", h.control(action), op)
            for action in CONTROLS
        ),
        ApiRoute("POST", "/chargers/{id}/diagnostics", h.request_diagnostics, op),
        ApiRoute("GET", "/chargers/{id}/diagnostics", h.list_diagnostics, viewer),
        ApiRoute("GET", "/diagnostics/{id}", h.get_diagnostics, viewer),
        ApiRoute("GET", "/diagnostics/{id}/file", h.diagnostics_file, viewer),
    )
    operations: dict[Any, object] = {
        ("GET", "/firmware/images"): Doc("The firmware image catalogue", response="ImageList"),
        ("POST", "/firmware/images"): Doc(
            "Catalogue an image (then PUT its file)",
            201,
            "Image",
            "ImageCreate",
            errors=(409, 413, 422),
        ),
        ("GET", "/firmware/images/{id}"): Doc("An image", response="Image", errors=(404,)),
        ("PUT", "/firmware/images/{id}/file"): Doc(
            "Upload the image's bytes (application/octet-stream; once)",
            response="Image",
            errors=(404, 409, 413, 422),
        ),
        ("GET", "/firmware/campaigns"): Doc("Firmware campaigns", response="CampaignList"),
        ("POST", "/firmware/campaigns"): Doc(
            "Start a campaign: canary, then waves, inside the windows (body may add `windows`:"
            " [{start, end}], each an announced scheduled-maintenance exclusion)",
            201,
            "Campaign",
            "CampaignCreate",
            errors=(409, 413, 422),
        ),
        ("GET", "/firmware/campaigns/{id}"): Doc(
            "A campaign with every charger's state and history",
            response="Campaign",
            errors=(404,),
        ),
        ("POST", "/chargers/{id}/diagnostics"): Doc(
            "Ask the charger to upload diagnostics (GetDiagnostics / GetLog) to a single-use URL",
            202,
            "DiagnosticsRequest",
            "DiagnosticsCreate",
            errors=(409, 413, 422),
        ),
        ("GET", "/chargers/{id}/diagnostics"): Doc(
            "A charger's diagnostics requests, newest first", response="DiagnosticsList"
        ),
        ("GET", "/diagnostics/{id}"): Doc(
            "A diagnostics request", response="DiagnosticsRequest", errors=(404,)
        ),
        ("GET", "/diagnostics/{id}/file"): Doc(
            "The uploaded diagnostics file", response="Binary", errors=(404,)
        ),
    }
    for action in CONTROLS:
        operations[("POST", f"/firmware/campaigns/{{id}}/{action}")] = Doc(
            f"{action.capitalize()} a campaign", response="Campaign", errors=(404, 409)
        )
    return routes, operations


def _any(description: str) -> dict[str, object]:
    return {"type": "object", "description": description}


SCHEMAS: dict[str, dict[str, object]] = {
    "ImageList": _any("items: images"),
    "Image": _any("a catalogued firmware image"),
    "ImageCreate": object_schema(IMAGE_FIELDS),
    "CampaignList": _any("items: campaigns"),
    "Campaign": _any("a campaign with counts (and targets)"),
    "CampaignCreate": object_schema(CAMPAIGN_FIELDS),
    "DiagnosticsRequest": _any("a diagnostics request and its state"),
    "DiagnosticsCreate": object_schema(DIAGNOSTICS_FIELDS),
    "DiagnosticsList": _any("items: diagnostics requests"),
    "Binary": {"type": "string", "format": "binary"},
}
