"""The billing component's payment task: drains the outbox of provider calls and watches
ad-hoc sessions against their holds.

It runs beside charging, never in its way: the OCPP handlers and the CDR path only write
intents (committed), this task makes the provider calls (in a worker thread, bounded by
the provider's timeout) and records their results. A failing provider backs the intent off
(1 s, 2 s, 4 s, ... up to 5 min) and the task goes on with the others.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import trio

from evgw.store import Store

from . import _metrics as metrics
from . import _payments as payments
from ._config import PaymentsConfig
from ._payments import PaymentProvider

log = logging.getLogger("evgw.billing.payments")


def make_provider(cfg: PaymentsConfig) -> PaymentProvider | None:
    """The configured provider, or None for `provider = "none"`."""
    if cfg.provider == "stripe":
        from ._stripe import StripeProvider  # noqa: PLC0415 (only when configured)

        key = cfg.stripe_api_key or os.environ.get("EVGW_STRIPE_API_KEY", "")
        if not key:
            raise ValueError("billing.payments.provider = 'stripe' needs stripe_api_key")
        return StripeProvider(key, api_base=cfg.stripe_api_base or None)
    return None


def webhook_secret(cfg: PaymentsConfig) -> str:
    return cfg.stripe_webhook_secret or os.environ.get("EVGW_STRIPE_WEBHOOK_SECRET", "")


async def drain_due(
    store: Store, psp: PaymentProvider, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> int:
    """One pass over the intents that are due; answers how many results were recorded."""
    recorded = 0
    for intent in await store.read(lambda db: payments.pending(db, now())):
        key, op, session_id, _ = intent
        payment = await store.read(payments.reader(session_id))
        if payment is None:
            continue
        try:
            result = await trio.to_thread.run_sync(payments.call, psp, intent, payment)
        except Exception as e:  # an outage, or a provider bug: back off, keep going
            delay = await store.write(payments.backoff(key, f"{type(e).__name__}: {e}", now()))
            metrics.PAYMENT_CALLS.labels(op, "error").inc()
            log.warning("payment %s failed (%s); retry in %.0f s", key, e, delay)
            continue
        await store.write(payments.recorder(key, op, payment, result))
        metrics.PAYMENT_CALLS.labels(op, "ok" if result.ok else "failed").inc()
        recorded += 1
    return recorded


class PaymentTask:
    """Owned by the billing component; `kick()` wakes it when an intent was written."""

    def __init__(self, store: Store, cfg: PaymentsConfig, psp: PaymentProvider) -> None:
        self.store, self.cfg, self.psp = store, cfg, psp
        self._wake = trio.Event()
        self.passes = 0
        self.watchers: list[Callable[[], Awaitable[None]]] = []  # run after every drain

    def kick(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            self._wake = trio.Event()
            try:
                while await drain_due(self.store, self.psp):
                    pass
                for watch in self.watchers:
                    await watch()
                pending, oldest = await self.store.read(metrics.outbox_state)
                metrics.show_outbox(pending, oldest, datetime.now(UTC))
            except Exception:
                log.exception("payment pass failed; retrying")
            self.passes += 1
            with trio.move_on_after(self.cfg.drain_interval_s):
                await self._wake.wait()
