"""Dispatch of charger-initiated CALLs to the handlers of the negotiated version."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import attrs

from evgw.ocpp._context import CallContext, OcppCallError
from evgw.ocpp._services import Services
from evgw.ocpp._spool import Spool, SpooledCall
from evgw.ocpp.v16 import _handlers as v16
from evgw.ocpp.v201 import _handlers as v201

log = logging.getLogger("evgw.ocpp")

Payload = dict[str, Any]


@attrs.frozen
class VersionHandlers:
    handlers: Mapping[str, v16.Handler]
    charger_only: frozenset[str]  # actions a CSMS may not send
    transaction_actions: frozenset[str]
    spoolable: frozenset[str]  # may be journaled and answered while the store fails


VERSIONS: dict[str, VersionHandlers] = {
    "ocpp1.6": VersionHandlers(
        v16.HANDLERS,
        v16.CHARGER_ONLY,
        v16.TRANSACTION_ACTIONS,
        frozenset({"StopTransaction", "MeterValues"}),
    ),
    "ocpp2.0.1": VersionHandlers(
        v201.HANDLERS,
        v201.CHARGER_ONLY,
        v201.TRANSACTION_ACTIONS,
        frozenset({"TransactionEvent", "MeterValues"}),
    ),
    # 2.1: the 2.0.1 handlers (the codec validates against the 2.1 schemas; the fields they
    # read are unchanged); 2.1-only charger messages are answered NotSupported.
    "ocpp2.1": VersionHandlers(
        v201.HANDLERS,
        v201.CHARGER_ONLY | v201.CHARGER_ONLY_21,
        v201.TRANSACTION_ACTIONS,
        frozenset({"TransactionEvent", "MeterValues"}),
    ),
}

# Replies given for a spooled message (the handler's effect happens at replay). 2.x
# TransactionEvent: every response field is optional (no idTokenInfo while the store is down).
_SPOOLED_REPLY: dict[str, Payload] = {
    "StopTransaction": {},
    "MeterValues": {},
    "TransactionEvent": {},
}


class Router:
    def __init__(self, services: Services, spool: Spool) -> None:
        self.services = services
        self.spool = spool

    async def dispatch(self, ctx: CallContext, payload: Payload) -> Payload:
        table = VERSIONS[ctx.ocpp_version]
        handler = table.handlers.get(ctx.action)
        if handler is None:
            raise OcppCallError("not_supported", f"{ctx.action} is not accepted from a charger")
        if ctx.action not in table.spoolable:
            return await handler(self.services, ctx, payload)
        try:
            return await handler(self.services, ctx, payload)
        except OcppCallError:
            raise
        except Exception:
            log.exception("%s: %s not stored, journaling it", ctx.charger_id, ctx.action)
            await self.spool.append(_spooled(ctx, payload))
            return _SPOOLED_REPLY[ctx.action]

    async def replay_spool(self) -> int:
        return await self.spool.replay(self._apply_spooled)

    async def _apply_spooled(self, call: SpooledCall) -> None:
        handler = VERSIONS[call.ocpp_version].handlers[call.action]
        ctx = CallContext(
            charger_id=call.charger_id,
            ocpp_version=call.ocpp_version,
            message_id=call.message_id,
            action=call.action,
            received_at=call.received,
            raw=call.raw,
            caller=_NoCaller(),
        )
        await handler(self.services, ctx, call.payload)


def _spooled(ctx: CallContext, payload: Payload) -> SpooledCall:
    return SpooledCall(
        charger_id=ctx.charger_id,
        ocpp_version=ctx.ocpp_version,
        message_id=ctx.message_id,
        action=ctx.action,
        payload=payload,
        received_at=ctx.received_at.isoformat(),
        raw=ctx.raw,
    )


class _NoCaller:
    """Replayed messages have no live connection to call back on."""

    async def call(self, action: str, payload: Payload, *, timeout: float | None = None) -> Payload:
        raise OcppCallError("generic", "no live connection during spool replay")
