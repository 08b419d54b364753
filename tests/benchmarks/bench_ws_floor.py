"""The floor under evgw's full-path cost: a WebSocket server that does nothing but answer
each frame (no decode, no handler, no store), driven exactly like bench_gateway_path.py.

`--engine evgw` (default) is the gateway's own engine (evgw.gateway._upgrade/_ws over the Rust
framer); `--engine trio-websocket` the library the gateway used before. Server CPU per message
here is what the WebSocket layer (trio + the engine + loopback TCP) costs by itself at the same
concurrency and reply latency; evgw's own work is the difference.

    .venv/bin/python tests/benchmarks/bench_ws_floor.py --chargers 50 --seconds 15 --delay-ms 60
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import trio
from evgw.gateway._upgrade import ClientGone, read_request
from trio_websocket import WebSocketRequest, open_websocket_url, serve_websocket

sys.path.insert(0, str(Path(__file__).parent))
from bench_gateway_path import cpu_seconds, meter_frame

REPLY = '[3,"x",{}]'


async def serve_evgw(port: int, delay: float) -> None:
    async def answer(stream: trio.SocketStream) -> None:
        try:
            request = await read_request(stream)
        except ClientGone:  # the port probe
            return
        ws = await request.accept("ocpp1.6", 1 << 20)
        while True:
            try:
                await ws.get_message()
            except Exception:  # the client went away
                return
            await trio.sleep(delay)
            await ws.send_message(REPLY)

    await trio.serve_tcp(answer, port, host="127.0.0.1")


async def serve(port: int, delay: float) -> None:
    async def answer(request: WebSocketRequest) -> None:
        ws = await request.accept(subprotocol="ocpp1.6")
        while True:
            try:
                await ws.get_message()
            except Exception:  # the client went away
                return
            await trio.sleep(delay)
            await ws.send_message(REPLY)

    await serve_websocket(answer, "127.0.0.1", port, None)


async def client(url: str, stop: trio.Event, count: list[int]) -> None:
    async with open_websocket_url(url, subprotocols=["ocpp1.6"]) as ws:
        n = 0
        while not stop.is_set():
            n += 1
            await ws.send_message(meter_frame(f"m{n}", 1, n))
            await ws.get_message()
            count[0] += 1


async def drive(url: str, chargers: int, seconds: float, pid: int) -> dict[str, float]:
    stop, count = trio.Event(), [0]
    async with trio.open_nursery() as nursery:
        for _ in range(chargers):
            nursery.start_soon(client, url, stop, count)
        await trio.sleep(3)
        c0, cpu0, t0 = count[0], cpu_seconds(pid), time.perf_counter()
        await trio.sleep(seconds)
        c1, cpu1, t1 = count[0], cpu_seconds(pid), time.perf_counter()
        stop.set()
    return {
        "messages_per_s": round((c1 - c0) / (t1 - t0)),
        "server_cpu_us_per_message": round((cpu1 - cpu0) / (c1 - c0) * 1e6, 1),
    }


def _wait_for_port(port: int, within_s: float = 30) -> None:
    deadline = time.monotonic() + within_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
        else:
            return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chargers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--delay-ms", type=float, default=0, help="reply latency to emulate")
    parser.add_argument("--port", type=int, default=9555)
    parser.add_argument("--engine", choices=["evgw", "trio-websocket"], default="evgw")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        trio.run(serve_evgw if args.engine == "evgw" else serve, args.port, args.delay_ms / 1000)
        return
    cmd = [sys.executable, __file__, "--serve", "--port", str(args.port), "--engine", args.engine]
    cmd += ["--delay-ms", str(args.delay_ms)]
    proc = subprocess.Popen(cmd, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        _wait_for_port(args.port)
        url = f"ws://127.0.0.1:{args.port}/floor"
        result = trio.run(drive, url, args.chargers, args.seconds, proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)
    head = {"engine": args.engine, "chargers": args.chargers, "delay_ms": args.delay_ms}
    print(json.dumps({**head, **result}, indent=2))


if __name__ == "__main__":
    main()
