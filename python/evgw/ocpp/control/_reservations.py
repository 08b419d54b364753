"""Reservations (2.x block H, 1.6 Reservation profile), version-neutral.

`reserve` stores the reservation, sends ReserveNow in the charger's version and keeps the
answer; `cancel` sends CancelReservation. The charger's ReservationStatusUpdate (2.x), evgw's
expiry sweep (every version: 1.6 has no status update) and transactions that start on a
reserved EVSE end a reservation. A transaction that starts on a reserved EVSE for a token that
is neither the reserved one nor of its group is flagged (``reservation_conflict``).

The live reservations are also kept in memory (`ReservationIndex`): the `authorize` hook and
the follow-up of every transaction start read that, never the store.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime
from typing import Any

import attrs

from evgw.components import ComponentContext
from evgw.domain import TokenStatus
from evgw.events import ReservationStatusChanged, TransactionStarted
from evgw.gateway._commands import ChargerNotConnected, CommandError
from evgw.ocpp._time import format_timestamp
from evgw.ocpp.control import _reservation_store as rs
from evgw.ocpp.control._reservation_index import ReservationIndex
from evgw.ocpp.control._reservation_store import LIVE, Reservation
from evgw.plugins import AuthDecision, AuthRequest

log = logging.getLogger("evgw.ocpp.control")

Payload = dict[str, Any]

# 2.x ReservationUpdateStatusEnumType -> our status.
CHARGER_UPDATES = {"Expired": "expired", "Removed": "removed"}


class ReservationConflict(Exception):
    """The EVSE already holds a live reservation (API: 409)."""


def _now() -> datetime:
    return datetime.now(UTC)


def reserve_now(version: str, r: Reservation) -> Payload:
    if version == "ocpp1.6":
        p: Payload = {
            "connectorId": r.evse_id or 0,
            "expiryDate": format_timestamp(r.expires_at),
            "idTag": r.id_token,
            "reservationId": r.id,
        }
        return p | ({"parentIdTag": r.group_id} if r.group_id else {})
    p = {
        "id": r.id,
        "expiryDateTime": format_timestamp(r.expires_at),
        "idToken": {"idToken": r.id_token, "type": r.token_type},
    }
    if r.evse_id is not None:
        p["evseId"] = r.evse_id
    if r.connector_type is not None:
        p["connectorType"] = r.connector_type
    if r.group_id is not None:
        p["groupIdToken"] = {"idToken": r.group_id, "type": "Central"}
    return p


class Reservations:
    def __init__(self, ctx: ComponentContext) -> None:
        self.ctx = ctx
        self.index = ReservationIndex()

    async def reload(self) -> None:
        """(Re)read the live reservations from the store into the index."""
        self.index.begin_reload()
        try:
            live = await self.ctx.store.read(rs.all_live)
        except BaseException:
            self.index.abort_reload()
            raise
        self.index.finish_reload(live)

    def status_changed(self, e: ReservationStatusChanged) -> None:
        """A charger's ReservationStatusUpdate (or our expiry): the reservation is over."""
        known = self.index.get(e.reservation_id)
        ended = CHARGER_UPDATES.get(e.status, e.status.lower()) not in LIVE
        if known is not None and known.charger_id == e.charger_id and ended:
            self.index.drop(e.reservation_id)

    async def _version(self, charger_id: str) -> str:
        info = self.ctx.commander.connection(charger_id)
        if info is None:
            raise ChargerNotConnected(f"{charger_id} is not connected")
        return info.ocpp_version

    async def reserve(self, r: Reservation) -> Reservation:
        """Send ReserveNow; answers the stored reservation (active, or refused with the
        charger's status). A failed call leaves it refused with the failure's name."""
        version = await self._version(r.charger_id)
        live = await self.ctx.store.read(functools.partial(rs.live, charger_id=r.charger_id))
        if any(x.evse_id == r.evse_id for x in live if r.evse_id is not None):
            raise ReservationConflict(f"EVSE {r.evse_id} of {r.charger_id} is already reserved")
        stored = await self.ctx.store.write(functools.partial(rs.insert, r=r, at=_now()))
        self.index.put(stored)
        try:
            reply = await self.ctx.commander.call(
                r.charger_id, "ReserveNow", reserve_now(version, stored)
            )
        except CommandError as error:
            await self._set(stored.id, "refused", type(error).__name__)
            raise
        status = str(reply["status"])
        await self._set(stored.id, "active" if status == "Accepted" else "refused", status)
        return await self.get(stored.id) or stored

    async def cancel(self, r: Reservation) -> str:
        """Send CancelReservation; the reservation ends when the charger Accepted."""
        await self._version(r.charger_id)  # 1.6 and 2.x: the same payload
        payload = {"reservationId": r.id}
        reply = await self.ctx.commander.call(r.charger_id, "CancelReservation", payload)
        status = str(reply["status"])
        if status == "Accepted":
            await self._set(r.id, "cancelled", status)
        return status

    async def _set(self, reservation_id: int, status: str, charger_status: str | None) -> bool:
        op = functools.partial(
            rs.update,
            reservation_id=reservation_id,
            status=status,
            at=_now(),
            charger_status=charger_status,
        )
        changed: bool = await self.ctx.store.write(op)
        known = self.index.get(reservation_id)
        if changed and known is not None:
            self.index.put(attrs.evolve(known, status=status, charger_status=charger_status))
        return changed

    async def get(self, reservation_id: int) -> Reservation | None:
        return await self.ctx.store.read(functools.partial(rs.get, reservation_id=reservation_id))

    async def expire_due(self) -> list[Reservation]:
        due = await self.ctx.store.write(functools.partial(rs.expire_due, now=_now()))
        for r in due:
            self.index.drop(r.id)
            log.info("%s: reservation %d expired", r.charger_id, r.id)
            self.ctx.events.publish(ReservationStatusChanged(r.charger_id, r.id, "Expired", _now()))
        return due

    async def transaction_started(self, e: TransactionStarted) -> None:
        """The reservation the transaction used ends; another token on a reserved EVSE is
        flagged."""
        store = self.ctx.store
        if e.duplicate or (self.index.loaded and not self.index.of(e.charger_id)):
            return  # nothing reserved on this charger: no store read per start
        live = await store.read(functools.partial(rs.live, charger_id=e.charger_id))
        if not live:
            return
        used_id = await store.read(
            functools.partial(rs.transaction_reservation, transaction_id=e.transaction_id)
        )
        token = await store.get_token(e.id_token) if e.id_token else None
        group = token.group_id if token is not None else None
        for r in live:
            if r.id == used_id or (
                r.evse_id in (None, e.evse_id) and r.admits(e.id_token or "", group)
            ):
                await self._used(r, e.transaction_id)
                return
        for r in live:
            if r.evse_id == e.evse_id:
                detail: dict[str, object] = {"reservation_id": r.id, "id_token": e.id_token}
                await store.add_flag(
                    "reservation_conflict",
                    charger_id=e.charger_id,
                    transaction_id=e.transaction_id,
                    detail=detail,
                )

    async def authorize(self, request: AuthRequest) -> AuthDecision | None:
        """The `authorize` hook: a transaction starting on a reserved EVSE for a token that
        is neither the reserved one nor of its group gets NotAtThisTime (the charger ends it);
        anything else is left to the token table."""
        default = request.default
        if request.evse_id is None or default.status != TokenStatus.ACCEPTED:
            return None
        for r in await self._live(request.charger_id):
            if r.evse_id == request.evse_id and not r.admits(request.id_token, default.group_id):
                log.info("%s: EVSE %d reserved (%d)", request.charger_id, r.evse_id, r.id)
                return attrs.evolve(default, status=TokenStatus.NOT_AT_THIS_TIME)
        return None

    async def _live(self, charger_id: str) -> list[Reservation]:
        """From memory once loaded (never waits on the store); before that from the store."""
        if self.index.loaded:
            return self.index.of(charger_id, _now())
        return await self.ctx.store.read(functools.partial(rs.live, charger_id=charger_id))

    async def _used(self, r: Reservation, transaction_id: str) -> None:
        op = functools.partial(
            rs.update, reservation_id=r.id, status="used", at=_now(), transaction_id=transaction_id
        )
        await self.ctx.store.write(op)
        self.index.drop(r.id)


def charger_update(
    db: Any, reservation_id: int, charger_id: str, status: str, at: datetime
) -> bool:
    """A 2.x ReservationStatusUpdate for one of this charger's reservations."""
    r = rs.get(db, reservation_id)
    if r is None or r.charger_id != charger_id:
        return False
    new = CHARGER_UPDATES.get(status, status.lower())
    return rs.update(db, reservation_id, new, at, charger_status=status)
