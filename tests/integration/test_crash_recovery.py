"""kill -9 the server while 50 chargers are mid-transaction, restart it, and check that every
acknowledged StartTransaction/StopTransaction is in the store exactly once.

The chargers behave like real ones: a message that was not answered is resent (same payload)
after reconnecting, so the server sees duplicates across the crash."""

from __future__ import annotations

import functools
import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import trio
from evgw.domain import ChargerRegistration, IdToken
from evgw.security import hash_password
from evgw.store import open_store
from evgw.testing import connect_charger

CHARGERS = 50
PASSWORD = "crash-test-password"
BOOT = {"chargePointVendor": "Crash", "chargePointModel": "Test"}
_PORT_LINE = re.compile(rb"OCPP:\s+ws://127\.0\.0\.1:(\d+)/")


@attrs.define
class Ledger:
    """What the chargers saw acknowledged."""

    starts: dict[tuple[str, int], int] = attrs.field(factory=dict)  # (charger, n) -> tx id
    stops: dict[tuple[str, int], int] = attrs.field(factory=dict)  # (charger, tx id) -> meterStop
    sent: int = 0


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for sub in exc.exceptions for leaf in _leaves(sub)]
    return [exc]


def _connection_lost(exc: BaseException) -> bool:
    lost = (OSError, trio.TooSlowError, trio.EndOfChannel, trio.BrokenResourceError)
    names = {
        "ConnectionClosed",
        "HandshakeError",
        "ConnectionRejected",
        "ConnectionTimeout",
        "DisconnectionTimeout",
    }
    return all(isinstance(e, lost) or type(e).__name__ in names for e in _leaves(exc))


class SimCharger:
    #: trio-websocket's timeouts: the handshake (Basic auth runs a KDF: slow when many
    #: chargers reconnect at once) and the closing handshake (a killed server never answers)
    connect_timeout_s: float = 60.0
    disconnect_timeout_s: float = 60.0

    def __init__(self, charger_id: str, ledger: Ledger) -> None:
        self.id = charger_id
        self.ledger = ledger
        self.n = 0
        self.pending: tuple[str, dict[str, Any]] | None = None
        self.open_tx: int | None = None
        self.t0 = datetime(2026, 1, 1, tzinfo=UTC)

    def _next(self) -> tuple[str, dict[str, Any]]:
        if self.open_tx is None:
            self.n += 1
            ts = (self.t0 + timedelta(minutes=self.n)).isoformat()
            return "StartTransaction", {
                "connectorId": 1,
                "idTag": "TAG1",
                "meterStart": self.n * 1000,
                "timestamp": ts,
            }
        ts = (self.t0 + timedelta(minutes=self.n, seconds=30)).isoformat()
        return "StopTransaction", {
            "transactionId": self.open_tx,
            "meterStop": self.n * 1000 + 500,
            "timestamp": ts,
        }

    def _acknowledged(self, action: str, payload: dict[str, Any], reply: dict[str, Any]) -> None:
        if action == "StartTransaction":
            self.open_tx = reply["transactionId"]
            self.ledger.starts[(self.id, self.n)] = reply["transactionId"]
        else:
            self.ledger.stops[(self.id, payload["transactionId"])] = payload["meterStop"]
            self.open_tx = None

    async def live(self, url: Callable[[], str], stopping: trio.Event) -> None:
        while not (stopping.is_set() and self.pending is None):
            try:
                await self._session(url(), stopping)
            except BaseException as exc:
                if not _connection_lost(exc):
                    raise
                await trio.sleep(0.05)

    async def _session(self, url: str, stopping: trio.Event) -> None:
        async with connect_charger(
            f"{url}/{self.id}",
            user=self.id,
            password=PASSWORD,
            connect_timeout=self.connect_timeout_s,
            disconnect_timeout=self.disconnect_timeout_s,
        ) as cp:
            await cp.result("BootNotification", BOOT)
            while True:
                if self.pending is None:
                    if stopping.is_set():
                        return
                    self.pending = self._next()
                action, payload = self.pending
                self.ledger.sent += 1
                reply = await cp.call(action, payload, timeout=3)
                assert reply[0] == 3, reply  # never a CALLERROR for a transaction message
                self._acknowledged(action, payload, reply[2])
                self.pending = None


