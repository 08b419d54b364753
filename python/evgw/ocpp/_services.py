"""What OCPP handlers need from the rest of evgw (the store, authorization, policy, live state)."""

from __future__ import annotations

import attrs

from evgw.authz._authorizer import Authorizer
from evgw.config import OcppConfig
from evgw.events import EventBus
from evgw.ocpp._charger_ca import ChargerCa
from evgw.plugins import PluginHost
from evgw.store import Store


@attrs.define
class ChargerLiveState:
    """Facts that live only while a charger is connected (not durable)."""

    diagnostics_status: str | None = None
    firmware_status: str | None = None
    boot_status: str | None = None


@attrs.define
class Services:
    store: Store
    authorizer: Authorizer
    plugins: PluginHost
    config: OcppConfig
    events: EventBus = attrs.field(factory=EventBus)
    live: dict[str, ChargerLiveState] = attrs.field(factory=dict)
    charger_ca: ChargerCa | None = None  # signs charger certificates (SignCertificate)

    def live_state(self, charger_id: str) -> ChargerLiveState:
        return self.live.setdefault(charger_id, ChargerLiveState())
