"""One simulated charger: its model lives on in (simulated) time; a connection loop keeps it
online, boots, reports and sends what the model produced, replaying queued transaction
messages after an outage."""

from __future__ import annotations

import math
import random
import ssl
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import trio

from evgw.testing.fleet._clock import SimClock
from evgw.testing.fleet._env import ChargerSpec, FleetEnv
from evgw.testing.fleet._ev import random_ev
from evgw.testing.fleet._faults import next_fault
from evgw.testing.fleet._link import Link
from evgw.testing.fleet._model import ChargerModel
from evgw.testing.fleet._protocol import CallRefused, Identity, Outgoing, Payload
from evgw.testing.fleet._session import session_loop
from evgw.testing.fleet._tls import client_context
from evgw.testing.fleet._versions import protocol_for
from evgw.testing.fleet._visits import VisitPlan
from evgw.testing.fleet._workload import SessionGenerator

REBOOT = Outgoing("__reboot__", dict)


def next_slot(due: float, period: float, now: float) -> float:
    """The first time after `now` on the grid `due + k * period` (k >= 1)."""
    missed = max(0, math.floor((now - due) / period))
    return due + (missed + 1) * period


class SimCharger:
    def __init__(self, spec: ChargerSpec, env: FleetEnv) -> None:
        self.spec, self.env = spec, env
        self.rng = random.Random(f"{env.seed}:{spec.charger_id}")
        self._phase = random.Random(f"{env.seed}:{spec.charger_id}:phase")  # its own stream
        self.model = ChargerModel(env.model, env.id_tags, self.rng)
        self.protocol = protocol_for(spec.ocpp_version, env.protocol)
        self.ssl_context = self._ssl_context()
        self.clock: SimClock = env.clock
        self.identity = Identity(serial=spec.charger_id)
        self.firmware_version = spec.firmware
        self.skew_s = self.rng.uniform(-1, 1) * env.faults.clock_skew_s
        self.output_dir: Path = env.output_dir
        self.outbox: deque[Outgoing] = deque()
        self.boot_extras: list[Outgoing] = []
        self.link: Link | None = None
        self.heartbeat_s = env.heartbeat_s or 300.0
        self.offline_until = 0.0
        self.ever_online = False  # EVs start arriving once the charger first came online
        self.booted = False  # since the last (re)boot: a 2.0.1 station boots once per reboot
        self.reboots = 0  # reboots asked for by the CSMS (Reset, firmware) since the start
        self._wake = trio.Event()
        self._nursery: trio.Nursery | None = None
        self._session_scope = trio.CancelScope()
        self._plan = self._visit_plan(spec.site)
        self.endpoints: list[str | None] = [None]  # CSMS URLs by priority (None: env.url)
        self._endpoint = 0
        self.opened = False  # the current connection attempt got its WebSocket

    def _ssl_context(self) -> ssl.SSLContext | None:
        if self.spec.client_cert is None:
            return self.env.ssl_context
        if self.env.ca_file is None:
            raise ValueError("a charger with a client certificate needs FleetEnv.ca_file")
        return client_context(self.env.ca_file, self.spec.client_cert)

    def _visit_plan(self, site: str | None) -> VisitPlan | None:
        if site is None:
            return None
        gen = SessionGenerator(site, self.rng)
        return VisitPlan(gen, len(self.model.connectors), self.rng, self.env.start_hour)

    # Control ----------------------------------------------------------------------------------
    def now(self) -> float:
        return self.clock.now()

    def online(self) -> bool:
        return self.link is not None

    def enqueue(self, message: Outgoing) -> None:
        self.outbox.append(message)
        self._wake.set()

    def spawn(self, fn: Callable[[], Any]) -> None:
        if self._nursery is not None:
            self._nursery.start_soon(fn)

    def request_reboot(self, hard: bool) -> None:
        self.model.reset(hard, self.now(), clears=self.env.faults.reset_clears)
        self.reboots += 1
        self.pump()
        self.booted = False
        self.enqueue(REBOOT)

    def use_endpoints(self, urls: list[str | None]) -> None:
        self.endpoints, self._endpoint = list(urls) or [None], 0

    def url(self) -> str:
        """This charger's URL at the CSMS it connects to now."""
        base = self.endpoints[self._endpoint % len(self.endpoints)] or self.env.url
        return f"{base.rstrip('/')}/{self.spec.charger_id}"

    def connect_failed(self) -> None:
        """No WebSocket at this endpoint: try the next by priority (B10's fallback)."""
        if len(self.endpoints) > 1:
            self._endpoint += 1
            self.env.recorder.note("endpoint_fallback")

    def after_boot(self, message: Outgoing) -> None:
        self.boot_extras.append(message)

    def remote_start(self, connector_id: int, id_tag: str) -> bool:
        conn = self.model.connectors[connector_id]
        now = self.now()
        if conn.tx is not None or conn.faulted or not conn.operative:
            return False
        if not self.model.admits(connector_id, id_tag):
            return False  # reserved for another token
        if conn.ev is None:
            ev = random_ev(self.rng, self.rng.uniform(5, 30), 4.0)
            self.model.plug_in(connector_id, ev, now + 4 * 3600, now, id_tag)
        started = self.model.start_tx(connector_id, id_tag, now) is not None
        self.pump()
        return started

    def set_heartbeat_interval(self, seconds: float) -> None:
        self.heartbeat_s = max(1.0, seconds)

    # model ------------------------------------------------------------------------------------
    def pump(self) -> None:
        """Move what the model produced into the outbox (some meter values late, on purpose)."""
        for event in self.model.drain():
            message = self.protocol.from_event(self, event)
            if message is None:
                continue
            late = self.env.faults.late_share
            if message.periodic and late and self.rng.random() < late:
                self.spawn(lambda m=message: self._late(m))  # type: ignore[misc]
            else:
                self.enqueue(message)

    async def _late(self, message: Outgoing) -> None:
        await trio.sleep(self.env.faults.late_delay_s)
        self.env.recorder.note("late_messages")
        self.enqueue(message)

    async def _life_loop(self) -> None:
        """Advance the model every `tick_s`, on a grid of this charger's own phase. After a
        stall of the simulator's loop (a collection, a burst) a charger skips the ticks it
        missed instead of ticking late: with `sleep(tick_s)` every charger whose tick fell in
        the stall woke in the same scheduler batch and they stayed in step ever after (at
        10,000 chargers, a 200 ms batch every 5 s that added to every round trip measured)."""
        tick = self.env.tick_s
        due = trio.current_time() + self._phase.uniform(0, tick)
        while True:
            now = self.now()
            self._visits(now)
            self.model.advance(now)
            self.pump()
            self.protocol.tick(self)
            due = next_slot(due, tick, trio.current_time())
            await trio.sleep_until(due)

    def _visits(self, now: float) -> None:
        if self._plan is None or not self.ever_online:
            return
        for index, conn in enumerate(self.model.connectors.values()):
            if conn.ev is not None and conn.departure_s is not None and now >= conn.departure_s:
                self.model.unplug(conn.id, now)
            if conn.ev is None and (visit := self._plan.due(index, now)) is not None:
                ev = random_ev(self.rng, visit.energy_kwh, (visit.depart_s - now) / 3600)
                if self.model.plug_in(conn.id, ev, visit.depart_s, now):
                    self._authorize_and_start(conn.id, self.rng.choice(self.model.id_tags))

    def _authorize_and_start(self, cid: int, tag: str) -> None:
        def on_reply(reply: Payload) -> None:
            if self.protocol.authorized(reply):
                self.model.start_tx(cid, tag, self.now())
                self.pump()

        if self.link is None:  # offline: the local authorization cache lets it start
            self.model.start_tx(cid, tag, self.now())
            return
        self.enqueue(self.protocol.authorize(self, tag))
        self.outbox[-1].on_reply = on_reply

    # faults -----------------------------------------------------------------------------------
    async def _fault_loop(self) -> None:
        while (nxt := next_fault(self.env.faults, self.rng)) is not None:
            delay, kind = nxt
            await trio.sleep(delay)
            await self._inject(kind)

    async def _inject(self, kind: str) -> None:
        self.env.recorder.note(f"fault:{kind}")
        if kind == "connector_fault":
            self.spawn(self._connector_fault)
        elif kind in ("disconnect", "offline"):
            if kind == "offline":
                self.offline_until = trio.current_time() + self.env.faults.offline_duration_s
            await self._drop_connection()
        elif kind == "malformed" and self.link is not None:
            action, payload = self.rng.choice(self.protocol.malformed)
            self.spawn(lambda: self._malformed(action, payload))

    async def _connector_fault(self) -> None:
        cid = self.rng.choice(list(self.model.connectors))
        self.model.fault(cid, self.rng.choice(self.env.faults.error_codes), self.now())
        self.pump()
        await trio.sleep(self.env.faults.connector_fault_duration_s)
        self.model.clear_fault(cid, self.now())
        self.pump()

    async def _malformed(self, action: str, payload: Payload) -> None:
        link = self.link
        if link is None:
            return
        try:
            await link.call(action, payload, expect_error=True)
        except CallRefused:
            pass
        except Exception:
            return

    async def _drop_connection(self) -> None:
        """Close the TCP stream under the WebSocket: the server sees the charger vanish."""
        link = self.link
        stream = getattr(link.ws, "_stream", None) if link is not None else None
        if stream is not None:
            with trio.move_on_after(1):
                await stream.aclose()
        self._session_scope.cancel()

    # life -------------------------------------------------------------------------------------
    async def live(self) -> None:
        """Run until the fleet's stop event; reconnect after every loss."""
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            nursery.start_soon(self._life_loop)
            nursery.start_soon(self._fault_loop)
            await session_loop(self)
            nursery.cancel_scope.cancel()

    def new_session_scope(self) -> trio.CancelScope:
        self._session_scope = trio.CancelScope()
        return self._session_scope

    async def wait_outbox(self) -> None:
        self._wake = trio.Event()
        if not self.outbox:
            await self._wake.wait()
