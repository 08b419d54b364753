"""Fault injection for one simulated charger (rates in real seconds; 0 disables a fault)."""

from __future__ import annotations

import random

import attrs

ERROR_CODES = (
    "GroundFailure",
    "OverCurrentFailure",
    "HighTemperature",
    "PowerSwitchFailure",
    "ConnectorLockFailure",
    "EVCommunicationError",
    "OtherError",
)


@attrs.frozen
class FaultSettings:
    connector_fault_every_s: float = 0.0  # mean time between connector faults, per charger
    connector_fault_duration_s: float = 30.0
    error_codes: tuple[str, ...] = ERROR_CODES
    #: error codes a reboot clears (software faults); the others last their whole duration
    reset_clears: tuple[str, ...] = ()
    disconnect_every_s: float = 0.0  # abrupt socket drops, reconnect right away
    offline_every_s: float = 0.0  # offline periods: messages queue and replay on reconnect
    offline_duration_s: float = 20.0
    duplicate_share: float = 0.0  # share of transaction messages sent twice
    late_share: float = 0.0  # share of meter values held back and sent late
    late_delay_s: float = 30.0
    clock_skew_s: float = 0.0  # each charger's clock is off by up to this (either way)
    malformed_every_s: float = 0.0  # schema-violating frames (expected to get a CALLERROR)

    @property
    def any(self) -> bool:
        return any(
            x > 0
            for x in (
                self.connector_fault_every_s,
                self.disconnect_every_s,
                self.offline_every_s,
                self.malformed_every_s,
            )
        )


FAULT_KINDS = ("connector_fault", "disconnect", "offline", "malformed")


def next_fault(settings: FaultSettings, rng: random.Random) -> tuple[float, str] | None:
    """(delay, kind) of this charger's next fault, or None when faults are off."""
    means = {
        "connector_fault": settings.connector_fault_every_s,
        "disconnect": settings.disconnect_every_s,
        "offline": settings.offline_every_s,
        "malformed": settings.malformed_every_s,
    }
    draws = [(rng.expovariate(1.0 / mean), kind) for kind, mean in means.items() if mean > 0]
    return min(draws) if draws else None
