"""Long-running charger actions: the firmware status walk and the diagnostics / log upload,
for both versions (each passes how its status notifications look).

Uploads go only to loopback: an http(s) URL on 127.0.0.1/localhost gets a POST of the file;
any other location is written under the run's output directory instead (never sent anywhere).
Firmware: an http(s) URL on loopback is downloaded (a failure reports DownloadFailed); the
image must begin with the line ``EVGW-FW <version>`` (else InstallationFailed), and the charger
boots reporting that version. Other locations are not fetched: the version is the URL's name.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import attrs
import trio

from evgw.testing.fleet._protocol import Control, Outgoing

STEP_S = 1.0  # real seconds between firmware/diagnostics status steps
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


Notify = Callable[[str], Outgoing]  # a status -> the notification that reports it


def status_note(action: str, **extra: object) -> Notify:
    """`action` with {"status": …} plus fixed fields (2.0.1: the requestId)."""
    return lambda status: Outgoing(action, lambda: {"status": status, **extra})


@attrs.frozen
class Walk:
    """The statuses a version reports: before the reboot, and once booted again."""

    before_reboot: tuple[str, ...] = ("Downloading", "Downloaded", "Installing")
    after_boot: str = "Installed"
    reboot: Callable[[], None] | None = None  # how the charger reboots (default: a hard reset)
    download_failed: str = "DownloadFailed"
    install_failed: str = "InstallationFailed"


@attrs.frozen
class Upload:
    uploading: str = "Uploading"
    uploaded: str = "Uploaded"
    failed: str = "UploadFailed"


async def walk_firmware(
    ctl: Control, location: str, retrieve_date: str, notify: Notify, walk: Walk = Walk()
) -> None:
    """Wait for the retrieve date, report each step, reboot, report `after_boot` once booted."""
    when = datetime.fromisoformat(retrieve_date.replace("Z", "+00:00"))
    wait = (when - ctl.clock.datetime_at(ctl.now())).total_seconds()
    await trio.sleep(min(max(0.0, ctl.clock.wall(wait)), 60.0))
    ctl.enqueue(notify(walk.before_reboot[0]))
    try:
        with trio.fail_after(30):
            version = await _fetch_version(location)
    except (OSError, trio.TooSlowError):
        ctl.enqueue(notify(walk.download_failed))
        return
    await trio.sleep(STEP_S)
    for status in walk.before_reboot[1:]:
        ctl.enqueue(notify(status))
        await trio.sleep(STEP_S)
        if version == "" and status == "Installing":
            ctl.enqueue(notify(walk.install_failed))  # not an image for this charger
            return
    ctl.firmware_version = version or _next_version(ctl.firmware_version, location)
    ctl.after_boot(notify(walk.after_boot))
    if walk.reboot is not None:
        walk.reboot()
    else:
        ctl.request_reboot(True)


IMAGE_MAGIC = b"EVGW-FW "


async def _fetch_version(location: str) -> str | None:
    """Download an http(s) loopback image: its version ("" when it is not an image); None for
    a location that is not fetched."""
    url = urlsplit(location)
    if url.scheme not in ("http", "https"):
        return None
    if url.hostname not in LOOPBACK:
        raise OSError(f"refusing to download from a non-loopback host {url.hostname!r}")

    def get() -> bytes:
        with urllib.request.urlopen(location, timeout=10) as reply:
            body: bytes = reply.read()
            return body

    image = await trio.to_thread.run_sync(get)
    if not image.startswith(IMAGE_MAGIC):
        return ""
    return image[len(IMAGE_MAGIC) :].split(b"\n", 1)[0].decode(errors="replace").strip()


def _next_version(current: str, location: str) -> str:
    name = Path(urlsplit(location).path).name
    return name or f"{current}+1"


async def upload_diagnostics(
    ctl: Control, location: str, name: str, notify: Notify, names: Upload = Upload()
) -> None:
    ctl.enqueue(notify(names.uploading))
    body = _diagnostics_text(ctl).encode()
    try:
        with trio.fail_after(10):
            await _upload(ctl.output_dir, location, name, body)
    except (OSError, trio.TooSlowError):
        ctl.enqueue(notify(names.failed))
        return
    ctl.enqueue(notify(names.uploaded))


async def _upload(out_dir: Path, location: str, name: str, body: bytes) -> None:
    url = urlsplit(location)
    if url.scheme in ("http", "https") and url.hostname in LOOPBACK:
        target = location.rstrip("/") + "/" + name
        request = urllib.request.Request(target, data=body, method="POST")
        await trio.to_thread.run_sync(lambda: urllib.request.urlopen(request, timeout=5).close())
        return
    if url.scheme in ("http", "https"):
        raise OSError(f"refusing to upload to a non-loopback host {url.hostname!r}")
    folder = out_dir / "diagnostics"
    await trio.Path(folder).mkdir(parents=True, exist_ok=True)
    await trio.Path(folder / name).write_bytes(body)


def _diagnostics_text(ctl: Control) -> str:
    lines = [f"charger {ctl.identity.serial} firmware {ctl.firmware_version}"]
    lines += [
        f"connector {c.id}: {c.status} {c.error_code} register={c.register_wh:.0f}Wh"
        for c in ctl.model.connectors.values()
    ]
    return "\n".join(lines) + "\n"
