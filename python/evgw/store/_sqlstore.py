"""The Store implementation shared by SQLite and PostgreSQL: every method is one writer
operation (committed before it returns) or one reader call."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

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
from evgw.store import _ops_registry as reg
from evgw.store import _ops_tx as tx
from evgw.store import _ops_tx201 as tx201
from evgw.store import _tx_queries as txq
from evgw.store._coalesce import Coalescer
from evgw.store._db import Db
from evgw.store._interface import Store, StoreStatistics
from evgw.store._reader import Readers
from evgw.store._writer import Writer

_p = functools.partial
T = TypeVar("T")


class SqlStore(Store):
    def __init__(self, backend: str, writer: Writer, readers: Readers) -> None:
        self._backend = backend
        self._w = writer
        self._r = readers
        # a reconnect storm reads thousands of registrations at once: one query per batch
        self._chargers: Coalescer[str, ChargerRecord] = Coalescer(readers.run, reg.get_chargers)
        self._registrations: Coalescer[str, ChargerRegistration] = Coalescer(
            readers.run, reg.get_registrations
        )

    async def aclose(self) -> None:
        self._r.close()
        await self._w.aclose()

    def statistics(self) -> StoreStatistics:
        w = self._w
        return StoreStatistics(
            backend=self._backend,
            commits=w.commits,
            writes=w.writes,
            queue_depth=w.queue_depth,
            last_batch_size=w.last_batch_size,
            writer_alive=w.alive,
        )

    async def write(self, op: Callable[[Db], T]) -> T:
        return await self._w.submit(op)

    async def read(self, op: Callable[[Db], T]) -> T:
        return await self._r.run(op)

    # chargers
    async def put_charger(self, reg_: ChargerRegistration) -> bool:
        return await self._w.submit(_p(reg.put_charger, reg=reg_))

    async def add_charger(self, reg_: ChargerRegistration) -> bool:
        return await self._w.submit(_p(reg.add_charger, reg=reg_))

    async def get_charger(self, charger_id: str) -> ChargerRecord | None:
        return await self._chargers.get(charger_id)

    async def get_registration(self, charger_id: str) -> ChargerRegistration | None:
        return await self._registrations.get(charger_id)

    async def list_chargers(self, *, limit: int = 100, offset: int = 0) -> list[ChargerRecord]:
        return await self._r.run(_p(reg.list_chargers, limit=limit, offset=offset))

    async def delete_charger(self, charger_id: str) -> bool:
        return await self._w.submit(_p(reg.delete_charger, charger_id=charger_id))

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
    ) -> None:
        op = _p(
            reg.record_boot,
            charger_id=charger_id,
            vendor=vendor,
            model=model,
            firmware_version=firmware_version,
            serial_number=serial_number,
            ocpp_version=ocpp_version,
            at=at,
        )
        await self._w.submit(op)

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
    ) -> None:
        op = _p(
            reg.record_status,
            charger_id=charger_id,
            evse_id=evse_id,
            connector_id=connector_id,
            status=status,
            error_code=error_code,
            info=info,
            at=at,
        )
        await self._w.submit(op)

    async def touch_chargers(self, seen: dict[str, datetime]) -> None:
        if seen:
            await self._w.submit(_p(reg.touch_chargers, seen=dict(seen)))

    # authorization tokens
    async def put_token(self, token: IdToken) -> bool:
        return await self._w.submit(_p(reg.put_token, token=token))

    async def get_token(self, token_id: str) -> IdToken | None:
        return await self._r.run(_p(reg.get_token, token_id=token_id))

    async def list_tokens(self, *, limit: int = 100, offset: int = 0) -> list[IdToken]:
        return await self._r.run(_p(reg.list_tokens, limit=limit, offset=offset))

    async def delete_token(self, token_id: str) -> bool:
        return await self._w.submit(_p(reg.delete_token, token_id=token_id))

    # transactions
    async def start_transaction(self, start: StartTx) -> StartOutcome:
        return await self._w.submit(_p(tx.start_transaction, s=start))

    async def stop_transaction(self, stop: StopTx) -> StopOutcome:
        return await self._w.submit(_p(tx.stop_transaction, s=stop))

    async def add_meter_values(self, batch: MeterBatch) -> str | None:
        return await self._w.submit_merged(tx.add_meter_values_many, batch)

    async def transaction_event(self, event: TxEvent) -> TxEventOutcome:
        return await self._w.submit(_p(tx201.transaction_event, e=event))

    async def find_transaction_by_ocpp_id(
        self, charger_id: str, ocpp_transaction_id: str
    ) -> Transaction | None:
        op = _p(txq.find_by_ocpp_id, charger_id=charger_id, ocpp_transaction_id=ocpp_transaction_id)
        return await self._r.run(op)

    async def find_transaction_by_ocpp16_id(
        self, charger_id: str, ocpp16_id: int
    ) -> Transaction | None:
        return await self._r.run(
            _p(txq.find_by_ocpp16_id, charger_id=charger_id, ocpp16_id=ocpp16_id)
        )

    async def get_transaction(
        self, transaction_id: str, *, with_samples: bool = False
    ) -> Transaction | None:
        return await self._r.run(
            _p(txq.get_transaction, transaction_id=transaction_id, with_samples=with_samples)
        )

    async def list_transactions(
        self,
        *,
        charger_id: str | None = None,
        status: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Transaction]:
        op = _p(
            txq.list_transactions, charger_id=charger_id, status=status, limit=limit, offset=offset
        )
        return await self._r.run(op)

    # review flags
    async def add_flag(
        self,
        kind: str,
        *,
        charger_id: str | None = None,
        transaction_id: str | None = None,
        detail: dict[str, object] | None = None,
    ) -> None:
        op = _p(
            reg.add_flag,
            kind=kind,
            charger_id=charger_id,
            transaction_id=transaction_id,
            detail=detail,
        )
        await self._w.submit(op)

    async def list_flags(self, *, limit: int = 100, offset: int = 0) -> list[ReviewFlag]:
        return await self._r.run(_p(reg.list_flags, limit=limit, offset=offset))

    # operator API tokens
    async def create_api_token(self, token: ApiToken, secret_hash: str) -> None:
        await self._w.submit(_p(reg.create_api_token, token=token, secret_hash=secret_hash))

    async def find_api_token(self, secret_hash: str) -> ApiToken | None:
        return await self._r.run(_p(reg.find_api_token, secret_hash=secret_hash))

    # security events
    async def add_security_event(
        self, charger_id: str | None, kind: str, detail: dict[str, object], at: datetime
    ) -> None:
        op = _p(reg.add_security_event, charger_id=charger_id, kind=kind, detail=detail, at=at)
        await self._w.submit(op)
