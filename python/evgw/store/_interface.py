"""The store contract the gateway, the API and later services use.

Implementations (SQLite default, PostgreSQL) run every statement on dedicated threads: one
writer thread doing group commit (many awaiting callers released per COMMIT), reads on their
own connection(s). Every write that returns has been committed (the durability rule).
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import attrs

from evgw.domain import (
    ApiToken,
    ChargerRecord,
    ChargerRegistration,
    IdToken,
    MeterBatch,
    ReviewFlag,
    StartOutcome,
    StartTx,
    StopOutcome,
    StopTx,
    Transaction,
    TxEvent,
    TxEventOutcome,
)
from evgw.store._db import Db

T = TypeVar("T")


@attrs.frozen
class StoreStatistics:
    backend: str  # "sqlite" | "postgresql"
    commits: int
    writes: int  # operations committed
    queue_depth: int
    last_batch_size: int
    writer_alive: bool = True  # False once the writer thread stopped (closed or crashed)


class Store(abc.ABC):
    """Open with `await open_store(url)`; close with `await store.aclose()`."""

    # lifecycle -------------------------------------------------------------------------------
    @abc.abstractmethod
    async def aclose(self) -> None: ...

    @abc.abstractmethod
    def statistics(self) -> StoreStatistics: ...

    # components (smart charging, billing, maintenance, ...) ----------------------------------
    @abc.abstractmethod
    async def write(self, op: Callable[[Db], T]) -> T:
        """Run ``op(db)`` on the writer thread in the next group commit; committed on return.

        For a component's own tables (its migrations are in its ``_schema`` module, see
        ``evgw.store.COMPONENT_SCHEMAS``). ``op`` must be quick, use only ``db`` and raise to
        roll back its own changes (each operation runs in its own savepoint).
        """

    @abc.abstractmethod
    async def read(self, op: Callable[[Db], T]) -> T:
        """Run ``op(db)`` on a reader connection (sees everything committed before the call)."""

    # chargers --------------------------------------------------------------------------------
    @abc.abstractmethod
    async def put_charger(self, reg: ChargerRegistration) -> bool:
        """Insert or update the registration; True when it was created."""

    @abc.abstractmethod
    async def add_charger(self, reg: ChargerRegistration) -> bool:
        """Insert only; False (nothing changed) when the id is registered already."""

    @abc.abstractmethod
    async def get_charger(self, charger_id: str) -> ChargerRecord | None: ...

    async def get_registration(self, charger_id: str) -> ChargerRegistration | None:
        """The registration alone (what authentication and boot need; cheaper to read)."""
        record = await self.get_charger(charger_id)
        return None if record is None else record.registration

    @abc.abstractmethod
    async def list_chargers(self, *, limit: int = 100, offset: int = 0) -> list[ChargerRecord]: ...

    @abc.abstractmethod
    async def delete_charger(self, charger_id: str) -> bool: ...

    @abc.abstractmethod
    async def record_boot(
        self,
        charger_id: str,
        *,
        vendor: str,
        model: str,
        firmware_version: str | None,
        serial_number: str | None,
        ocpp_version: str,
        at: datetime,
    ) -> None: ...

    @abc.abstractmethod
    async def record_status(
        self,
        charger_id: str,
        *,
        evse_id: int,
        connector_id: int,
        status: str,
        error_code: str | None,
        info: str | None,
        at: datetime,
    ) -> None: ...

    @abc.abstractmethod
    async def touch_chargers(self, seen: dict[str, datetime]) -> None:
        """Update last_seen_at for many chargers in one write (called periodically, batched)."""

    # authorization tokens --------------------------------------------------------------------
    @abc.abstractmethod
    async def put_token(self, token: IdToken) -> bool:
        """Insert or replace; True when created."""

    @abc.abstractmethod
    async def get_token(self, token_id: str) -> IdToken | None: ...

    @abc.abstractmethod
    async def list_tokens(self, *, limit: int = 100, offset: int = 0) -> list[IdToken]: ...

    @abc.abstractmethod
    async def delete_token(self, token_id: str) -> bool: ...

    # transactions (durable before the charger is answered) -----------------------------------
    @abc.abstractmethod
    async def start_transaction(self, start: StartTx) -> StartOutcome:
        """Idempotent on (charger, connector, id_token, meter_start, started_at): a retried start
        returns the first one's ids with duplicate=True. Flags suspicious values (future
        timestamp, unknown connector) in the same commit."""

    @abc.abstractmethod
    async def stop_transaction(self, stop: StopTx) -> StopOutcome:
        """Idempotent on the transaction; unknown or -1 id -> an orphan transaction plus a review
        flag, never an error. meter_stop < meter_start is stored and flagged."""

    @abc.abstractmethod
    async def add_meter_values(self, batch: MeterBatch) -> str | None:
        """Store the samples; answer the evgw transaction id they belong to (the batch's own,
        or resolved from its 1.6 ``ocpp16_id`` in the same operation), None if none."""

    @abc.abstractmethod
    async def transaction_event(self, event: TxEvent) -> TxEventOutcome:
        """OCPP 2.x: idempotent on (charger, transactionId, seqNo); events in any order land on
        one transaction row; seqNo gaps and missing Started are flagged, never refused."""

    @abc.abstractmethod
    async def find_transaction_by_ocpp_id(
        self, charger_id: str, ocpp_transaction_id: str
    ) -> Transaction | None:
        """A 2.x transaction by the charger's transactionId."""

    @abc.abstractmethod
    async def find_transaction_by_ocpp16_id(
        self, charger_id: str, ocpp16_id: int
    ) -> Transaction | None: ...

    @abc.abstractmethod
    async def get_transaction(
        self, transaction_id: str, *, with_samples: bool = False
    ) -> Transaction | None: ...

    @abc.abstractmethod
    async def list_transactions(
        self,
        *,
        charger_id: str | None = None,
        status: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Transaction]: ...

    # review flags ----------------------------------------------------------------------------
    @abc.abstractmethod
    async def add_flag(
        self,
        kind: str,
        *,
        charger_id: str | None = None,
        transaction_id: str | None = None,
        detail: dict[str, object] | None = None,
    ) -> None: ...

    @abc.abstractmethod
    async def list_flags(self, *, limit: int = 100, offset: int = 0) -> list[ReviewFlag]: ...

    # operator API tokens (stored as SHA-256 of the random secret) ----------------------------
    @abc.abstractmethod
    async def create_api_token(self, token: ApiToken, secret_hash: str) -> None: ...

    @abc.abstractmethod
    async def find_api_token(self, secret_hash: str) -> ApiToken | None: ...

    # security / audit events -----------------------------------------------------------------
    @abc.abstractmethod
    async def add_security_event(
        self, charger_id: str | None, kind: str, detail: dict[str, object], at: datetime
    ) -> None: ...
