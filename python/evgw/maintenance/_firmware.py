"""Firmware: the image catalogue (per vendor and model, with signature and signing certificate
for signed updates) and the per-charger state machine over the firmware status sequence
(pure: a status or a boot in, the target's next state out)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs

from evgw.store import Db

# 1.6 FirmwareStatusNotification, the 1.6 security extension's SignedFirmwareStatusNotification
# and 2.0.1 FirmwareStatusEnumType, ranked along the sequence; a lower rank than the target's
# current one is out of order (ignored and counted). Scheduled/paused stages keep the rank.
RANK: dict[str, int] = {
    "DownloadScheduled": 1,
    "Downloading": 1,
    "DownloadPaused": 1,
    "Downloaded": 2,
    "SignatureVerified": 3,
    "InstallScheduled": 4,
    "Installing": 4,
    "InstallRebooting": 5,
    "Installed": 6,
}
FAILURES = frozenset(
    {
        "DownloadFailed",
        "InstallationFailed",
        "InvalidSignature",
        "InstallVerificationFailed",
        "InvalidCertificate",
        "RevokedCertificate",
    }
)


class Stage(enum.StrEnum):
    """Which stage timeout applies."""

    DOWNLOAD = "download"
    INSTALL = "install"
    BOOT = "boot"


class TargetState(enum.StrEnum):
    PENDING = "pending"  # not asked yet
    REQUESTED = "requested"  # UpdateFirmware accepted, no status yet
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    SKIPPED = "skipped"  # the campaign was aborted before this charger's turn


FINAL = frozenset({TargetState.SUCCEEDED, TargetState.FAILED, TargetState.SKIPPED})


def stage_of(state: str) -> Stage:
    rank = RANK.get(state, 0)
    if rank >= RANK["InstallRebooting"]:
        return Stage.BOOT
    if rank >= RANK["Downloaded"]:
        return Stage.INSTALL
    return Stage.DOWNLOAD


def is_final(state: str) -> bool:
    return state in FINAL


@attrs.frozen
class Step:
    """What a status or boot does to a target: its new state (None: unchanged) and why."""

    state: str | None
    note: str


def on_status(current: str, status: str) -> Step:
    """A firmware status notification for a target in `current` (a status name, requested)."""
    if is_final(current) or current == TargetState.PENDING:
        return Step(None, f"{status} ignored: the charger is {current}")
    if status in FAILURES:
        return Step(TargetState.FAILED, f"the charger reported {status}")
    rank = RANK.get(status)
    if rank is None:  # Idle and anything unknown: no progress
        return Step(None, f"{status} ignored")
    if rank < RANK.get(current, 0):
        return Step(None, f"out of order: {status} after {current}")
    return Step(status, status)


def on_boot(current: str, version: str | None, wanted: str) -> Step:
    """Success only when the charger boots reporting the new version; a boot with another
    version once installing began is a failed update (the charger kept or restored its old
    image). Boots before installing (a power cut during the download) change nothing."""
    if is_final(current) or current == TargetState.PENDING:
        return Step(None, "boot ignored")
    if version == wanted:
        return Step(TargetState.SUCCEEDED, f"booted with {version}")
    if RANK.get(current, 0) >= RANK["Installing"]:
        return Step(TargetState.FAILED, f"booted with {version!r}, not {wanted!r}")
    return Step(None, f"booted with {version!r} while {current}")


# the catalogue ------------------------------------------------------------------------------


@attrs.frozen
class Image:
    id: str
    vendor: str
    model: str
    version: str
    size: int | None
    sha256: str | None
    signature: str | None
    signing_certificate: str | None
    created_by: str
    created_at: datetime

    @property
    def signed(self) -> bool:
        return bool(self.signature and self.signing_certificate)


_IMAGE_COLUMNS = (
    "id, vendor, model, version, size, sha256, signature, signing_certificate, created_by,"
    " created_at"
)


def _image(db: Db, row: Sequence[Any]) -> Image:
    created = db.dt(row[9])
    assert created is not None
    size = None if row[4] is None else int(row[4])
    vendor, model, version = str(row[1]), str(row[2]), str(row[3])
    return Image(
        str(row[0]), vendor, model, version, size, row[5], row[6], row[7], str(row[8]), created
    )


class DuplicateImage(Exception):
    pass


def add_image(db: Db, image: Image) -> None:
    found = db.one(
        "SELECT id FROM mnt_firmware_images WHERE vendor = ? AND model = ? AND version = ?",
        (image.vendor, image.model, image.version),
    )
    if found is not None:
        raise DuplicateImage(f"{image.vendor} {image.model} {image.version} is catalogued")
    db.run(
        f"INSERT INTO mnt_firmware_images ({_IMAGE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            image.id,
            image.vendor,
            image.model,
            image.version,
            image.size,
            image.sha256,
            image.signature,
            image.signing_certificate,
            image.created_by,
            db.ts(image.created_at),
        ),
    )


def set_image_file(db: Db, image_id: str, size: int, sha256: str) -> bool:
    """False when the image is unknown or has a file already (an image never changes)."""
    changed = db.run(
        "UPDATE mnt_firmware_images SET size = ?, sha256 = ? WHERE id = ? AND sha256 IS NULL",
        (size, sha256, image_id),
    )
    return bool(changed)


def get_image(db: Db, image_id: str) -> Image | None:
    row = db.one(f"SELECT {_IMAGE_COLUMNS} FROM mnt_firmware_images WHERE id = ?", (image_id,))
    return None if row is None else _image(db, row)


def list_images(db: Db) -> list[Image]:
    rows = db.all(
        f"SELECT {_IMAGE_COLUMNS} FROM mnt_firmware_images ORDER BY vendor, model, created_at"
    )
    return [_image(db, r) for r in rows]


def update_payload(
    version: str, image: Image, location: str, retrieve: str, request_id: int
) -> tuple[str, dict[str, Any]]:
    """The action and payload for the charger's OCPP version: 1.6 UpdateFirmware (unsigned) or
    SignedUpdateFirmware (security extension), 2.x UpdateFirmware (signed fields when set)."""
    firmware: dict[str, Any] = {"location": location, "retrieveDateTime": retrieve}
    if image.signed:
        firmware["signingCertificate"] = image.signing_certificate
        firmware["signature"] = image.signature
    if version == "ocpp1.6":
        if not image.signed:
            return "UpdateFirmware", {"location": location, "retrieveDate": retrieve}
        return "SignedUpdateFirmware", {"requestId": request_id, "firmware": firmware}
    return "UpdateFirmware", {"requestId": request_id, "firmware": firmware}


ACCEPTED_REPLIES = frozenset({"Accepted", "AcceptedCanceled"})