class ServerProcess:
    def __init__(self, config: Path) -> None:
        self.config = config
        self.proc: trio.Process | None = None
        self.port = 0

    async def start(self, nursery: trio.Nursery) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = await nursery.start(
            functools.partial(
                trio.run_process,
                [sys.executable, "-m", "evgw", "serve", "--config", str(self.config)],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
                check=False,
            )
        )
        assert self.proc.stdout is not None
        buffer = b""
        with trio.fail_after(30):
            while not (match := _PORT_LINE.search(buffer)):
                chunk = await self.proc.stdout.receive_some()
                assert chunk, f"server exited: {buffer!r}"
                buffer += chunk
        self.port = int(match.group(1))
        nursery.start_soon(self._drain_stdout)

    async def _drain_stdout(self) -> None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        while await self.proc.stdout.receive_some():
            pass

    async def kill(self, sig: int = signal.SIGKILL) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)
        with trio.fail_after(30):
            await self.proc.wait()

    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ocpp"


async def _prepare(tmp_path: Path) -> Path:
    db = f"sqlite:///{tmp_path / 'crash.db'}"
    store = await open_store(db)
    secret = hash_password(PASSWORD)
    for i in range(CHARGERS):
        await store.put_charger(ChargerRegistration(id=f"CR{i:02d}", password_hash=secret))
    await store.put_token(IdToken(id="TAG1"))
    await store.aclose()
    config = tmp_path / "evgw.toml"
    config.write_text(
        f'[ocpp]\nlisten = "127.0.0.1:0"\nspool_dir = "{tmp_path / "spool"}"\n'
        f"message_burst = 1000\nmessages_per_second = 1000.0\n"
        f'[api]\nlisten = "127.0.0.1:0"\n[store]\nurl = "{db}"\n[plugins]\nentry_points = false\n'
    )
    return config


async def _verify(tmp_path: Path, ledger: Ledger) -> None:
    store = await open_store(f"sqlite:///{tmp_path / 'crash.db'}")
    try:
        for i in range(CHARGERS):
            charger = f"CR{i:02d}"
            txs = await store.list_transactions(charger_id=charger, limit=10_000)
            keys = [(t.connector_id, t.id_token, t.meter_start_wh, t.started_at) for t in txs]
            assert len(keys) == len(set(keys)), f"{charger}: a start was stored twice"
            by_16 = {t.ocpp16_id: t for t in txs}
            assert len(by_16) == len(txs)
            acked = {n: tx for (cid, n), tx in ledger.starts.items() if cid == charger}
            for tx16 in acked.values():
                assert tx16 in by_16, f"{charger}: acknowledged start {tx16} lost"
            for (cid, tx16), meter_stop in ledger.stops.items():
                if cid == charger:
                    stored = by_16[tx16]
                    assert (stored.status, stored.meter_stop_wh) == ("completed", meter_stop)
        flags = await store.list_flags(limit=10_000)
        assert not [f for f in flags if f.kind == "orphan_stop"]
    finally:
        await store.aclose()


async def test_kill9_mid_transactions_loses_nothing(tmp_path: Path) -> None:
    config = await _prepare(tmp_path)
    ledger = Ledger()
    server = ServerProcess(config)
    stopping = trio.Event()
    async with trio.open_nursery() as nursery:
        await server.start(nursery)
        async with trio.open_nursery() as fleet:
            for i in range(CHARGERS):
                fleet.start_soon(SimCharger(f"CR{i:02d}", ledger).live, server.url, stopping)
            await trio.sleep(3)
            acked_before = len(ledger.starts) + len(ledger.stops)
            await server.kill(signal.SIGKILL)
            await trio.sleep(0.5)
            await server.start(nursery)
            await trio.sleep(3)
            stopping.set()
        await server.kill(signal.SIGTERM)
    assert acked_before > CHARGERS, "the fleet did not get going before the crash"
    assert len(ledger.starts) > acked_before // 2
    await _verify(tmp_path, ledger)
