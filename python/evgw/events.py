"""Domain events: what the gateway learned, version-neutral, published after it is committed.

The OCPP handlers (1.6 and 2.x) and the gateway publish; smart charging, billing and
maintenance subscribe. Subscribers are plain functions called in the publishing task: they
must be quick and must not block (update in-memory state, or ``send_nowait`` into the
component's own channel and do the slow work in its own task). A subscriber that raises is
logged and counted; the publisher and the other subscribers go on.

Events are a prompt notification, not the record: what must never be lost (transactions,
meter values, statuses) is in the store before the event is published, so a component that
restarts reads the store, then follows the events.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import attrs

from evgw import metrics
from evgw.domain import MeterSample

log = logging.getLogger("evgw.events")


@attrs.frozen
class ChargerConnected:
    charger_id: str
    ocpp_version: str
    at: datetime


#: `ChargerDisconnected.reason` when evgw itself closed the connection to shut down: evgw's
#: own downtime says nothing about the charger's health.
SERVER_SHUTDOWN = "server shutting down"


@attrs.frozen
class ChargerDisconnected:
    """Liveness between these two: ``Commander.connection(id).last_frame_at``."""

    charger_id: str
    at: datetime
    last_frame_at: datetime  # when the last frame arrived (outages start there)
    reason: str


@attrs.frozen
class ChargerBooted:
    charger_id: str
    ocpp_version: str
    vendor: str
    model: str
    firmware_version: str | None
    serial_number: str | None
    status: str  # the BootNotification answer: Accepted / Pending / Rejected
    reason: str | None  # 2.x BootReason; None for 1.6
    at: datetime


@attrs.frozen
class ConnectorStatusChanged:
    """1.6 StatusNotification / 2.x StatusNotification (+ NotifyEvent AvailabilityState).

    ``status`` is spelt as the charger sent it; ``evse_id``/``connector_id`` are 0 for the
    charger as a whole. ``error_code`` is None for NoError.
    """

    charger_id: str
    evse_id: int
    connector_id: int
    status: str
    error_code: str | None
    vendor_error_code: str | None
    info: str | None
    at: datetime  # the charger's timestamp when it sent one, else the arrival time


@attrs.frozen
class TransactionStarted:
    charger_id: str
    transaction_id: str  # evgw's id (string, version-neutral)
    evse_id: int
    connector_id: int
    id_token: str | None
    meter_start_wh: int | None
    started_at: datetime
    duplicate: bool  # a retried start: already published once


@attrs.frozen
class TransactionStopped:
    charger_id: str
    transaction_id: str  # for an orphan: the review record made for the unknown transaction
    meter_stop_wh: int | None
    stopped_at: datetime
    reason: str | None
    duplicate: bool
    orphan: bool


@attrs.frozen
class MeterValuesReceived:
    """`samples` is made on first use from what the handler passed (`sampled`: a tuple, or
    the store's rows as `SampledValues`), so a message nobody reads costs no sample objects."""

    charger_id: str
    evse_id: int
    connector_id: int
    transaction_id: str | None
    sampled: Sequence[MeterSample] = attrs.field(repr=False)
    at: datetime  # arrival time

    @functools.cached_property
    def samples(self) -> tuple[MeterSample, ...]:
        return tuple(self.sampled)


@attrs.frozen
class FirmwareStatusChanged:
    charger_id: str
    status: str
    request_id: int | None
    at: datetime


@attrs.frozen
class DiagnosticsStatusChanged:
    charger_id: str
    status: str
    request_id: int | None
    at: datetime


@attrs.frozen
class SecurityEventReceived:
    charger_id: str
    kind: str
    tech_info: str | None
    at: datetime
    critical: bool = False  # the spec's critical events (evgw.ocpp._security_events)


@attrs.frozen
class DeviceEventReported:
    """2.x NotifyEvent: one eventData entry (a monitored variable changed, a problem, ...)."""

    charger_id: str
    component: str
    variable: str
    evse_id: int | None
    connector_id: int | None
    trigger: str  # Alerting | Delta | Periodic
    actual_value: str
    notification_type: str  # HardWiredNotification | HardWiredMonitor | PreconfiguredMonitor | ...
    cleared: bool
    tech_code: str | None
    tech_info: str | None
    transaction_id: str | None  # the charger's transactionId when the event names one
    at: datetime


@attrs.frozen
class ChargingLimitReported:
    """2.x NotifyChargingLimit: an external limit (EMS, grid operator, ...) now applies.

    ``schedules`` are the charger's ChargingSchedule objects as sent (OCPP JSON); for the
    allocator a hard limit on ``evse_id`` (None: the whole charger)."""

    charger_id: str
    source: str  # chargingLimitSource: EMS | Other | SO | CSO
    grid_critical: bool | None
    evse_id: int | None
    schedules: tuple[dict[str, Any], ...]
    at: datetime


@attrs.frozen
class ChargingLimitCleared:
    """2.x ClearedChargingLimit: the external limit of ``source`` no longer applies."""

    charger_id: str
    source: str
    evse_id: int | None
    at: datetime


@attrs.frozen
class EVChargingNeedsReported:
    """2.x NotifyEVChargingNeeds (ISO 15118): what the EV asks for on ``evse_id``.

    ``needs`` is the chargingNeeds object as sent (requestedEnergyTransfer, departureTime,
    acChargingParameters / dcChargingParameters)."""

    charger_id: str
    evse_id: int
    max_schedule_tuples: int | None
    needs: dict[str, Any]
    at: datetime


@attrs.frozen
class ReservationStatusChanged:
    """2.x ReservationStatusUpdate (Expired / Removed)."""

    charger_id: str
    reservation_id: int
    status: str
    at: datetime


@attrs.frozen
class CertificateSigningRequested:
    """SignCertificate (1.6 security extension / 2.x) whose CSR passed the checks and was
    answered Accepted: the charger CA signs it and sends CertificateSigned."""

    charger_id: str
    ocpp_version: str
    csr_pem: str
    certificate_type: str | None  # 2.x certificateType; None on 1.6
    at: datetime


Event = (
    ChargerConnected
    | ChargerDisconnected
    | ChargerBooted
    | ConnectorStatusChanged
    | TransactionStarted
    | TransactionStopped
    | MeterValuesReceived
    | FirmwareStatusChanged
    | DiagnosticsStatusChanged
    | SecurityEventReceived
    | DeviceEventReported
    | ChargingLimitReported
    | ChargingLimitCleared
    | EVChargingNeedsReported
    | ReservationStatusChanged
    | CertificateSigningRequested
)

E = TypeVar("E")


class EventBus:
    """Synchronous fan-out by event type (no queue, no task, nothing when nobody listens)."""

    def __init__(self) -> None:
        self._subscribers: dict[type[Any], list[Callable[[Any], None]]] = {}

    def subscribe(self, kind: type[E], handler: Callable[[E], None]) -> None:
        self._subscribers.setdefault(kind, []).append(handler)

    def wants(self, kind: type[Any]) -> bool:
        """True when someone listens (lets a publisher skip building an expensive event)."""
        return kind in self._subscribers

    def publish(self, event: Event) -> None:
        for handler in self._subscribers.get(type(event), ()):
            try:
                handler(event)
            except Exception:
                log.exception("event subscriber %r failed on %s", handler, type(event).__name__)
                metrics.EVENT_SUBSCRIBER_FAILURES.labels(type(event).__name__).inc()
