"""The OCPP versions the simulator speaks, by WebSocket subprotocol name."""

from __future__ import annotations

from collections.abc import Callable

from evgw.testing.fleet._protocol import OcppProtocol
from evgw.testing.fleet._v16 import Ocpp16
from evgw.testing.fleet._v201 import Ocpp201

PROTOCOLS: dict[str, Callable[[], OcppProtocol]] = {"ocpp1.6": Ocpp16, "ocpp2.0.1": Ocpp201}


def protocol_for(version: str | None, default: OcppProtocol) -> OcppProtocol:
    """One charger's protocol instance: `version`'s, or the fleet's `default`."""
    if version is None:
        return default.for_charger()
    if version not in PROTOCOLS:
        raise ValueError(f"unknown OCPP version {version!r}; known: {sorted(PROTOCOLS)}")
    return PROTOCOLS[version]().for_charger()
