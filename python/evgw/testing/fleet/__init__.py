"""Charger fleet simulator: thousands of OCPP chargers over real WebSockets in one process.

The model (`ChargerModel`) is sans-IO; a protocol module (`Ocpp16`, `Ocpp201`) maps it to OCPP
frames; `SimCharger` and `Fleet` do the I/O on trio (ws:// or wss://). See docs/loadtests.md.
"""

from evgw.testing.fleet._clock import SimClock as SimClock
from evgw.testing.fleet._connector import Connector as Connector
from evgw.testing.fleet._env import ChargerSpec as ChargerSpec
from evgw.testing.fleet._env import FleetEnv as FleetEnv
from evgw.testing.fleet._env import Pacer as Pacer
from evgw.testing.fleet._ev import EV as EV
from evgw.testing.fleet._faults import FaultSettings as FaultSettings
from evgw.testing.fleet._fleet import Fleet as Fleet
from evgw.testing.fleet._fleet import FleetStatistics as FleetStatistics
from evgw.testing.fleet._fleet import fleet_specs as fleet_specs
from evgw.testing.fleet._limits import CapacityError as CapacityError
from evgw.testing.fleet._limits import check_capacity as check_capacity
from evgw.testing.fleet._limits import raise_fd_limit as raise_fd_limit
from evgw.testing.fleet._model import ChargerModel as ChargerModel
from evgw.testing.fleet._model import ModelSettings as ModelSettings
from evgw.testing.fleet._profiles import Profile as Profile
from evgw.testing.fleet._profiles import ProfileStore as ProfileStore
from evgw.testing.fleet._sim import SimCharger as SimCharger
from evgw.testing.fleet._stats import Recorder as Recorder
from evgw.testing.fleet._stats import Summary as Summary
from evgw.testing.fleet._stats import TxLedger as TxLedger
from evgw.testing.fleet._stats import percentile as percentile
from evgw.testing.fleet._tls import client_context as client_context
from evgw.testing.fleet._v16 import Ocpp16 as Ocpp16
from evgw.testing.fleet._v201 import Ocpp201 as Ocpp201
from evgw.testing.fleet._versions import PROTOCOLS as PROTOCOLS
from evgw.testing.fleet._versions import version_mix as version_mix
from evgw.testing.fleet._workload import SessionGenerator as SessionGenerator

__all__ = [
    "EV",
    "PROTOCOLS",
    "CapacityError",
    "ChargerModel",
    "ChargerSpec",
    "Connector",
    "FaultSettings",
    "Fleet",
    "FleetEnv",
    "FleetStatistics",
    "ModelSettings",
    "Ocpp16",
    "Ocpp201",
    "Pacer",
    "Profile",
    "ProfileStore",
    "Recorder",
    "SessionGenerator",
    "SimCharger",
    "SimClock",
    "Summary",
    "TxLedger",
    "check_capacity",
    "client_context",
    "fleet_specs",
    "percentile",
    "raise_fd_limit",
    "version_mix",
]
