"""Firmware campaigns at run time: canary then waves inside the maintenance windows, each
charger followed through the firmware status sequence with stage timeouts, success only on a
boot reporting the new version, automatic halt on a failed canary or a failure rate above the
threshold; pause, resume and abort from the API. Persisted: a restart resumes."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

import trio

from evgw import events as ev
from evgw.gateway._commands import Commander, CommandError
from evgw.ocpp._time import utc_now
from evgw.store import Db, Store

from . import _metrics
from ._campaign_store import (
    Campaign,
    CampaignSpec,
    Target,
    insert_campaign,
    load_campaigns,
    plan_waves,
    save_campaign_state,
    save_targets,
    select_targets,
)
from ._config import FirmwareConfig
from ._files import FileDesk
from ._firmware import (
    ACCEPTED_REPLIES,
    FINAL,
    Image,
    Stage,
    Step,
    TargetState,
    list_images,
    on_boot,
    on_status,
    stage_of,
    update_payload,
)
from ._model import Cause
from ._store import ScopedExclusion, add_exclusion
from ._uptime import Exclusion

log = logging.getLogger("evgw.maintenance.firmware")

RUNNING, PAUSED, HALTED, ABORTED, COMPLETED = "running", "paused", "halted", "aborted", "completed"
#: API action -> (states it applies to, new state)
CONTROLS = {
    "pause": ((RUNNING,), PAUSED),
    "resume": ((PAUSED, HALTED), RUNNING),
    "abort": ((RUNNING, PAUSED, HALTED), ABORTED),
}


class CampaignRefused(Exception):
    """A campaign that cannot be created or changed (API: 409 or 422)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _request_id() -> int:
    return uuid.uuid4().int % 2_000_000_000 + 1


