"""Remediation workflows: a fault on a port runs its playbook (declarative steps), each step
audited and the position persisted so a restart resumes it; guardrails before every reset."""

from __future__ import annotations

import enum
import functools
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import attrs
import trio

from evgw.gateway._commands import Commander, CommandError
from evgw.ocpp._time import utc_now
from evgw.plugins import PluginHost
from evgw.store import Db, Store

from . import _metrics
from ._config import MaintenanceConfig, Playbook
from ._desk import TicketDesk
from ._diagnostics import Diagnostics
from ._guard import ResetFacts, ResetVerdict, StormGuard, reset_verdict
from ._health import HealthModel
from ._model import Health, PortKey
from ._tickets import Incident, Severity, add_event

log = logging.getLogger("evgw.maintenance")

SAFETY_CODES = frozenset({"GroundFailure", "OverCurrentFailure", "OverVoltage"})


class Outcome(enum.StrEnum):
    CONTINUE = "continue"
    RECOVERED = "recovered"
    TICKET = "ticket"
    SUPPRESSED = "suppressed"


@attrs.define
class Remediation:
    id: str
    port: PortKey
    error_code: str | None
    playbook: str
    step: int = 0
    acted: bool = False  # a reset was sent since the last wait
    tags: list[str] = attrs.field(factory=list)
    history: list[dict[str, Any]] = attrs.field(factory=list)


@attrs.frozen
class PlaybookRequest:
    """Plugin hook ``playbook``: answer a tuple of step names to replace the playbook's."""

    charger_id: str
    vendor: str
    model: str
    error_code: str | None
    default: tuple[str, ...]


@attrs.frozen
class StepRequest:
    """Plugin hook ``playbook_step`` for step names evgw does not know: answer "continue",
    "recovered" or "ticket"."""

    step: str
    charger_id: str
    evse_id: int
    connector_id: int
    error_code: str | None


def choose_playbook(cfg: MaintenanceConfig, error_code: str | None, model: str) -> Playbook:
    for playbook in cfg.remediation.playbooks:
        codes_ok = not playbook.error_codes or (error_code or "") in playbook.error_codes
        if codes_ok and (not playbook.models or model in playbook.models):
            return playbook
    return Playbook("none", steps=("ticket",))


# store operations ---------------------------------------------------------------------------


def _save(db: Db, rem: Remediation, state: str, now: datetime) -> None:
    p = rem.port
    updated = db.run(
        "UPDATE mnt_remediations SET step = ?, state = ?, updated_at = ? WHERE id = ?",
        (rem.step, state, db.ts(now), rem.id),
    )
    if not updated:
        db.run(
            "INSERT INTO mnt_remediations (id, charger_id, evse_id, connector_id, error_code,"
            " playbook, step, state, started_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                rem.id,
                p.charger_id,
                p.evse_id,
                p.connector_id,
                rem.error_code,
                rem.playbook,
                rem.step,
                state,
                db.ts(now),
                db.ts(now),
            ),
        )


def _audit(
    db: Db, rem: Remediation, *, step: str, outcome: str, detail: Any, now: datetime
) -> None:
    db.run(
        "INSERT INTO mnt_audit (remediation_id, charger_id, at, step, outcome, detail)"
        " VALUES (?,?,?,?,?,?)",
        (rem.id, rem.port.charger_id, db.ts(now), step, outcome, json.dumps(detail, default=str)),
    )


def _resets_since(db: Db, charger_id: str, since: datetime) -> list[datetime]:
    rows = db.all(
        "SELECT at FROM mnt_audit WHERE charger_id = ? AND at >= ?"
        " AND step IN ('soft_reset', 'hard_reset') AND outcome = 'sent'",
        (charger_id, db.ts(since)),
    )
    return [t for r in rows if (t := db.dt(r[0])) is not None]


def _active_sessions(db: Db, charger_id: str) -> int:
    row = db.one(
        "SELECT COUNT(*) FROM transactions WHERE charger_id = ? AND stopped_at IS NULL",
        (charger_id,),
    )
    return int(row[0]) if row else 0


