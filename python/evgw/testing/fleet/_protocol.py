"""The seam between a simulated charger and one OCPP version (`_v16.py`, `_v201.py`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import attrs

from evgw.testing.fleet._clock import SimClock
from evgw.testing.fleet._events import Event, Tx
from evgw.testing.fleet._model import ChargerModel

Payload = dict[str, Any]


@attrs.define
class Outgoing:
    """A charger-initiated CALL; the payload is built when it is sent (ids known by then)."""

    action: str
    build: Callable[[], Payload]
    transactional: bool = False
    on_reply: Callable[[Payload], None] | None = None
    attempts: int = 0
    periodic: bool = False  # a periodic meter reading (the "late messages" fault may delay it)
    ledger: LedgerMark | None = None  # a transaction's start or stop (checked against the store)


@attrs.frozen
class LedgerMark:
    """What an acknowledged start or stop tells the run's ledger (`_stats.TxLedger`)."""

    kind: str  # "start" | "stop"
    tx: Tx
    meter_wh: int


class CallRefused(Exception):
    def __init__(self, code: str, description: str = "") -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


@attrs.frozen
class Identity:
    vendor: str = "evgw-sim"
    model: str = "SimCharger"
    serial: str = "0"


class Control(Protocol):
    """What a protocol module may do to the charger it serves."""

    model: ChargerModel
    clock: SimClock
    identity: Identity
    firmware_version: str
    skew_s: float
    output_dir: Path
    heartbeat_s: float

    def now(self) -> float: ...
    def online(self) -> bool: ...
    def enqueue(self, message: Outgoing) -> None: ...
    def spawn(self, fn: Callable[[], Any]) -> None: ...
    def request_reboot(self, hard: bool) -> None: ...
    def use_endpoints(self, urls: list[str | None]) -> None:
        """Connect to these CSMS URLs from the next connection on, the first that answers
        (None: the fleet's URL)."""
        ...

    def after_boot(self, message: Outgoing) -> None: ...
    def remote_start(self, connector_id: int, id_tag: str) -> bool: ...
    def set_heartbeat_interval(self, seconds: float) -> None: ...
    def pump(self) -> None:
        """Queue what the model reported (status changes, transaction events) now."""
        ...


Malformed = tuple[tuple[str, Payload], ...]


class OcppProtocol(Protocol):
    subprotocol: str
    boot_every_connection: bool  # 1.6 chargers boot on every connection, 2.0.1 after a reboot
    malformed: Malformed  # schema-violating CALLs for the fault injector

    def for_charger(self) -> OcppProtocol:
        """The instance one charger uses (it keeps that charger's protocol state)."""
        ...

    def connected(self, ctl: Control) -> None:
        """A new connection is up (before the boot): forget what was reported on the last."""
        ...

    def authorized(self, reply: Payload) -> bool: ...
    def boot(self, ctl: Control) -> Outgoing: ...
    def heartbeat(self, ctl: Control) -> Outgoing: ...
    def authorize(self, ctl: Control, id_tag: str) -> Outgoing: ...
    def from_event(self, ctl: Control, event: Event) -> Outgoing | None: ...
    def meter_frame(self, ctl: Control, connector_id: int, tx_id: int | str | None) -> Outgoing: ...
    def handle(self, ctl: Control, action: str, payload: Payload) -> Payload: ...
    def tick(self, ctl: Control) -> None:
        """Every step of the charger's life, after the model advanced (2.0.1: monitors)."""
        ...