class Campaigns:
    def __init__(
        self, cfg: FirmwareConfig, *, store: Store, commander: Commander, files: FileDesk
    ) -> None:
        self.cfg = cfg
        self.store = store
        self.commander = commander
        self.files = files
        self.campaigns: dict[str, Campaign] = {}
        self._dirty: dict[str, set[str]] = {}  # campaign -> chargers to write
        self._nursery: trio.Nursery | None = None

    # creation and control ---------------------------------------------------------------------

    async def create(
        self, name: str, image: Image, spec: CampaignSpec, who: str, now: datetime
    ) -> Campaign:
        if image.sha256 is None:
            raise CampaignRefused(409, "the image has no file yet (PUT /firmware/images/{id}/file)")
        chargers = await self.store.read(lambda db: select_targets(db, image, spec))
        if not chargers:
            raise CampaignRefused(
                422,
                "the selection matches no charger (vendor and model of the image, site,"
                " current version, ids; chargers already on the version are left out)",
            )
        targets = {
            cid: Target(cid, wave, TargetState.PENDING, _request_id())
            for cid, wave in plan_waves(chargers, spec.canary, spec.wave_size)
        }
        campaign = Campaign(uuid.uuid4().hex, name, image, RUNNING, spec, targets, None, who, now)

        def write(db: Db) -> None:
            insert_campaign(db, campaign)
            _announce_windows(db, campaign, now)

        await self.store.write(write)
        self.campaigns[campaign.id] = campaign
        _metrics.CAMPAIGNS.labels(RUNNING).inc()
        log.info("campaign %s (%s): %d chargers", campaign.id, name, len(targets))
        return campaign

    async def control(self, campaign_id: str, action: str, who: str) -> Campaign:
        campaign = self.campaigns.get(campaign_id)
        if campaign is None:
            raise CampaignRefused(404, f"no campaign with id {campaign_id!r}")
        allowed, new_state = CONTROLS[action]
        if campaign.state not in allowed:
            raise CampaignRefused(409, f"cannot {action} a {campaign.state} campaign")
        reason = f"{action} by {who}"
        if action == "resume" and campaign.state == HALTED:
            for t in campaign.targets.values():  # the operator accepts the failures so far
                if t.state == TargetState.FAILED and not _acknowledged(t):
                    t.history.append({"at": utc_now().isoformat(), "note": ACKNOWLEDGED})
                    self._dirty.setdefault(campaign.id, set()).add(t.charger_id)
        if action == "abort":
            for t in campaign.targets.values():
                if t.state == TargetState.PENDING:
                    self._finish(campaign, t, Step(TargetState.SKIPPED, "campaign aborted"))
        await self._set_state(campaign, new_state, reason)
        return campaign

    async def _set_state(self, campaign: Campaign, state: str, reason: str | None) -> None:
        campaign.state, campaign.reason = state, reason
        now = utc_now()
        await self.store.write(lambda db: save_campaign_state(db, campaign, now))
        _metrics.CAMPAIGNS.labels(state).inc()
        log.warning("campaign %s: %s (%s)", campaign.id, state, reason)

    # events (quick, in the publisher's task) ------------------------------------------------------

    def _active(self, charger_id: str, request_id: int | None) -> tuple[Campaign, Target] | None:
        for campaign in self.campaigns.values():
            target = campaign.targets.get(charger_id)
            if target is None or target.state in FINAL or target.state == TargetState.PENDING:
                continue
            if request_id is None or request_id == target.request_id:
                return campaign, target
        return None

    def firmware_status(self, e: ev.FirmwareStatusChanged) -> None:
        found = self._active(e.charger_id, e.request_id)
        if found is None:
            if e.status != "Idle":
                _metrics.FIRMWARE_STATUS_ANOMALIES.labels("no_campaign").inc()
            return
        campaign, target = found
        step = on_status(target.state, e.status)
        if step.state is None and step.note.startswith("out of order"):
            _metrics.FIRMWARE_STATUS_ANOMALIES.labels("out_of_order").inc()
            log.warning("%s: firmware status %s", e.charger_id, step.note)
        self._apply(campaign, target, step, e.at)

    def booted(self, e: ev.ChargerBooted) -> None:
        found = self._active(e.charger_id, None)
        if found is not None:
            campaign, target = found
            self._apply(
                campaign,
                target,
                on_boot(target.state, e.firmware_version, campaign.image.version),
                e.at,
            )

    def _apply(self, campaign: Campaign, target: Target, step: Step, at: datetime) -> None:
        target.history.append({"at": at.isoformat(), "note": step.note})
        self._dirty.setdefault(campaign.id, set()).add(target.charger_id)
        if step.state is None:
            return
        if step.state in FINAL:
            self._finish(campaign, target, step)
            return
        target.state = step.state
        target.deadline = trio.current_time() + self._timeout(campaign.spec, stage_of(step.state))

    def _finish(self, campaign: Campaign, target: Target, step: Step) -> None:
        assert step.state is not None
        target.state, target.deadline = step.state, None
        if not target.history or target.history[-1]["note"] != step.note:
            target.history.append({"at": utc_now().isoformat(), "note": step.note})
        self._dirty.setdefault(campaign.id, set()).add(target.charger_id)
        _metrics.FIRMWARE_TARGETS.labels(step.state).inc()
        log.info("campaign %s: %s %s (%s)", campaign.id, target.charger_id, step.state, step.note)

    def _timeout(self, spec: CampaignSpec, stage: Stage) -> float:
        return {
            Stage.DOWNLOAD: spec.download_timeout_s,
            Stage.INSTALL: spec.install_timeout_s,
            Stage.BOOT: spec.boot_timeout_s,
        }[stage]

    # the loop -----------------------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        await self._resume()
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            task_status.started()
            while True:
                await self.tick()
                await trio.sleep(self.cfg.tick_s)

    async def _resume(self) -> None:
        def load(db: Db) -> list[Campaign]:
            images = {i.id: i for i in list_images(db)}
            return load_campaigns(db, images)

        now = trio.current_time()
        for campaign in await self.store.read(load):
            self.campaigns[campaign.id] = campaign
            for t in campaign.targets.values():
                if t.state not in FINAL and t.state != TargetState.PENDING:
                    t.deadline = now + self._timeout(campaign.spec, stage_of(t.state))

    async def tick(self) -> None:
        now = trio.current_time()
        for campaign in list(self.campaigns.values()):
            for t in campaign.targets.values():
                if t.deadline is not None and now > t.deadline and t.state not in FINAL:
                    stuck = Step(TargetState.FAILED, f"stuck in {t.state} (stage timeout)")
                    self._finish(campaign, t, stuck)
            await self._flush(campaign)
            if campaign.state == RUNNING:
                await self._progress(campaign)

    async def _flush(self, campaign: Campaign) -> None:
        dirty = self._dirty.pop(campaign.id, set())
        if not dirty:
            return
        targets = [campaign.targets[c] for c in sorted(dirty)]
        now = utc_now()
        try:
            await self.store.write(lambda db: save_targets(db, campaign.id, targets, now))
        except Exception:
            log.exception(
                "campaign %s: saving targets failed (kept for the next tick)", campaign.id
            )
            self._dirty.setdefault(campaign.id, set()).update(dirty)

    async def _progress(self, campaign: Campaign) -> None:
        verdict = _halt_reason(campaign)
        if verdict is not None:
            await self._set_state(campaign, HALTED, verdict)
            return
        open_targets = [t for t in campaign.targets.values() if t.state not in FINAL]
        if not open_targets:
            await self._set_state(campaign, COMPLETED, None)
            return
        wave = min(t.wave for t in open_targets)
        pending = [t for t in open_targets if t.wave == wave and t.state == TargetState.PENDING]
        if not pending or not _in_window(campaign.spec, utc_now()):
            return
        assert self._nursery is not None
        for target in pending:
            target.state = TargetState.REQUESTED
            target.deadline = trio.current_time() + campaign.spec.download_timeout_s
            self._nursery.start_soon(self._send, campaign, target)

    async def _send(self, campaign: Campaign, target: Target) -> None:
        cid = target.charger_id
        conn = self.commander.connection(cid)
        version = conn.ocpp_version if conn is not None else "ocpp1.6"
        try:
            url = await self.files.firmware_url(cid, campaign.image.id, campaign.image.version)
            retrieve = utc_now().isoformat().replace("+00:00", "Z")
            action, payload = update_payload(
                version, campaign.image, url, retrieve, target.request_id
            )
            reply = await self.commander.call(cid, action, payload)
        except CommandError as exc:
            self._finish(campaign, target, Step(TargetState.FAILED, f"not sent: {exc}"))
            return
        status = reply.get("status")
        if status is None or status in ACCEPTED_REPLIES:  # 1.6 UpdateFirmware answers {}
            target.history.append({"at": utc_now().isoformat(), "note": f"{action} accepted"})
            self._dirty.setdefault(campaign.id, set()).add(cid)
        else:
            self._finish(campaign, target, Step(TargetState.FAILED, f"{action} answered {status}"))