def running_remediations(db: Db) -> list[Remediation]:
    rows = db.all(
        "SELECT id, charger_id, evse_id, connector_id, error_code, playbook, step"
        " FROM mnt_remediations WHERE state = 'running'"
    )
    # acted: a reset may have been sent before the restart, so the next wait waits
    return [
        Remediation(
            str(r[0]), PortKey(str(r[1]), int(r[2]), int(r[3])), r[4], str(r[5]), int(r[6]), True
        )
        for r in rows
    ]


def audit_of(db: Db, charger_id: str) -> list[dict[str, Any]]:
    rows = db.all(
        "SELECT at, step, outcome, detail, remediation_id FROM mnt_audit WHERE charger_id = ?"
        " ORDER BY id",
        (charger_id,),
    )
    return [
        {
            "at": db.dt(r[0]),
            "step": r[1],
            "outcome": r[2],
            "detail": json.loads(r[3]),
            "remediation_id": r[4],
        }
        for r in rows
    ]


def _reset_type(version: str, hard: bool, on_idle: bool) -> str:
    if version == "ocpp1.6":
        return "Hard" if hard else "Soft"
    return "OnIdle" if on_idle else "Immediate"


# the runner ---------------------------------------------------------------------------------


Step = Callable[[Remediation], Awaitable[Outcome]]


