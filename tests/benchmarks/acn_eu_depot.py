"""The EU wye depot of the smart-charging reference (§9.1 B) as an acnsim network, shrunk to
a sub-tree acnportal's sorted schedulers can run in minutes per simulated day.

Shape kept from the reference: 400 V three-phase wye, contracted-power W row over a
transformer over sub-boards of 250 A per phase, chargers of 32 A per phase with 2 connectors
each (25 per sub-board: 3.2x oversubscribed at the sub-board), each charger's L1 wired to
site L1, L2 or L3 in rotation, the EV mix 30 % single-phase 16 or 32 A, 50 % three-phase
16 A, 20 % three-phase 32 A, and the optional |I_p - I_q| <= 20 A unbalance rows at the
sub-boards. Shrunk: 2 sub-boards (100 connectors) under one transformer whose limit keeps the
reference's transformer-to-sub-boards ratio (1,800 A over 10 x 250 A: 0.72, so 360 A), with
the reference's unmanaged building load at its peak (20 % of the transformer) as a constant
(acnsim limits do not vary in time); the W row is swept like the reference's 2 / 3 / 4 MW
per 2,000 connectors, scaled to 100 connectors: 100 / 150 / 200 kW.

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
SUB_BOARDS = 2
CHARGERS_PER_BOARD = 25
SUB_BOARD_A = 250.0
CHARGER_A = 32.0
TRANSFORMER_A = 0.72 * SUB_BOARDS * SUB_BOARD_A
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
