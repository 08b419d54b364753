"""The 1 Hz loop: compliance checks → allocation per site → gauges → profile dispatch."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import trio

from evgw.gateway._commands import CommandError

from ._dispatch import Change, Kind, SiteGate, decide, plan, unsettled
from ._engine import Result, SiteRuntime
from ._inputs import allocate
from ._live import Live
from ._metrics import (
    CONNECTOR_LIMIT,
    INFEASIBLE,
    NODE_ALLOCATED,
    NODE_LIMIT,
    NODE_MEASURED,
    PAUSED,
    PROFILES,
    TICK_SECONDS,
)
from ._profiles import V16, V201, Capabilities, tx_profile

if TYPE_CHECKING:
    from ._component import SmartCharging

log = logging.getLogger("evgw.smartcharging")


def tx_payload(
    live: Live, target_a: float, caps: Capabilities, w_per_a: float, duration_s: int
) -> dict[str, Any]:
    """The SetChargingProfile request of a connector's TxProfile in its charger's version."""
    v201 = live.v201 and live.ocpp_transaction_id is not None
    return tx_profile(
        *(live.key[1], target_a),
        now=datetime.now(UTC),
        duration_s=duration_s,
        caps=caps,
        w_per_a=w_per_a,
        dialect=V201 if v201 else V16,
        transaction_id=live.ocpp_transaction_id if v201 else None,
    )


class Ticker:
    def __init__(self, owner: SmartCharging) -> None:
        self.owner = owner
        self.cfg = owner.cfg
        self.ticks = 0

    async def run(self) -> None:
        while True:
            started = trio.current_time()
            self.tick(started)
            await trio.sleep_until(started + self.cfg.tick_s)

    def tick(self, now: float) -> None:
        with TICK_SECONDS.time():
            changes: list[Change] = []
            for runtime in list(self.owner.sites.values()):
                changes += self._site_tick(runtime, now)
            budget = max(1, int(self.cfg.profiles_per_s * self.cfg.tick_s))
            for change in plan(changes, budget, self.owner.gates, now, self.cfg.response_lag_s):
                self._mark_sending(change)
                self.owner.send(change)
        self.ticks += 1

    def _site_tick(self, runtime: SiteRuntime, now: float) -> list[Change]:
        self._check_compliance(runtime, now)
        lives = self.owner.lives
        self.owner.planner.maybe_run(runtime, lives, now, datetime.now(UTC), self.cfg)
        allocation = allocate(runtime, lives, now, self.cfg, self.owner.stations)
        result = runtime.result = runtime.summarise(allocation, self.owner.lives, now)
        if result.alarms and self.ticks % 60 == 0:
            log.error(
                "site %s over its limit with managed load at 0: %s", runtime.site.id, result.alarms
            )
        self._record_states(runtime, result, now)
        self._gauges(runtime, result)
        return self._changes(runtime, result, now)

    def _check_compliance(self, runtime: SiteRuntime, now: float) -> None:
        """A connector drawing above its accepted limit (after the lag) is a fixed load."""
        cfg = self.cfg
        for key in runtime.keys:
            live = self.owner.lives[key]
            if (
                not live.active
                or live.sent_a is None
                or live.fixed_why not in (None, "noncompliant")
            ):
                continue
            # only readings taken after the EV had the lag to follow its accepted limit
            followed = live.sent_at + cfg.response_lag_s
            drawn = live.measured(now, cfg.response_lag_s, cfg.stale_meter_s, since=followed)
            over = drawn > live.sent_a + cfg.noncompliance_a and now > followed
            if over:
                live.set_fixed(drawn, "noncompliant", now)
            elif live.fixed_why == "noncompliant" and not drawn > live.sent_a + cfg.noncompliance_a:
                live.clear_fixed()

    def _record_states(self, runtime: SiteRuntime, result: Result, now: float) -> None:
        cfg = self.cfg
        for key, amps in result.limits.items():
            live = self.owner.lives[key]
            if live.fixed_why is None and (amps >= 6.0) != (live.allocated_a >= 6.0):
                live.state_since = now
                # paused while drawing under 6 A - headroom (full, or tapering): it waits
                # behind every other EV of its class, so two such EVs do not swap each tick
                drawn = live.measured(now, cfg.measure_window_s, cfg.stale_meter_s)
                live.paused_idle = amps < 6.0 and drawn + cfg.headroom_a < 6.0
            live.allocated_a = amps

    def _changes(self, runtime: SiteRuntime, result: Result, now: float) -> list[Change]:
        shares = runtime.safe_share()
        pairs = [(self.owner.lives[k], amps) for k, amps in result.limits.items()]
        gate = self.owner.gates.setdefault(runtime.site.id, SiteGate())
        gate.unsettled = unsettled(pairs, shares)
        out = []
        for key, allocated in result.limits.items():
            live, target = self.owner.lives[key], allocated
            if live.fixed_why is not None:
                if live.fixed_why not in ("rejected", "unanswered"):
                    continue
                target = shares[key[0]]  # a retry asks for the safe share only
            fallback = shares[key[0]]
            kind = decide(live, target, now, self.cfg, fallback)
            if kind is not None:
                held = fallback if live.sent_a is None else live.sent_a
                out.append(Change(live, runtime.site.id, target, kind, held))
        return out

    def _mark_sending(self, change: Change) -> None:
        change.live.pending = True
        if change.kind is Kind.REDUCE:
            self.owner.gates[change.site_id].reductions_in_flight += 1

    async def send(self, change: Change) -> None:
        live, cfg = change.live, self.cfg
        charger_id, evse = live.key
        caps = self.owner.caps.get(charger_id, Capabilities())
        runtime = self.owner.sites.get(change.site_id)
        volts = runtime.site.voltage if runtime else 230.0
        w_per_a = volts * (live.phases_in_use or 3)
        payload = tx_payload(live, change.target_a, caps, w_per_a, cfg.tx_profile_duration_s)
        transaction = live.transaction_id
        try:
            reply = await self.owner.ctx.commander.call(
                charger_id, "SetChargingProfile", payload, timeout=cfg.call_timeout_s
            )
            outcome = "accepted" if reply.get("status") == "Accepted" else "rejected"
        except CommandError as error:
            log.info("%s/%d: SetChargingProfile failed: %s", charger_id, evse, error)
            outcome = "unanswered"
        finally:
            live.pending = False
            gate = self.owner.gates[change.site_id]
            if change.kind is Kind.REDUCE:
                gate.reductions_in_flight -= 1
        PROFILES.labels(change.kind.name.lower(), outcome).inc()
        if live.transaction_id == transaction:
            self._settle(change, outcome, trio.current_time())

    def _settle(self, change: Change, outcome: str, now: float) -> None:
        live = change.live
        if outcome == "accepted":
            live.sent_a, live.sent_at = change.target_a, now
            live.failures = 0
            if live.fixed_why in ("rejected", "unanswered"):
                live.clear_fixed()
            if change.kind is Kind.REDUCE:
                self.owner.gates[change.site_id].last_reduction_at = now
        else:
            live.failed(live.last_known_max(), outcome, now)

    def _gauges(self, runtime: SiteRuntime, result: Result) -> None:
        site = runtime.site.id
        for row in result.rows:
            labels = (site, row["node"], row["phase"])
            NODE_LIMIT.labels(*labels).set(row["limit"])
            NODE_ALLOCATED.labels(*labels).set(row["allocated"])
            if row["measured"] is not None:
                NODE_MEASURED.labels(*labels).set(row["measured"])
        for (charger, evse), amps in result.limits.items():
            CONNECTOR_LIMIT.labels(site, charger, str(evse)).set(amps)
        PAUSED.labels(site).set(
            sum(1 for r in result.reasons.values() if r in ("no_capacity", "site_over_limit"))
        )
        INFEASIBLE.labels(site).set(len(result.alarms))
