"""Version-neutral domain model: charger -> EVSE -> connector, string transaction ids, typed tokens.

OCPP 1.6 has no EVSE: a 1.6 connector N maps to EVSE N with connector 1 (connector 0 = the
whole charger, EVSE 0). 2.x maps one to one. Transaction ids are strings everywhere; 1.6's
integer transactionId is kept alongside (`ocpp16_id`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, overload

import attrs


class BootPolicy(enum.StrEnum):
    ACCEPTED = "Accepted"
    PENDING = "Pending"
    REJECTED = "Rejected"


class TokenStatus(enum.StrEnum):
    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"
    CONCURRENT_TX = "ConcurrentTx"
    # decisions only (never stored on a token); OCPP 1.6 answers them as Blocked / Invalid
    NO_CREDIT = "NoCredit"
    NOT_AT_THIS_LOCATION = "NotAtThisLocation"
    NOT_AT_THIS_TIME = "NotAtThisTime"
    NOT_ALLOWED_TYPE_EVSE = "NotAllowedTypeEVSE"
    UNKNOWN = "Unknown"


class Role(enum.StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"
    VIEWER = "viewer"


@attrs.frozen
class ChargerRegistration:
    """What an operator registers.

    `password_hash` is a KDF string (evgw.security), never a password.
    """

    id: str
    security_profile: int = 1
    password_hash: str | None = None
    boot_policy: BootPolicy = BootPolicy.ACCEPTED
    site_id: str | None = None
    serial_number: str | None = None


@attrs.frozen
class ConnectorState:
    evse_id: int
    connector_id: int
    status: str
    error_code: str | None = None
    info: str | None = None
    updated_at: datetime | None = None


@attrs.frozen
class ChargerRecord:
    """Registration plus the last known live facts, as stored."""

    registration: ChargerRegistration
    vendor: str | None = None
    model: str | None = None
    firmware_version: str | None = None
    ocpp_version: str | None = None
    last_boot_at: datetime | None = None
    last_seen_at: datetime | None = None
    connectors: tuple[ConnectorState, ...] = ()
    created_at: datetime | None = None


@attrs.frozen
class IdToken:
    """An authorization token: 1.6 idTag (type "ISO14443" by default) or 2.x IdToken."""

    id: str
    type: str = "ISO14443"
    status: TokenStatus = TokenStatus.ACCEPTED
    expires_at: datetime | None = None
    group_id: str | None = None
    owner: str | None = None


@attrs.frozen
class StartTx:
    """A transaction start as reported by a charger (1.6 StartTransaction)."""

    charger_id: str
    evse_id: int
    connector_id: int
    id_token: str
    meter_start_wh: int
    started_at: datetime
    received_at: datetime
    reservation_id: int | None = None
    auth_status: str = "Accepted"
    raw: str = ""  # the inbound frame, kept for audit


@attrs.frozen
class StartOutcome:
    transaction_id: str
    ocpp16_id: int | None
    duplicate: bool


@attrs.frozen
class MeterSample:
    """One sampled value, normalised enough to store; full normalisation is the meter core's."""

    timestamp: datetime
    measurand: str
    value: str
    unit: str | None = None
    phase: str | None = None
    context: str | None = None
    location: str | None = None
    format: str | None = None


#: A MeterSample's fields as a plain tuple, in the same order.
SampleRow = tuple[datetime, str, str, str | None, str | None, str | None, str | None, str | None]


