"""Ad-hoc card payment (flow B of the reference: a CSMS-side PSP, e.g. a kiosk reader or a
web checkout): hold -> remote start -> watch the running cost against the hold (raise it,
or stop the session when it cannot be raised) -> capture the CDR total (void at zero) ->
receipt.

State of one ad-hoc payment (`billing_adhoc.state`), each step idempotent and driven by the
payment task from the store, so a restart resumes where it was:

    HOLDING   hold requested; waits for the provider
    STARTING  hold AUTHORIZED, remote start sent with a one-off token (type Central)
    CHARGING  the charger started a transaction with that token (bound)
    STOPPING  the running cost reached `stop_at` of a hold that cannot be raised: stop sent
    SETTLING  the transaction ended and its CDR exists: capture (<= hold) or void queued
    DONE      captured or voided; the receipt is the CDR's
    FAILED    the hold was refused, or the charger refused the start (hold voided)
    VOIDED    no session started within `start_timeout_s`, or cancelled before it started
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from evgw._core import Tariff
from evgw.domain import IdToken, TokenStatus
from evgw.gateway._commands import Commander, CommandError
from evgw.store import Db, Store

from . import _payments as payments
from . import _tariffs as tariffs
from ._config import BillingConfig
from ._running import running_cost_op

log = logging.getLogger("evgw.billing.adhoc")

_COLUMNS = (
    "id, charger_id, evse_id, connector_id, id_token, transaction_id, state, detail, "
    "created_at, start_sent_at, stop_sent_at"
)
OPEN_STATES = ("HOLDING", "STARTING", "CHARGING", "STOPPING", "SETTLING")


class AdhocRefused(ValueError):
    pass


@attrs.frozen
class Adhoc:
    id: str
    charger_id: str
    evse_id: int
    connector_id: int
    id_token: str
    transaction_id: str | None
    state: str
    detail: str | None
    created_at: datetime
    start_sent_at: datetime | None
    stop_sent_at: datetime | None


def _row(db: Db, r: tuple[Any, ...]) -> Adhoc:
    created = db.dt(r[8])
    assert created is not None
    return Adhoc(
        *(r[0], r[1], int(r[2]), int(r[3]), r[4], r[5], r[6], r[7]),
        *(created, db.dt(r[9]), db.dt(r[10])),
    )


def get(db: Db, adhoc_id: str) -> Adhoc | None:
    r = db.one(f"SELECT {_COLUMNS} FROM billing_adhoc WHERE id = ?", (adhoc_id,))
    return None if r is None else _row(db, r)


def open_ones(db: Db) -> list[Adhoc]:
    marks = ", ".join("?" for _ in OPEN_STATES)
    rows = db.all(
        f"SELECT {_COLUMNS} FROM billing_adhoc WHERE state IN ({marks}) ORDER BY created_at",
        OPEN_STATES,
    )
    return [_row(db, r) for r in rows]


def _set(db: Db, adhoc_id: str, state: str, detail: str | None = None, **cols: Any) -> None:
    extra = "".join(f", {c} = ?" for c in cols)
    db.run(
        f"UPDATE billing_adhoc SET state = ?, detail = COALESCE(?, detail){extra} WHERE id = ?",
        (state, detail, *cols.values(), adhoc_id),
    )


def _currency(db: Db, charger_id: str, evse_id: int, connector_id: int) -> tuple[str, int]:
    site = db.one("SELECT site_id FROM chargers WHERE id = ?", (charger_id,))
    if site is None:
        raise AdhocRefused(f"unknown charger {charger_id!r}")
    place = tariffs.Place(charger_id, evse_id, connector_id, site[0], None)
    t = tariffs.resolve(db, place)
    if t is None:
        raise AdhocRefused("no tariff applies to this connector")
    return t.currency, Tariff(tariffs.canonical(t.body)).exponent


def create(
    cfg: BillingConfig,
    *,
    charger_id: str,
    evse_id: int,
    connector_id: int,
    payment_method: str,
    amount_minor: int | None,
) -> Any:
    """The store op that opens an ad-hoc payment and queues its hold; answers its id."""
    adhoc_id = "adhoc-" + secrets.token_hex(8)
    token = "PAY" + secrets.token_hex(6).upper()  # <= 20 characters: a 1.6 idTag

    def op(db: Db) -> str:
        currency, exponent = _currency(db, charger_id, evse_id, connector_id)
        now = db.ts(datetime.now(UTC))
        db.run(
            f"INSERT INTO billing_adhoc ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL, 'HOLDING', "
            "NULL, ?, NULL, NULL)",
            (adhoc_id, charger_id, evse_id, connector_id, token, now),
        )
        amount = amount_minor or cfg.payments.adhoc_hold_minor
        payments.request_hold(
            *(db, adhoc_id, amount, currency, exponent),
            payment_method=payment_method,
            account=f"receivable:{token}",
        )
        return adhoc_id

    return op


def cancel(db: Db, adhoc_id: str) -> Adhoc:
    """Cancel before the session started: the hold is voided."""
    a = get(db, adhoc_id)
    if a is None:
        raise KeyError(adhoc_id)
    if a.state not in {"HOLDING", "STARTING"}:
        raise AdhocRefused(f"the payment is {a.state}; stop the session instead")
    p = payments.get(db, adhoc_id)
    if p is not None and p.state in {"AUTHORIZED", "PENDING_HOLD"}:
        payments.request_void(db, adhoc_id)
    _set(db, adhoc_id, "VOIDED", "cancelled")
    return get(db, adhoc_id) or a


def view(db: Db, a: Adhoc, cfg: BillingConfig) -> dict[str, Any]:
    p = payments.get(db, a.id)
    running = None if a.transaction_id is None else running_cost_op(cfg, a.transaction_id)(db)
    return {
        "id": a.id,
        "state": a.state,
        "detail": a.detail,
        "charger_id": a.charger_id,
        "evse_id": a.evse_id,
        "connector_id": a.connector_id,
        "id_token": a.id_token,
        "transaction_id": a.transaction_id,
        "created_at": a.created_at.isoformat(),
        "payment": None if p is None else payment_view(p),
        "running_cost": None
        if running is None
        else {"incl_vat": str(running.incl_vat), "excl_vat": str(running.excl_vat)},
        "receipt": _receipt_path(db, a.transaction_id),
    }


def _receipt_path(db: Db, tx_id: str | None) -> str | None:
    """Where the session's receipt is, once its CDR exists."""
    if tx_id is None:
        return None
    row = db.one(
        "SELECT id FROM billing_cdrs WHERE transaction_id = ? AND kind = 'cdr' "
        "ORDER BY pricing_version DESC LIMIT 1",
        (tx_id,),
    )
    return None if row is None else f"/api/v1/cdrs/{row[0]}/receipt"