class Remediator:
    def __init__(
        self,
        cfg: MaintenanceConfig,
        *,
        commander: Commander,
        store: Store,
        model: HealthModel,
        desk: TicketDesk,
        storm: StormGuard,
        plugins: PluginHost,
        diagnostics: Diagnostics,
    ) -> None:
        self.cfg = cfg
        self.rcfg = cfg.remediation
        self.commander = commander
        self.store = store
        self.model = model
        self.desk = desk
        self.storm = storm
        self.plugins = plugins
        self.diagnostics = diagnostics
        self.running: dict[str, Remediation] = {}  # by charger: one workflow per charger
        self.last_reset: dict[str, datetime] = {}
        self.on_reset: Callable[[str, datetime], None] = lambda charger_id, until: None
        self._send, self._receive = trio.open_memory_channel[Remediation](10_000)
        self._steps: dict[str, Step] = {
            "trigger_status": self._trigger_status,
            "soft_reset": lambda rem: self._reset(rem, hard=False),
            "hard_reset": lambda rem: self._reset(rem, hard=True),
            "wait_recovery": self._wait_recovery,
            "ticket": self._ticket_step,
        }

    # intake (sync, from event handlers) --------------------------------------------------------

    def fault(self, port: PortKey, error_code: str | None, model: str) -> None:
        if not self.rcfg.enabled or port.charger_id in self.running:
            return
        if self.storm.active(utc_now()):
            _metrics.REMEDIATIONS.labels("suppressed").inc()
            return
        playbook = choose_playbook(self.cfg, error_code, model)
        rem = Remediation(uuid.uuid4().hex, port, error_code, playbook.name)
        self.running[port.charger_id] = rem
        try:
            self._send.send_nowait(rem)
        except trio.WouldBlock:
            del self.running[port.charger_id]
            log.error("%s: remediation queue full", port.charger_id)  # noqa: TRY400 (no bug)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        async with trio.open_nursery() as nursery:
            for rem in await self.store.read(running_remediations):
                self.running[rem.port.charger_id] = rem
                nursery.start_soon(self._workflow, rem)
            task_status.started()
            async for rem in self._receive:
                nursery.start_soon(self._workflow, rem)

    # workflow ----------------------------------------------------------------------------------

    async def _workflow(self, rem: Remediation) -> None:
        try:
            outcome = await self._steps_of(rem)
            if outcome is not Outcome.RECOVERED and outcome is not Outcome.SUPPRESSED:
                await self._open_ticket(rem)
                outcome = Outcome.TICKET
            await self._record(rem, "finished", str(outcome), {}, state=str(outcome))
            _metrics.REMEDIATIONS.labels(
                "self_healed" if outcome is Outcome.RECOVERED else str(outcome)
            ).inc()
        except Exception:
            log.exception("%s: remediation %s failed", rem.port.charger_id, rem.id)
        finally:
            self.running.pop(rem.port.charger_id, None)

    async def _steps_of(self, rem: Remediation) -> Outcome:
        if rem.error_code in self.rcfg.dispatch_only:
            rem.tags.append("dispatch_only")
            await self._record(rem, "dispatch_only", "ticket", {"error_code": rem.error_code})
            return Outcome.TICKET
        steps = await self._playbook_steps(rem)
        while rem.step < len(steps):
            name = steps[rem.step]
            outcome = await self._step(name, rem)
            rem.step += 1
            await self._save_position(rem)
            if outcome is not Outcome.CONTINUE:
                return outcome
        return Outcome.TICKET

    async def _playbook_steps(self, rem: Remediation) -> tuple[str, ...]:
        playbook = next((p for p in self.rcfg.playbooks if p.name == rem.playbook), None)
        default = playbook.steps if playbook is not None else ("ticket",)
        vendor, model = self.model.model_of(rem.port.charger_id)
        request = PlaybookRequest(rem.port.charger_id, vendor, model, rem.error_code, default)
        override = await self.plugins.decide("playbook", request, tuple)
        return tuple(str(s) for s in override) if override else default

    async def _step(self, name: str, rem: Remediation) -> Outcome:
        step = self._steps.get(name)
        if step is not None:
            return await step(rem)
        p = rem.port
        request = StepRequest(name, p.charger_id, p.evse_id, p.connector_id, rem.error_code)
        answer = await self.plugins.decide("playbook_step", request, str)
        outcome = Outcome(answer) if answer in {o.value for o in Outcome} else Outcome.CONTINUE
        await self._record(rem, name, str(outcome), {"plugin": answer is not None})
        return outcome

    async def _save_position(self, rem: Remediation) -> None:
        """A finished step is not run again after a restart (one in progress is)."""
        now = utc_now()
        await self.store.write(lambda db: _save(db, rem, "running", now))

    async def _record(
        self, rem: Remediation, step: str, outcome: str, detail: Any, state: str = "running"
    ) -> None:
        now = utc_now()
        rem.history.append({"at": now.isoformat(), "step": step, "outcome": outcome, **detail})
        _metrics.REMEDIATION_ACTIONS.labels(step, outcome).inc()

        def write(db: Db) -> None:
            _audit(db, rem, step=step, outcome=outcome, detail=detail, now=now)
            _save(db, rem, state, now)

        await self.store.write(write)

    # steps -------------------------------------------------------------------------------------

    def _is_up(self, port: PortKey) -> bool:
        return self.model.health(port).health is not Health.DOWN

    async def _wait_up(self, port: PortKey, seconds: float) -> bool:
        with trio.move_on_after(seconds):
            while True:  # the health model has no change notification: poll it
                if self._is_up(port):
                    return True
                await trio.sleep(min(0.5, seconds / 20))
        return False

    async def _call(self, rem: Remediation, action: str, payload: dict[str, Any]) -> str:
        try:
            reply = await self.commander.call(rem.port.charger_id, action, payload)
        except CommandError as exc:
            return f"error: {type(exc).__name__}: {exc}"
        return str(reply.get("status", "ok"))

    def _version(self, charger_id: str) -> str:
        conn = self.commander.connection(charger_id)
        return conn.ocpp_version if conn is not None else "ocpp1.6"

    async def _trigger_status(self, rem: Remediation) -> Outcome:
        p = rem.port
        if self._version(p.charger_id) == "ocpp1.6":
            payload: dict[str, Any] = {
                "requestedMessage": "StatusNotification",
                "connectorId": p.evse_id,
            }
        else:
            evse = {"id": p.evse_id, "connectorId": p.connector_id}
            payload = {"requestedMessage": "StatusNotification", "evse": evse}
        answer = await self._call(rem, "TriggerMessage", payload)
        up = await self._wait_up(p, self.rcfg.settle_s)
        await self._record(
            rem, "trigger_status", "recovered" if up else "still_down", {"reply": answer}
        )
        return Outcome.RECOVERED if up else Outcome.CONTINUE

    async def _reset(self, rem: Remediation, *, hard: bool) -> Outcome:
        name = "hard_reset" if hard else "soft_reset"
        cid = rem.port.charger_id
        if self._is_up(rem.port):
            await self._record(rem, name, "recovered", {})
            return Outcome.RECOVERED
        if hard and self.model.model_of(cid)[1] not in self.rcfg.hard_reset_models:
            await self._record(rem, name, "skipped", {"reason": "model not allow-listed"})
            return Outcome.CONTINUE
        verdict, on_idle = await self._guard(rem, name)
        if verdict is ResetVerdict.STORM:
            await self._record(rem, name, "suppressed", {"reason": str(verdict)})
            return Outcome.SUPPRESSED
        if verdict is not ResetVerdict.ALLOWED:
            rem.tags.append(str(verdict))
            await self._record(rem, name, "refused", {"reason": str(verdict)})
            return Outcome.TICKET
        if self.rcfg.dry_run:
            await self._record(rem, name, "dry_run", {})
            return Outcome.CONTINUE
        return await self._send_reset(rem, name, _reset_type(self._version(cid), hard, on_idle))

    async def _send_reset(self, rem: Remediation, name: str, kind: str) -> Outcome:
        cid = rem.port.charger_id
        self.last_reset[cid] = now = utc_now()
        self.on_reset(cid, now + timedelta(seconds=self.rcfg.recovery_timeout_s))
        answer = await self._call(rem, "Reset", {"type": kind})
        sent = answer in ("Accepted", "Scheduled")
        rem.acted = sent
        await self._record(
            rem, name, "sent" if sent else "rejected", {"type": kind, "reply": answer}
        )
        return Outcome.CONTINUE

    async def _guard(self, rem: Remediation, name: str) -> tuple[ResetVerdict, bool]:
        """Check the guardrails; while a session charges, defer on 1.6 (bounded), or answer
        (ALLOWED, on_idle=True) on 2.x."""
        cid = rem.port.charger_id
        deadline = utc_now() + timedelta(seconds=self.rcfg.defer_max_s)
        deferred = False
        while True:
            now = utc_now()
            facts = await self.store.read(functools.partial(self._facts, charger_id=cid, now=now))
            verdict = reset_verdict(facts, self.rcfg)
            if verdict is not ResetVerdict.SESSION_ACTIVE:
                return verdict, False
            if self._version(cid) != "ocpp1.6":
                return ResetVerdict.ALLOWED, True  # 2.x: Reset OnIdle waits for the session
            if not deferred:
                deferred = True
                await self._record(
                    rem, name, "deferred", {"active_sessions": facts.active_sessions}
                )
            if now > deadline:
                return ResetVerdict.SESSION_ACTIVE, False
            await trio.sleep(self.rcfg.defer_poll_s)

    def _facts(self, db: Db, *, charger_id: str, now: datetime) -> ResetFacts:
        resets = _resets_since(db, charger_id, now - timedelta(days=1))
        return ResetFacts(now, resets, _active_sessions(db, charger_id), self.storm.active(now))

    async def _wait_recovery(self, rem: Remediation) -> Outcome:
        if not rem.acted:
            return Outcome.CONTINUE
        rem.acted = False
        up = await self._wait_up(rem.port, self.rcfg.recovery_timeout_s)
        await self._record(rem, "wait_recovery", "recovered" if up else "still_down", {})
        return Outcome.RECOVERED if up else Outcome.CONTINUE

    async def _ticket_step(self, rem: Remediation) -> Outcome:
        return Outcome.TICKET

    async def _open_ticket(self, rem: Remediation) -> None:
        p = rem.port
        severity = Severity.HIGH if rem.error_code in SAFETY_CODES else Severity.MEDIUM
        incident = Incident(
            f"charger:{p.charger_id}",
            p.charger_id,
            "fault",
            severity,
            f"{p.label} faulted ({rem.error_code or 'no error code'}) and did not recover",
            {"remediation_id": rem.id, "port": p.label, "playbook": rem.history},
            tuple(rem.tags),
        )
        ticket = await self.desk.raise_(incident)
        diagnostics = await self._diagnostics(rem, ticket.id)
        now = utc_now()
        await self.store.write(
            lambda db: add_event(
                db, ticket.id, at=now, who="evgw", action="diagnostics", detail=diagnostics
            )
        )

    async def _diagnostics(self, rem: Remediation, ticket_id: str) -> dict[str, Any]:
        if not self.cfg.diagnostics.on_fault_ticket:
            return {"requested": False, "reason": "diagnostics.on_fault_ticket is off"}
        return await self.diagnostics.request(rem.port.charger_id, ticket_id)
