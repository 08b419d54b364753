"""The EU wye depot of the smart-charging reference (§9.1 B) as an acnsim network, shrunk to
a sub-tree acnportal's sorted schedulers run in under a minute per simulated day.

Shape kept from the reference: 230/400 V three-phase wye; a contracted-power W row over a
transformer over sub-boards; chargers of 32 A per phase with 2 connectors each, each
charger's L1 wired to site L1, L2 or L3 in rotation; sub-boards 3.2x oversubscribed by their
chargers' limits; the transformer at 0.72 of its sub-boards (the reference's 1,800 A over
10 x 250 A); the EV mix 30 % single-phase 16 or 32 A, 50 % three-phase 16 A, 20 % three-phase
32 A; optional |I_p - I_q| <= 20 A unbalance rows at the sub-boards.

Shrunk (acnportal's EDF cost 2.1 s per call at 100 connectors, 10 min per simulated day, on
this host): 2 sub-boards of 10 chargers (40 connectors) at 100 A per phase (10 x 32 A / 3.2)
under a transformer of 144 A per phase; the W row swept like the reference's 2 / 3 / 4 MW
per 2,000 connectors, scaled to 40 connectors: 40 / 60 / 80 kW. The reference's unmanaged
building load is taken at its peak (20 % of the transformer) as a constant (acnsim limits do
not vary in time).

acnsim cannot change a station's phases per session, so each connector keeps one EV type
for the day (drawn per seed with the reference's mix). As §9.1 says, every phase angle is 0
and every row is one (node, phase) with 0/1 coefficients, so acnsim's phasor check is the
exact per-phase sum; a three-phase EV's station is registered at 3 x 230 V so acnsim's
energy and power are right.
"""

from __future__ import annotations

import random

from acnportal import acnsim
from acnportal.acnsim.models.evse import get_evse_by_type

PHASE_V = 230.0
CAPS_KW = (40.0, 60.0, 80.0)  # the contracted power, W row
SUB_BOARDS = 2
CHARGERS_PER_BOARD = 10
SUB_BOARD_A = CHARGERS_PER_BOARD * 32.0 / 3.2
CHARGER_A = 32.0
TRANSFORMER_A = 0.72 * SUB_BOARDS * SUB_BOARD_A  # 144 A
BUILDING_SHARE = 0.20  # unmanaged load at its daily peak, share of the transformer
UNBALANCE_A = 20.0
#: (share, phases, max A per phase)
EV_MIX = ((0.15, 1, 16.0), (0.15, 1, 32.0), (0.50, 3, 16.0), (0.20, 3, 32.0))


def ev_types(count: int, seed: int) -> list[tuple[int, float]]:
    """(phases, max A) per connector, seeded."""
    rng = random.Random(seed * 7919 + 1)
    out = []
    for _ in range(count):
        pick, acc = rng.random(), 0.0
        chosen = EV_MIX[-1][1:]
        for share, phases, amps in EV_MIX:
            acc += share
            if pick <= acc:
                chosen = (phases, amps)
                break
        out.append(chosen)
    return out


def network(cap_kw: float, seed: int, *, unbalance: bool) -> acnsim.ChargingNetwork:
    """Every EVSE first (acnsim wants them before any constraint), then the rows."""
    net = acnsim.ChargingNetwork()
    types = ev_types(SUB_BOARDS * CHARGERS_PER_BOARD * 2, seed)
    rows: list[tuple[str, dict[str, float], float]] = []
    site: list[dict[str, float]] = [{}, {}, {}]
    power: dict[str, float] = {}
    for b in range(SUB_BOARDS):
        board: list[dict[str, float]] = [{}, {}, {}]
        for c in range(CHARGERS_PER_BOARD):
            rotation = (b * CHARGERS_PER_BOARD + c) % 3
            charger: list[dict[str, float]] = [{}, {}, {}]
            for n in range(2):
                station = f"B{b}-C{c:02d}-{n + 1}"
                ev_phases, _ = types[len(power)]
                evse = get_evse_by_type(station, "AeroVironment")
                net.register_evse(evse, PHASE_V * ev_phases, 0)
                for p in [0, 1, 2] if ev_phases == 3 else [rotation]:
                    for group in (charger[p], board[p], site[p]):
                        group[station] = 1.0
                power[station] = float(ev_phases)
            rows += [(f"B{b}-C{c:02d} L{p + 1}", charger[p], CHARGER_A) for p in range(3)]
        rows += [(f"B{b} L{p + 1}", board[p], SUB_BOARD_A) for p in range(3)]
        if unbalance:
            for p, q in ((0, 1), (1, 2), (2, 0)):
                diff = {
                    k: board[p].get(k, 0.0) - board[q].get(k, 0.0) for k in {*board[p], *board[q]}
                }
                rows.append((f"B{b} L{p + 1}-L{q + 1}", diff, UNBALANCE_A))
    room = TRANSFORMER_A * (1 - BUILDING_SHARE)
    rows += [(f"transformer L{p + 1}", site[p], room) for p in range(3)]
    rows.append(("contracted power", power, cap_kw * 1000 / PHASE_V))
    for name, members, limit in rows:
        loads = {k: v for k, v in members.items() if v != 0}
        if loads:
            net.add_constraint(acnsim.Current(loads), limit, name)
    return net


def station_max_kw(net: acnsim.ChargingNetwork, seed: int) -> dict[str, float]:
    """Per station: the EV's maximum power (its phases x its maximum current x 230 V)."""
    types = ev_types(len(net.station_ids), seed)
    return {
        station: phases * amps * PHASE_V / 1000
        for station, (phases, amps) in zip(net.station_ids, types, strict=True)
    }
