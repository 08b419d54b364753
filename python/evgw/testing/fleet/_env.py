"""What all chargers of one simulated fleet share."""

from __future__ import annotations

import ssl
from pathlib import Path

import attrs
import trio

from evgw.testing.fleet._clock import SimClock
from evgw.testing.fleet._faults import FaultSettings
from evgw.testing.fleet._model import ModelSettings
from evgw.testing.fleet._protocol import OcppProtocol
from evgw.testing.fleet._stats import Recorder


class Pacer:
    """Offered MeterValues rate for throughput runs, changed by the ramp while chargers read it."""

    def __init__(self) -> None:
        self.per_charger_rate = 0.0


@attrs.define
class FleetEnv:
    url: str  # ws://127.0.0.1:PORT/ocpp (the charger id is appended)
    clock: SimClock
    recorder: Recorder
    protocol: OcppProtocol
    output_dir: Path
    stop: trio.Event
    id_tags: tuple[str, ...] = ("SIMTAG",)
    seed: int = 1
    start_hour: float = 10.0
    model: ModelSettings = attrs.field(factory=ModelSettings)
    faults: FaultSettings = attrs.field(factory=FaultSettings)
    call_timeout_s: float = 10.0
    connect_timeout_s: float = 30.0
    tick_s: float = 5.0
    heartbeat_s: float | None = None  # None: the interval the CSMS gives at boot
    reboot_s: float = 3.0
    ssl_context: ssl.SSLContext | None = None  # wss://: trusts the CSMS (see `client_context`)
    ca_file: str | None = None  # wss:// with per-charger client certificates (profile 3)
    pacer: Pacer | None = None


@attrs.frozen
class ChargerSpec:
    charger_id: str
    index: int
    site: str | None = "jpl"  # ACN site whose sessions arrive; None: no EVs on their own
    password: str | None = None  # HTTP Basic (profiles 1 and 2)
    firmware: str = "1.0.0"
    ocpp_version: str | None = None  # None: the fleet's protocol; else a key of PROTOCOLS
    client_cert: tuple[str, str] | None = None  # (certificate, key) PEM files: profile 3