class SampledValues(Sequence[MeterSample]):
    """The sampled values of one message as plain rows (`SampleRow`): what the store inserts,
    as they are. `MeterSample` objects are made only when someone reads the sequence (once,
    then kept): on the hot path (MeterValues, nobody subscribed to the samples) none are."""

    __slots__ = ("_samples", "rows")

    def __init__(self, rows: Sequence[SampleRow]) -> None:
        self.rows = tuple(rows)
        self._samples: tuple[MeterSample, ...] | None = None

    def samples(self) -> tuple[MeterSample, ...]:
        if self._samples is None:
            self._samples = tuple(MeterSample(*row) for row in self.rows)
        return self._samples

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> MeterSample: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[MeterSample, ...]: ...
    def __getitem__(self, index: int | slice) -> MeterSample | tuple[MeterSample, ...]:
        return self.samples()[index]

    def __iter__(self) -> Iterator[MeterSample]:
        return iter(self.samples())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SampledValues):
            return self.rows == other.rows
        return isinstance(other, Sequence) and self.samples() == tuple(other)

    def __hash__(self) -> int:
        return hash(self.rows)

    def __repr__(self) -> str:
        return f"SampledValues({self.rows!r})"


@attrs.frozen
class StopTx:
    """A transaction stop (1.6 StopTransaction). `ocpp16_id` -1 or unknown -> orphan."""

    charger_id: str
    ocpp16_id: int | None
    transaction_id: str | None
    id_token: str | None
    meter_stop_wh: int
    stopped_at: datetime
    received_at: datetime
    reason: str | None = None
    samples: tuple[MeterSample, ...] = ()
    raw: str = ""


@attrs.frozen
class StopOutcome:
    transaction_id: str
    duplicate: bool
    orphan: bool  # no matching start: stored for review


@attrs.frozen
class MeterBatch:
    """MeterValues from one message."""

    charger_id: str
    evse_id: int
    connector_id: int
    transaction_id: str | None  # resolved evgw id, None when outside a transaction
    ocpp16_id: int | None
    samples: Sequence[MeterSample]  # a tuple, or SampledValues (rows, no objects)
    received_at: datetime
    raw: str = ""


@attrs.frozen
class TxEvent:
    """One 2.x TransactionEvent as reported; idempotent on (charger, transaction id, seq_no).

    `meter_start_wh` / `meter_stop_wh` are the energy register read from the event's meter
    values (Started: Transaction.Begin sample; Ended: Transaction.End sample), when present.
    """

    charger_id: str
    ocpp_transaction_id: str
    seq_no: int
    event_type: str  # Started | Updated | Ended
    trigger_reason: str
    timestamp: datetime
    received_at: datetime
    offline: bool = False
    evse_id: int | None = None
    connector_id: int | None = None
    id_token: str | None = None
    stopped_reason: str | None = None
    reservation_id: int | None = None
    meter_start_wh: int | None = None
    meter_stop_wh: int | None = None
    samples: Sequence[MeterSample] = ()  # a tuple, or SampledValues
    raw: str = ""


@attrs.frozen
class TxEventOutcome:
    transaction_id: str  # evgw's id
    duplicate: bool  # this seqNo was already stored: no effect
    started_seen: bool  # a Started event of this transaction is stored (now or before)
    gap: bool  # seqNo jumped over a missing one (flagged for review)
    evse_id: int
    connector_id: int


@attrs.frozen
class Transaction:
    id: str
    ocpp16_id: int | None
    charger_id: str
    evse_id: int
    connector_id: int
    id_token: str | None
    meter_start_wh: int | None
    meter_stop_wh: int | None
    started_at: datetime | None
    stopped_at: datetime | None
    stop_reason: str | None
    status: str  # "active" | "completed" | "orphan"
    flags: tuple[str, ...] = ()
    energy_wh: int | None = None
    samples: tuple[MeterSample, ...] = ()
    ocpp_transaction_id: str | None = None  # the 2.x charger's transactionId


@attrs.frozen
class ReviewFlag:
    """Something recorded for an operator to look at, never silently fixed."""

    id: int
    kind: (
        str  # e.g. "orphan_stop", "meter_stop_below_start", "future_timestamp", "unknown_connector"
    )
    charger_id: str | None
    transaction_id: str | None
    detail: dict[str, Any]
    created_at: datetime


@attrs.frozen
class ApiToken:
    id: str
    role: Role
    label: str
    created_at: datetime
