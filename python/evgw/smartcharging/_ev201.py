"""What OCPP 2.0.1 stations tell load management (functional block K):

- NotifyChargingLimit / ClearedChargingLimit: a limit set by a local EMS or the grid operator
  (never by evgw). Held as a hard upper bound per source: on an EVSE as its connector's cap,
  on the whole station (no evseId or 0) as its charger node's limit in the tree.
- NotifyEVChargingNeeds (ISO 15118): the departure time and the energy the EV wants (the
  planner's and the deadline weights' inputs) and its current range (evMin/MaxCurrent, AC).
- The charger's transactionId of a new session (a 2.0.1 TxProfile must carry it).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import trio

from evgw import events as ev
from evgw.ocpp._time import parse_timestamp

from ._live import Live
from ._profiles201 import limit_a

if TYPE_CHECKING:
    from ._component import SmartCharging

log = logging.getLogger("evgw.smartcharging")


class Station201:
    def __init__(self, owner: SmartCharging) -> None:
        self.owner = owner

    def subscribe(self, bus: ev.EventBus) -> None:
        bus.subscribe(ev.ChargingLimitReported, self.on_limit)
        bus.subscribe(ev.ChargingLimitCleared, self.on_limit_cleared)
        bus.subscribe(ev.EVChargingNeedsReported, self.on_needs)

    def _volts(self, charger_id: str) -> float:
        site = self.owner.site_of(charger_id)
        return 230.0 if site is None else site.site.voltage

    def on_limit(self, e: ev.ChargingLimitReported) -> None:
        amps = limit_a(e.schedules, self._volts(e.charger_id))
        if amps is None:
            log.warning(
                "%s: NotifyChargingLimit (%s) without a schedule: no value to hold",
                *(e.charger_id, e.source),
            )
            return
        log.info("%s/%s: external limit %.1f A (%s)", e.charger_id, e.evse_id, amps, e.source)
        if e.evse_id:
            for live in self._evse(e.charger_id, e.evse_id):
                live.external_a[e.source] = amps
        else:
            self.owner.stations.set(e.charger_id, e.source, amps)
        self.owner.replan(e.charger_id)

    def on_limit_cleared(self, e: ev.ChargingLimitCleared) -> None:
        if e.evse_id:
            for live in self._evse(e.charger_id, e.evse_id):
                live.external_a.pop(e.source, None)
        else:
            self.owner.stations.clear(e.charger_id, e.source)
            for live in self.owner.lives_of(e.charger_id):
                live.external_a.pop(e.source, None)
        self.owner.replan(e.charger_id)

    def on_needs(self, e: ev.EVChargingNeedsReported) -> None:
        for live in self._evse(e.charger_id, e.evse_id):
            apply_needs(live, e.needs, trio.current_time(), datetime.now(UTC))
        self.owner.replan(e.charger_id)

    def _evse(self, charger_id: str, evse_id: int) -> list[Live]:
        live = self.owner.lives.get((charger_id, evse_id))
        return [] if live is None else [live]

    async def learn_transaction(self, live: Live, transaction_id: str) -> None:
        tx = await self.owner.ctx.store.get_transaction(transaction_id)
        if tx is not None and live.transaction_id == transaction_id:
            live.ocpp_transaction_id = tx.ocpp_transaction_id


def apply_needs(live: Live, needs: dict[str, Any], now: float, wall: datetime) -> None:
    """ChargingNeeds → the session's departure (monotonic), energy target (counted from the
    session start: delivered so far + what the EV still asks for) and current range."""
    departure = needs.get("departureTime")
    if isinstance(departure, str):
        try:
            ahead = (parse_timestamp(departure) - wall).total_seconds()
        except ValueError:
            log.warning("%s: departureTime %r is not a timestamp", live.key, departure)
        else:
            live.policy.departure_at = now + ahead
    ac = needs.get("acChargingParameters") or {}
    dc = needs.get("dcChargingParameters") or {}
    energy = ac.get("energyAmount", dc.get("energyAmount"))
    if isinstance(energy, int | float) and energy >= 0:
        delivered = (live.energy_wh or 0.0) - (live.meter_start_wh or 0.0)
        live.policy.energy_wh = max(0.0, delivered) + float(energy)
    if isinstance(ac.get("evMaxCurrent"), int | float) and ac["evMaxCurrent"] >= 0:
        live.ev_max_a = float(ac["evMaxCurrent"])
    if isinstance(ac.get("evMinCurrent"), int | float) and ac["evMinCurrent"] >= 0:
        live.ev_min_a = float(ac["evMinCurrent"])