ACKNOWLEDGED = "failure acknowledged: the campaign was resumed"


def _acknowledged(t: Target) -> bool:
    return bool(t.history) and t.history[-1]["note"] == ACKNOWLEDGED


def _halt_reason(c: Campaign) -> str | None:
    """Failures acknowledged by a resume still count in the rate, never as a failed canary."""
    targets = list(c.targets.values())
    failed_canary = [
        t for t in targets if t.wave == 0 and t.state == TargetState.FAILED and not _acknowledged(t)
    ]
    if failed_canary:
        note = failed_canary[0].history[-1]["note"] if failed_canary[0].history else "?"
        return f"canary {failed_canary[0].charger_id} failed: {note}"
    waves = [t for t in targets if t.wave > 0]
    decided = [t for t in waves if t.state in (TargetState.SUCCEEDED, TargetState.FAILED)]
    failed = sum(t.state == TargetState.FAILED for t in decided)
    enough = len(decided) >= min(c.spec.min_decided, len(waves))
    fresh = sum(t.state == TargetState.FAILED and not _acknowledged(t) for t in decided)
    if fresh and enough and failed / len(decided) > c.spec.failure_threshold:
        return f"failure rate {failed}/{len(decided)} above {c.spec.failure_threshold:.0%}"
    return None


def _in_window(spec: CampaignSpec, now: datetime) -> bool:
    return not spec.windows or any(w.covers(now) for w in spec.windows)


def _announce_windows(db: Db, c: Campaign, now: datetime) -> None:
    """Each announced window is a scheduled-maintenance exclusion for every targeted charger
    (evidence: the campaign), so the outage it causes does not count against uptime."""
    for window in c.spec.windows:
        for cid in c.targets:
            exclusion = Exclusion(
                uuid.uuid4().hex,
                window.start,
                window.end,
                Cause.SCHEDULED_MAINTENANCE,
                f"firmware campaign {c.id}: announced maintenance window",
                c.name[:200],
            )
            add_exclusion(db, ScopedExclusion(cid, None, None, exclusion, None, c.created_by, now))
