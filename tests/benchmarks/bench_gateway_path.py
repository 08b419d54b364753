"""Full path of one MeterValues message: WebSocket frame in -> decode + validate -> handler ->
durable commit (SQLite, synchronous=FULL) -> reply out, measured on a real `evgw serve`.

The server runs in its own process; this process drives N chargers over real sockets, each in
a closed loop (send MeterValues of a running transaction with 10 sampled values, wait for the
reply). Reported: messages/s, round-trip p50/p99, and the server's CPU time per message (from
/proc, so the client's own cost is not counted), split into the trio thread (the process's
main thread: sockets, decode, handler) and the other threads (the store writer: INSERTs,
COMMIT with fsync), user and system time each; and the store's group commits in the window
from /metrics (commits, operations per commit, mean commit duration).

    .venv/bin/python tests/benchmarks/bench_gateway_path.py --chargers 50 --seconds 20
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trio
from evgw.domain import BootPolicy, ChargerRegistration, IdToken, TokenStatus
from evgw.security import hash_password
from evgw.store import open_store
from evgw.testing import basic_auth_header
from trio_websocket import open_websocket_url

PASSWORD = "bench-password-0123456789"
_PORT = re.compile(rb"OCPP:\s+ws://127\.0\.0\.1:(\d+)/")
_METRICS = re.compile(rb"Metrics:\s+(http://\S+)")


def meter_frame(message_id: str, tx: int, wh: int) -> str:
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    values = [
        {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
        {"value": "7360", "measurand": "Power.Active.Import", "unit": "W"},
        *(
            {"value": "10.6", "measurand": "Current.Import", "phase": p, "unit": "A"}
            for p in ("L1", "L2", "L3")
        ),
        *(
            {"value": "230.1", "measurand": "Voltage", "phase": p, "unit": "V"}
            for p in ("L1-N", "L2-N", "L3-N")
        ),
        {"value": "42", "measurand": "SoC", "unit": "Percent"},
        {"value": "31.5", "measurand": "Temperature", "unit": "Celsius"},
    ]
    payload = {
        "connectorId": 1,
        "transactionId": tx,
        "meterValue": [{"timestamp": now, "sampledValue": values}],
    }
    return json.dumps([2, message_id, "MeterValues", payload])


async def prepare(db_url: str, n: int, profile: int = 1) -> None:
    store = await open_store(db_url)
    try:
        hashed = hash_password(PASSWORD) if profile else None
        for i in range(n):
            await store.put_charger(
                ChargerRegistration(
                    id=f"B{i:05d}",
                    security_profile=profile,
                    password_hash=hashed,
                    boot_policy=BootPolicy.ACCEPTED,
                )
            )
        await store.put_token(IdToken(id="BENCH", status=TokenStatus.ACCEPTED))
    finally:
        await store.aclose()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def thread_cpu(pid: int) -> dict[str, float]:
    """User and system seconds of the main (trio) thread and of all other threads together
    (the process's totals, which keep the time of threads that ended, less the main's)."""
    tick = os.sysconf("SC_CLK_TCK")

    def user_sys(path: str) -> tuple[float, float]:
        fields = Path(path).read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) / tick, int(fields[12]) / tick

    main_user, main_sys = user_sys(f"/proc/{pid}/task/{pid}/stat")
    all_user, all_sys = user_sys(f"/proc/{pid}/stat")
    return {
        "main_user": main_user,
        "main_sys": main_sys,
        "other_user": all_user - main_user,
        "other_sys": all_sys - main_sys,
    }


def store_commits(metrics_url: str) -> dict[str, float]:
    """evgw_store_batch_size / evgw_store_commit_seconds sums and counts from /metrics."""
    with urllib.request.urlopen(metrics_url, timeout=10) as response:
        text = response.read().decode()
    names = (
        "evgw_store_batch_size_count",
        "evgw_store_batch_size_sum",
        "evgw_store_commit_seconds_sum",
    )
    values = dict.fromkeys(names, 0.0)
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in values:
            values[name] = float(value)
    return values


async def charger(url: str, cid: str, stop: trio.Event, rtts: list[float]) -> None:
    headers = [basic_auth_header(cid, PASSWORD)]
    async with open_websocket_url(
        f"{url}/{cid}", subprotocols=["ocpp1.6"], extra_headers=headers
    ) as ws:
        boot = {"chargePointVendor": "bench", "chargePointModel": "m"}
        await ws.send_message(json.dumps([2, "b", "BootNotification", boot]))
        await ws.get_message()
        start = {
            "connectorId": 1,
            "idTag": "BENCH",
            "meterStart": 0,
            "timestamp": datetime.now(UTC).isoformat(),
        }
        await ws.send_message(json.dumps([2, "s", "StartTransaction", start]))
        tx = json.loads(await ws.get_message())[2]["transactionId"]
        for n in itertools.count(1):
            if stop.is_set():
                return
            frame = meter_frame(f"m{n}", tx, n * 10)
            t0 = time.perf_counter()
            await ws.send_message(frame)
            reply = await ws.get_message()
            rtts.append(time.perf_counter() - t0)
            assert isinstance(reply, str), reply
            assert reply.startswith("[3,"), reply


async def drive(url: str, metrics_url: str, n: int, seconds: float, pid: int) -> dict[str, Any]:
    warm: list[float] = []
    rtts: list[float] = []
    stop = trio.Event()
    async with trio.open_nursery() as nursery:
        for i in range(n):
            nursery.start_soon(charger, url, f"B{i:05d}", stop, warm)
        await trio.sleep(3)  # connect, boot, start; warm up
        warm.clear()
        store0 = await trio.to_thread.run_sync(store_commits, metrics_url)
        threads0, cpu0, t0 = thread_cpu(pid), cpu_seconds(pid), time.perf_counter()
        await trio.sleep(seconds)
        threads1, cpu1, t1 = thread_cpu(pid), cpu_seconds(pid), time.perf_counter()
        store1 = await trio.to_thread.run_sync(store_commits, metrics_url)
        rtts.extend(warm)
        stop.set()
    count = len(rtts)
    quantiles = statistics.quantiles(rtts, n=100)
    return {
        "chargers": n,
        "messages": count,
        "messages_per_s": round(count / (t1 - t0)),
        "rtt_p50_ms": round(quantiles[49] * 1000, 2),
        "rtt_p99_ms": round(quantiles[98] * 1000, 2),
        "server_cpu_us_per_message": round((cpu1 - cpu0) / count * 1e6, 1),
        "server_cpu_us_per_message_by_thread": {
            key: round((threads1[key] - threads0[key]) / count * 1e6, 1) for key in threads0
        },
        **commit_figures(store0, store1),
    }


def commit_figures(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    commits = after["evgw_store_batch_size_count"] - before["evgw_store_batch_size_count"]
    ops = after["evgw_store_batch_size_sum"] - before["evgw_store_batch_size_sum"]
    seconds = after["evgw_store_commit_seconds_sum"] - before["evgw_store_commit_seconds_sum"]
    return {
        "store_commits": commits,
        "store_ops_per_commit": round(ops / commits, 2) if commits else 0.0,
        "store_commit_ms_mean": round(seconds / commits * 1000, 2) if commits else 0.0,
    }


def start_server(tmp: str, db: str) -> tuple[subprocess.Popen[bytes], str, str]:
    config = Path(tmp, "evgw.toml")
    config.write_text(
        f'[ocpp]\nlisten = "127.0.0.1:0"\nspool_dir = "{tmp}/spool"\n'
        f"messages_per_second = 1000.0\n"
        f'[api]\nlisten = "127.0.0.1:0"\n[store]\nurl = "{db}"\n'
        f"[plugins]\nentry_points = false\n"
    )
    cmd = [sys.executable, "-m", "evgw", "serve", "--config", str(config)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert proc.stdout is not None
    lines = b""
    while not (_PORT.search(lines) and _METRICS.search(lines)):
        chunk = proc.stdout.readline()
        if not chunk:
            raise SystemExit("server exited")
        lines += chunk
    port, metrics = _PORT.search(lines), _METRICS.search(lines)
    assert port is not None
    assert metrics is not None
    print(f"server pid {proc.pid}", file=sys.stderr)
    return proc, f"ws://127.0.0.1:{int(port.group(1))}/ocpp", metrics.group(1).decode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chargers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--db", help="store URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or f"sqlite:///{tmp}/bench.db"
        trio.run(prepare, db, args.chargers)
        proc, url, metrics_url = start_server(tmp, db)
        try:
            result = trio.run(drive, url, metrics_url, args.chargers, args.seconds, proc.pid)
        finally:
            proc.terminate()
            proc.wait(10)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
