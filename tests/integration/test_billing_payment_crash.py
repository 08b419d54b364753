"""A crash between the capture and its ledger entry, for real: an `evgw serve` process with
the Stripe provider (pointed at the local stand-in of Stripe's API) bills an ad-hoc session,
sends the capture, and is killed with SIGKILL while Stripe has captured but not yet answered.
After a restart the outbox sends the capture again with the same idempotency key, Stripe
answers its stored result, and evgw records it once: one capture at Stripe, one journal."""

from __future__ import annotations

import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import trio
from evgw.billing import BillingConfig
from evgw.billing import _adhoc as adhoc
from evgw.billing import _ledger as ledger
from evgw.billing import _payments as payments
from evgw.billing import _tariffs as tariffs
from evgw.domain import ChargerRegistration
from evgw.security import hash_password
from evgw.store import Db, open_store
from evgw.testing import connect_charger
from evgw.testing.stripe_standin import StripeStandIn

from tests.integration.test_crash_recovery import BOOT, PASSWORD, ServerProcess

TARIFF = {
    "currency": "EUR",
    "elements": [
        {"price_components": [{"type": "ENERGY", "price": 0.50, "vat": 20.0, "step_size": 1}]}
    ],
}


def now_ts(offset_s: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset_s)).isoformat()


def config(tmp_path: Path, db: str, standin: StripeStandIn) -> Path:
    path = tmp_path / "evgw.toml"
    path.write_text(
        f'[ocpp]\nlisten = "127.0.0.1:0"\nspool_dir = "{tmp_path / "spool"}"\n'
        f'[api]\nlisten = "127.0.0.1:0"\n[store]\nurl = "{db}"\n'
        "[plugins]\nentry_points = false\n"
        "[billing]\nsweep_interval_s = 0.2\ncost_update_interval_s = 0\n"
        f'[billing.payments]\nprovider = "stripe"\nstripe_api_key = "{standin.api_key}"\n'
        f'stripe_api_base = "{standin.api_base}"\ndrain_interval_s = 0.1\n'
        "watch_interval_s = 0.1\n"
    )
    return path


def setup(db: Db) -> None:
    tariffs.save(db, "T1", TARIFF, "EUR")
    tariffs.assign(db, "default", "*", "T1")


async def wait_for(check: Callable[[], Awaitable[bool]], within: float = 20.0) -> None:
    with trio.fail_after(within):
        for _ in range(int(within / 0.05) + 1):
            if await check():
                return
            await trio.sleep(0.05)


async def test_kill9_between_capture_and_ledger_charges_once(tmp_path: Path) -> None:
    standin = StripeStandIn().start()
    url = f"sqlite:///{tmp_path / 'pay.db'}"
    store = await open_store(url)
    try:
        await store.put_charger(
            ChargerRegistration(id="CP1", password_hash=hash_password(PASSWORD))
        )
        await store.write(setup)
        standin.capture_delay_s = 5.0  # Stripe captured; its answer is slow to come back
        server = ServerProcess(config(tmp_path, url, standin))
        async with trio.open_nursery() as nursery:
            await server.start(nursery)
            charger_url = f"{server.url()}/CP1"
            async with connect_charger(charger_url, user="CP1", password=PASSWORD) as cp:
                await cp.result("BootNotification", BOOT)
                adhoc_id = await store.write(  # what POST /payments/adhoc does
                    adhoc.create(
                        BillingConfig(),
                        charger_id="CP1",
                        evse_id=1,
                        connector_id=1,
                        payment_method="pm_card_visa",
                        amount_minor=2000,
                    )
                )

                async def started() -> bool:
                    return any(f[2] == "RemoteStartTransaction" for f in cp.received_calls)

                await wait_for(started)
                start = next(f[3] for f in cp.received_calls if f[2] == "RemoteStartTransaction")
                begin = {
                    "connectorId": 1,
                    "idTag": start["idTag"],
                    "meterStart": 0,
                    "timestamp": now_ts(-3600),
                }
                tx = (await cp.result("StartTransaction", begin))["transactionId"]
                stop = {"transactionId": tx, "meterStop": 10_000, "timestamp": now_ts(0)}
                await cp.result("StopTransaction", stop)

                async def capture_sent() -> bool:
                    return bool(standin.captures())

                await wait_for(capture_sent)
            await server.kill(signal.SIGKILL)  # Stripe captured, evgw recorded nothing

            p = await store.read(payments.reader(adhoc_id))
            assert p is not None
            assert (p.state, p.captured_minor) == ("AUTHORIZED", 0)
            pi = standin.intents[p.reference or ""]
            assert (pi.status, pi.amount_received) == ("succeeded", 600)  # 10 kWh x 0.60
            assert ("psp_clearing", "EUR") not in await store.read(ledger.balances)

            await server.start(nursery)

            async def captured() -> bool:
                found = await store.read(payments.reader(adhoc_id))
                return found is not None and found.state == "CAPTURED"

            await wait_for(captured)
            await server.kill(signal.SIGTERM)

        key = f"capture:{adhoc_id}"
        assert standin.captures() == [key, key]  # sent again, with the same key
        assert pi.amount_received == 600  # charged once
        books = await store.read(ledger.balances)
        assert books[("psp_clearing", "EUR")] == Decimal("6.00")
        assert await store.read(ledger.trial_balance) == {"EUR": 0}
        journals = await store.read(
            lambda db: db.all("SELECT key FROM billing_journals WHERE key LIKE 'payment:%'")
        )
        assert [j[0] for j in journals] == [f"payment:{key}"]
    finally:
        await store.aclose()
        standin.stop()
