"""A simulated charger without a socket: implements the protocol's `Control`, keeps what it
would send, and lets a test set the simulated time."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from evgw.testing.fleet import EV, PROTOCOLS, ChargerModel, ModelSettings, SimClock
from evgw.testing.fleet._protocol import Identity, OcppProtocol, Outgoing

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class FakeCharger:
    def __init__(self, out: Path, protocol: OcppProtocol, **settings: Any) -> None:
        settings = {"connectors": 2, "lag_s": 0.0, **settings}
        self.model = ChargerModel(ModelSettings(**settings), ["T"], random.Random(1))
        self.protocol = protocol
        self.clock = SimClock(EPOCH)
        self.identity = Identity(serial="CP1")
        self.firmware_version = "1.0"
        self.skew_s = 0.0
        self.output_dir = out
        self.heartbeat_s = 300.0
        self.t = 0.0
        self.is_online = True
        self.sent: list[Outgoing] = []
        self.after: list[Outgoing] = []
        self.reboots: list[bool] = []
        self.tasks: list[Callable[[], Any]] = []
        self.endpoints: list[str | None] = [None]

    def now(self) -> float:
        return self.t

    def online(self) -> bool:
        return self.is_online

    def enqueue(self, message: Outgoing) -> None:
        self.sent.append(message)

    def spawn(self, fn: Callable[[], Any]) -> None:
        self.tasks.append(fn)

    def request_reboot(self, hard: bool) -> None:
        self.model.reset(hard, self.now())
        self.pump()
        self.reboots.append(hard)

    def use_endpoints(self, urls: list[str | None]) -> None:
        self.endpoints = urls

    def after_boot(self, message: Outgoing) -> None:
        self.after.append(message)

    def remote_start(self, connector_id: int, id_tag: str) -> bool:
        if self.model.connectors[connector_id].ev is None:
            self.plug(connector_id, id_tag)
        started = self.model.start_tx(connector_id, id_tag, self.now()) is not None
        self.pump()
        return started

    def plug(self, connector_id: int, id_tag: str | None = None) -> bool:
        ev = EV(phases=3, max_current_a=16, capacity_wh=1e6, energy_wanted_wh=5e5)
        return self.model.plug_in(connector_id, ev, 1e9, self.now(), id_tag)

    def set_heartbeat_interval(self, seconds: float) -> None:
        self.heartbeat_s = seconds

    def pump(self) -> None:
        """What the charger's outbox gets from the model's events."""
        for event in self.model.drain():
            message = self.protocol.from_event(self, event)
            if message is not None:
                self.sent.append(message)

    def advance(self, seconds: float) -> None:
        self.t += seconds
        self.model.advance(self.t)
        self.pump()
        self.protocol.tick(self)

    def call(self, action: str, payload: dict[str, Any]) -> dict[str, Any]:
        return self.protocol.handle(self, action, payload)

    def statuses(self) -> list[str]:
        return [m.build()["status"] for m in self.sent]

    def frames(self, action: str | None = None) -> list[dict[str, Any]]:
        return [m.build() for m in self.sent if action in (None, m.action)]


@pytest.fixture(params=sorted(PROTOCOLS))
def version(request: pytest.FixtureRequest) -> str:
    """Each OCPP version the simulator speaks."""
    return str(request.param)


@pytest.fixture(name="cp")
async def both_versions_cp(tmp_path: Path, version: str) -> FakeCharger:
    """A simulated charger of `version` (import with `version` for a test per version)."""
    return FakeCharger(tmp_path, PROTOCOLS[version]().for_charger())
