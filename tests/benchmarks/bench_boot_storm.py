"""Server cost of a boot storm: N chargers connect at once (HTTP Basic, security profile 1),
boot and report 3 connector statuses; then every TCP stream is cut at once and all reconnect
together and do it again. Measured on a real `evgw serve` (SQLite, synchronous=FULL) in its
own process: wall time of each wave and the server's CPU seconds (from /proc), also for
absorbing the N disconnects.

The chargers here are a lean raw-socket WebSocket client (masked frames with a zero key, no
library), so that a few thousand of them cost this process little and the figures are the
server's; the load tests (`loadtests/scenarios/bootstorm.toml`) run the full simulator.
Passwords are stored with the load tests' cheap scrypt parameters (the KDF is not measured).

    .venv/bin/python tests/benchmarks/bench_boot_storm.py --chargers 3000
"""

from __future__ import annotations

import argparse
import base64
import json
import struct
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import trio
from evgw.domain import BootPolicy, ChargerRegistration
from evgw.store import open_store
from evgw.testing.fleet import raise_fd_limit

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[2]))
from bench_gateway_path import cpu_seconds, start_server

from loadtests.targets import PASSWORD, cheap_scrypt_hash

KEY = base64.b64encode(b"0123456789abcdef").decode()


async def prepare(db_url: str, n: int) -> None:
    store = await open_store(db_url)
    secret = cheap_scrypt_hash(PASSWORD)
    try:
        for i in range(n):
            reg = ChargerRegistration(
                id=f"S{i:05d}",
                security_profile=1,
                password_hash=secret,
                boot_policy=BootPolicy.ACCEPTED,
            )
            await store.put_charger(reg)
    finally:
        await store.aclose()


def frame(text: str) -> bytes:
    """A masked text frame (the zero mask key leaves the payload as is)."""
    data = text.encode()
    n = len(data)
    head = bytes([0x81, 0x80 | n]) if n < 126 else bytes([0x81, 0xFE]) + struct.pack("!H", n)
    return head + b"\0\0\0\0" + data


class RawCharger:
    def __init__(self, host: str, port: int, path: str, cid: str) -> None:
        self.host, self.port, self.path, self.cid = host, port, path, cid
        self.sock: trio.SocketStream | None = None
        self.buf = b""

    async def connect(self) -> None:
        self.sock = await trio.open_tcp_stream(self.host, self.port)
        auth = base64.b64encode(f"{self.cid}:{PASSWORD}".encode()).decode()
        request = (
            f"GET {self.path}/{self.cid} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Protocol: ocpp1.6\r\nAuthorization: Basic {auth}\r\n\r\n"
        )
        await self.sock.send_all(request.encode())
        while b"\r\n\r\n" not in self.buf:
            await self._more()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise RuntimeError(f"{self.cid}: refused: {head[:40]!r}")

    async def _more(self) -> None:
        assert self.sock is not None
        chunk = await self.sock.receive_some(65536)
        if not chunk:
            raise RuntimeError(f"{self.cid}: closed by the server")
        self.buf += chunk

    async def _message(self) -> str:
        while True:
            while len(self.buf) < 2:
                await self._more()
            opcode, n = self.buf[0] & 0x0F, self.buf[1] & 0x7F
            start = 2
            if n == 126:
                while len(self.buf) < 4:
                    await self._more()
                n, start = struct.unpack("!H", self.buf[2:4])[0], 4
            while len(self.buf) < start + n:
                await self._more()
            payload, self.buf = self.buf[start : start + n], self.buf[start + n :]
            if opcode == 0x9:  # ping: answer with a masked pong
                assert self.sock is not None
                await self.sock.send_all(bytes([0x8A, 0x80 | n]) + b"\0\0\0\0" + payload)
                continue
            return payload.decode()

    async def call(self, action: str, payload: dict[str, Any]) -> Any:
        assert self.sock is not None
        await self.sock.send_all(frame(json.dumps([2, "1", action, payload])))
        reply = json.loads(await self._message())
        if reply[0] != 3:
            raise RuntimeError(f"{self.cid}: {action}: {reply}")
        return reply[2]

    async def boot_and_report(self) -> None:
        await self.connect()
        boot = await self.call(
            "BootNotification", {"chargePointVendor": "bench", "chargePointModel": "storm"}
        )
        assert boot["status"] == "Accepted", boot
        for connector in (0, 1, 2):
            status = {"connectorId": connector, "errorCode": "NoError", "status": "Available"}
            await self.call("StatusNotification", status)

    async def drop(self) -> None:
        if self.sock is not None:
            await trio.aclose_forcefully(self.sock)
            self.sock, self.buf = None, b""


async def wave(chargers: list[RawCharger], pid: int) -> dict[str, float]:
    cpu0, t0 = cpu_seconds(pid), time.perf_counter()
    async with trio.open_nursery() as nursery:
        for c in chargers:
            nursery.start_soon(c.boot_and_report)
    wall, cpu = time.perf_counter() - t0, cpu_seconds(pid) - cpu0
    n = len(chargers)
    return {
        "seconds": round(wall, 2),
        "server_cpu_s": round(cpu, 2),
        "server_cpu_ms_per_charger": round(cpu / n * 1000, 3),
    }


async def settle(pid: int, quiet_s: float = 2.0) -> float:
    """Server CPU seconds until it stays idle for `quiet_s` (disconnects absorbed)."""
    start = last = cpu_seconds(pid)
    while True:
        await trio.sleep(quiet_s)
        now = cpu_seconds(pid)
        if now - last < 0.05 * quiet_s:
            return now - start
        last = now


async def drive(url: str, n: int, pid: int) -> dict[str, Any]:
    hostport, _, path = url.removeprefix("ws://").partition("/")
    host, _, port = hostport.partition(":")
    chargers = [RawCharger(host, int(port), "/" + path, f"S{i:05d}") for i in range(n)]
    await settle(pid)
    first = await wave(chargers, pid)
    await settle(pid)
    async with trio.open_nursery() as nursery:
        for c in chargers:
            nursery.start_soon(c.drop)
    dropped = await settle(pid)
    storm = await wave(chargers, pid)
    for c in chargers:
        await c.drop()
    return {
        "chargers": n,
        "first": first,
        "disconnects_server_cpu_s": round(dropped, 2),
        "storm": storm,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chargers", type=int, default=2000)
    args = parser.parse_args()
    raise_fd_limit()  # the server inherits it
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/bench.db"
        trio.run(prepare, db, args.chargers)
        proc, url = start_server(tmp, db)
        try:
            result = trio.run(drive, url, args.chargers, proc.pid)
        finally:
            proc.terminate()
            proc.wait(30)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
