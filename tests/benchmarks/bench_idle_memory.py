"""Server memory per idle connection: evgw (booted 1.6 chargers) beside the floor
(a bare trio-websocket server, bench_ws_floor.py), measured the same way in one run.

Chargers use security profile 0 here so that set-up is not dominated by one scrypt password
check per handshake (authentication leaves nothing per connection behind). Each server gets
`--base` connections first (warm-up: allocator arenas, caches), then
`--connections` more; the RSS growth over the second batch divided by its size is the cost of
one idle connection.

    ulimit -n 20000; .venv/bin/python tests/benchmarks/bench_idle_memory.py --connections 4000
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trio
from evgw.testing import wait_until
from trio_websocket import open_websocket_url

sys.path.insert(0, str(Path(__file__).parent))
from bench_gateway_path import PASSWORD, basic_auth_header, prepare, start_server

FLOOR_PORT = 9557


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def idle(url: str, cid: str, ready: list[int], stop: trio.Event) -> None:
    headers = [basic_auth_header(cid, PASSWORD)]
    async with open_websocket_url(
        f"{url}/{cid}", subprotocols=["ocpp1.6"], extra_headers=headers
    ) as ws:
        boot = '[2,"b","BootNotification",{"chargePointVendor":"v","chargePointModel":"m"}]'
        await ws.send_message(boot)
        await ws.get_message()
        ready[0] += 1
        await stop.wait()


async def measure(url: str, pid: int, base: int, extra: int) -> dict[str, float]:
    stop, ready = trio.Event(), [0]
    async with trio.open_nursery() as nursery:

        async def open_batch(first: int, count: int) -> None:
            for i in range(first, first + count):
                nursery.start_soon(idle, url, f"B{i:05d}", ready, stop)
                if i % 50 == 0:
                    await trio.sleep(0.02)
            await wait_until(lambda: ready[0] >= first + count, within=600, interval=0.1)
            await trio.sleep(2)

        await open_batch(0, base)
        before = rss_kib(pid)
        await open_batch(base, extra)
        after = rss_kib(pid)
        stop.set()
    return {"rss_mb": round(after / 1024), "kib_per_connection": round((after - before) / extra, 1)}


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM (a graceful drain of thousands of connections can take a while), then SIGKILL."""
    proc.terminate()
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", type=int, default=500)
    parser.add_argument("--connections", type=int, default=4000)
    args = parser.parse_args()
    total = args.base + args.connections
    results: dict[str, object] = {"connections": args.connections}
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/bench.db"
        trio.run(prepare, db, total, 0)  # profile 0: scrypt per handshake is not the subject
        proc, url = start_server(tmp, db)
        try:
            results["evgw"] = trio.run(measure, url, proc.pid, args.base, args.connections)
        finally:
            _stop(proc)
    floor = Path(__file__).with_name("bench_ws_floor.py")
    cmd = [sys.executable, str(floor), "--serve", "--port", str(FLOOR_PORT)]
    proc = subprocess.Popen(cmd)
    try:
        time.sleep(5)
        url = f"ws://127.0.0.1:{FLOOR_PORT}/floor"
        results["floor"] = trio.run(measure, url, proc.pid, args.base, args.connections)
    finally:
        _stop(proc)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
