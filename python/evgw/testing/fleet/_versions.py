"""The OCPP versions the simulator speaks, by WebSocket subprotocol name."""

from __future__ import annotations

import random
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


def version_mix(n: int, shares: dict[str, float], seed: int) -> list[str]:
    """`n` versions in the given shares (largest remainder, so the counts add up to `n`),
    shuffled with `seed`: the same charger gets the same version in every run."""
    total = sum(shares.values())
    if total <= 0:
        raise ValueError("the version shares add up to 0")
    exact = {v: n * s / total for v, s in shares.items()}
    counts = {v: int(x) for v, x in exact.items()}
    by_remainder = sorted(exact, key=lambda v: (counts[v] - exact[v], v))
    for v in by_remainder[: n - sum(counts.values())]:
        counts[v] += 1
    out = [v for v in sorted(counts) for _ in range(counts[v])]
    random.Random(seed).shuffle(out)
    return out