def payment_view(p: payments.Payment) -> dict[str, Any]:
    return {
        "session_id": p.session_id,
        "state": p.state,
        "currency": p.currency,
        "reference": p.reference,
        "held_minor": p.held_minor,
        "captured_minor": p.captured_minor,
        "refunded_minor": p.refunded_minor,
        "incremental": p.incremental,
        "increments": p.increments,
        "error": p.error,
    }


# -- the watch: one pass over the open ad-hoc payments ---------------------------------------


def _tx_by_token(db: Db, a: Adhoc) -> tuple[str, str | None, str | None] | None:
    r = db.one(
        "SELECT id, CAST(ocpp16_id AS TEXT), ocpp_tx_id FROM transactions WHERE charger_id = ? "
        "AND id_token = ? ORDER BY created_at LIMIT 1",
        (a.charger_id, a.id_token),
    )
    return None if r is None else (r[0], r[1], r[2])


def _settle(db: Db, a: Adhoc) -> str | None:
    """Queue the capture of the CDR total (at most the hold) once the CDR exists."""
    assert a.transaction_id is not None
    tx = db.one("SELECT status FROM transactions WHERE id = ?", (a.transaction_id,))
    if tx is None or tx[0] != "completed":
        return None
    cdr = db.one(
        "SELECT total_incl_vat FROM billing_cdrs WHERE transaction_id = ? AND kind = 'cdr' "
        "ORDER BY pricing_version DESC LIMIT 1",
        (a.transaction_id,),
    )
    if cdr is None:  # not issued yet, or held from automatic billing: wait (the hold stays)
        return None
    p = payments.get(db, a.id)
    assert p is not None
    owed = int(Decimal(cdr[0]).scaleb(p.exponent))
    amount = min(owed, p.held_minor)  # never more than authorised
    payments.request_capture(db, a.id, amount)
    note = None if owed <= p.held_minor else f"{owed - amount} minor units above the hold"
    _set(db, a.id, "SETTLING", note)
    return "SETTLING"


class AdhocWatcher:
    """Runs after every outbox drain (see `_payment_task.PaymentTask.watchers`)."""

    def __init__(
        self, store: Store, commander: Commander, cfg: BillingConfig, kick: Any = None
    ) -> None:
        self.store, self.commander, self.cfg = store, commander, cfg
        self.kick = kick or (lambda: None)

    async def __call__(self) -> None:
        for a in await self.store.read(open_ones):
            try:
                await self._step(a)
            except Exception:
                log.exception("ad-hoc payment %s: step failed; retried next pass", a.id)

    async def _step(self, a: Adhoc) -> None:
        p = await self.store.read(payments.reader(a.id))
        if p is None:
            return
        step = {
            "HOLDING": self._holding,
            "STARTING": self._starting,
            "CHARGING": self._charging,
            "STOPPING": self._charging,
            "SETTLING": self._settling,
        }[a.state]
        await step(a, p)

    async def _holding(self, a: Adhoc, p: payments.Payment) -> None:
        if p.state == "FAILED":
            await self.store.write(lambda db: _set(db, a.id, "FAILED", p.error))
        elif p.state == "AUTHORIZED":
            await self._start(a)

    async def _start(self, a: Adhoc) -> None:
        expires = datetime.now(UTC) + timedelta(days=1)
        await self.store.put_token(
            IdToken(a.id_token, "Central", TokenStatus.ACCEPTED, expires, owner=a.id)
        )
        now = datetime.now(UTC)
        await self.store.write(lambda db: _set(db, a.id, "STARTING", start_sent_at=db.ts(now)))
        info = self.commander.connection(a.charger_id)
        try:
            if info is not None and info.ocpp_version != "ocpp1.6":
                payload: dict[str, Any] = {
                    "idToken": {"idToken": a.id_token, "type": "Central"},
                    "remoteStartId": int(now.timestamp()) % 2_000_000_000,
                    "evseId": a.evse_id,
                }
                reply = await self.commander.call(a.charger_id, "RequestStartTransaction", payload)
            else:
                payload = {"connectorId": a.connector_id, "idTag": a.id_token}
                reply = await self.commander.call(a.charger_id, "RemoteStartTransaction", payload)
            refused = reply.get("status") != "Accepted"
            reason = f"charger answered {reply.get('status')}"
        except CommandError as e:
            refused, reason = True, f"start failed: {type(e).__name__}: {e}"
        if refused:
            await self.store.write(lambda db: self._fail(db, a.id, reason))
            self.kick()

    @staticmethod
    def _fail(db: Db, adhoc_id: str, reason: str) -> None:
        payments.request_void(db, adhoc_id)
        _set(db, adhoc_id, "FAILED", reason)

    async def _starting(self, a: Adhoc, p: payments.Payment) -> None:
        found = await self.store.read(lambda db: _tx_by_token(db, a))
        if found is not None:
            await self.store.write(lambda db: _set(db, a.id, "CHARGING", transaction_id=found[0]))
            return
        sent = a.start_sent_at or a.created_at
        if datetime.now(UTC) - sent > timedelta(seconds=self.cfg.payments.start_timeout_s):

            def void(db: Db) -> None:
                payments.request_void(db, a.id)
                _set(db, a.id, "VOIDED", "no session started in time")

            await self.store.write(void)
            self.kick()

    async def _charging(self, a: Adhoc, p: payments.Payment) -> None:
        assert a.transaction_id is not None
        tx_id = a.transaction_id
        settled = await self.store.write(lambda db: _settle(db, a))
        if settled:
            self.kick()
            return
        running = await self.store.read(running_cost_op(self.cfg, tx_id))
        if running is None or running.final or p.state != "AUTHORIZED":
            return
        share = running.minor / p.held_minor
        pc = self.cfg.payments
        if await self.store.read(lambda db: _increment_pending(db, a.id)):
            return
        can_raise = p.incremental and not await self.store.read(
            lambda db: _increment_failed(db, a.id)
        )
        if share >= pc.increment_at and can_raise and a.state == "CHARGING":
            new_total = int(p.held_minor * (1 + pc.increment_by))
            await self.store.write(lambda db: payments.request_increment(db, a.id, new_total))
            self.kick()
            return
        if share >= pc.stop_at and a.state == "CHARGING":
            await self._stop(a, tx_id)

    async def _stop(self, a: Adhoc, tx_id: str) -> None:
        now = datetime.now(UTC)
        await self.store.write(
            lambda db: _set(db, a.id, "STOPPING", "hold nearly used", stop_sent_at=db.ts(now))
        )
        ids = await self.store.read(lambda db: _tx_by_token(db, a))
        assert ids is not None
        try:
            if ids[1] is not None:
                payload: dict[str, Any] = {"transactionId": int(ids[1])}
                await self.commander.call(a.charger_id, "RemoteStopTransaction", payload)
            else:
                payload = {"transactionId": ids[2]}
                await self.commander.call(a.charger_id, "RequestStopTransaction", payload)
        except CommandError as e:
            log.warning("ad-hoc %s: stop of %s failed (%s); retried", a.id, tx_id, e)
            await self.store.write(lambda db: _set(db, a.id, "CHARGING"))

    async def _settling(self, a: Adhoc, p: payments.Payment) -> None:
        if p.state in {"CAPTURED", "VOIDED"}:
            await self.store.write(lambda db: _set(db, a.id, "DONE"))


def _increment_pending(db: Db, adhoc_id: str) -> bool:
    return (
        db.one(
            "SELECT 1 FROM billing_outbox WHERE session_id = ? AND op = 'increment' "
            "AND state = 'pending'",
            (adhoc_id,),
        )
        is not None
    )


def _increment_failed(db: Db, adhoc_id: str) -> bool:
    return (
        db.one(
            "SELECT 1 FROM billing_outbox WHERE session_id = ? AND op = 'increment' "
            "AND state = 'failed'",
            (adhoc_id,),
        )
        is not None
    )
