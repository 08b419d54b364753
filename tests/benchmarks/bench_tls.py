"""TLS listener: handshakes per second (TLS + WebSocket upgrade + authentication) for security
profile 2 (Basic) and profile 3 (client certificate), and server memory per open TLS
connection. The server runs in this process (SQLite store in a temp dir); the clients run in a
child process so their CPU and memory are not counted as the server's.

    .venv/bin/python tests/benchmarks/bench_tls.py [--handshakes 400] [--concurrency 8] [--hold 500]
        [--hold-kind tls|plain]

Memory is the server's RSS growth while `--hold` connections of one kind are open, measured
after the handshake runs (the heap has grown once already); run once per kind to compare.

Not collected by pytest (no test_ prefix).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import trio

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT))

from evgw.app import Server  # noqa: E402
from evgw.config import config_from_dict  # noqa: E402
from evgw.domain import ChargerRegistration  # noqa: E402
from evgw.security import hash_password  # noqa: E402

from tests.tls_pki import ORG, issue, make_ca  # noqa: E402

PASSWORD = "bench-password-0123456789"


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def client_main(spec: dict[str, Any]) -> None:
    """Child process: `handshakes` connect+upgrade+close, `concurrency` at a time; or hold
    `hold` connections open until stdin closes."""
    import ssl  # noqa: PLC0415

    from evgw.testing import basic_auth_header  # noqa: PLC0415
    from trio_websocket import open_websocket_url  # noqa: PLC0415

    ctx = ssl.create_default_context(cafile=spec["ca"]) if spec["url"].startswith("wss") else None
    if spec.get("cert") and ctx is not None:
        ctx.load_cert_chain(*spec["cert"])
    headers = [] if spec.get("cert") else [basic_auth_header(spec.get("id", ""), PASSWORD)]

    async def once() -> None:
        async with open_websocket_url(
            spec["url"], subprotocols=["ocpp2.0.1"], extra_headers=headers, ssl_context=ctx
        ):
            pass

    async def run_handshakes() -> None:
        limiter = trio.CapacityLimiter(spec["concurrency"])

        async def one() -> None:
            async with limiter:
                await once()

        started = time.perf_counter()
        async with trio.open_nursery() as nursery:
            for _ in range(spec["handshakes"]):
                nursery.start_soon(one)
        print(json.dumps({"seconds": time.perf_counter() - started}), flush=True)

    async def hold() -> None:
        async with trio.open_nursery() as nursery:
            for i in range(spec["hold"]):
                url = spec["url"].rsplit("/", 1)[0] + f"/H{i}"
                h = [basic_auth_header(f"H{i}", PASSWORD)]
                nursery.start_soon(_hold_one, url, h, ctx)
                await trio.sleep(0.002)
            await trio.sleep(3)
            print(json.dumps({"held": spec["hold"]}), flush=True)
            await trio.to_thread.run_sync(sys.stdin.read)
            nursery.cancel_scope.cancel()

    async def _hold_one(url: str, h: list[tuple[bytes, bytes]], c: ssl.SSLContext | None) -> None:
        async with open_websocket_url(
            url, subprotocols=["ocpp2.0.1"], extra_headers=h, ssl_context=c
        ):
            await trio.sleep_forever()

    trio.run(hold if spec.get("hold") else run_handshakes)


async def run_client(spec: dict[str, Any]) -> dict[str, Any]:
    proc = await trio.lowlevel.open_process(
        [sys.executable, __file__, "--client", json.dumps(spec)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stdin is not None
    line = b""
    while not line.endswith(b"\n"):
        chunk = await proc.stdout.receive_some()
        if not chunk:
            raise RuntimeError("client process failed")
        line += chunk
    result: dict[str, Any] = json.loads(line)
    result["_proc"] = proc
    return result


async def bench(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp())
    ca = make_ca()
    ca_path, _ = ca.write(tmp, "ca")
    chains = []
    for kind in ("rsa", "ec"):
        cert, key = issue(ca, "127.0.0.1", kind=kind, server=True).write(tmp, f"srv-{kind}")
        chains.append({"certificate": cert, "key": key})
    config = {
        "ocpp": {
            "listen": "127.0.0.1:0",
            "spool_dir": str(tmp / "spool"),
            "auth_failures_per_minute": 10**6,
            "tls": {
                "listen": "127.0.0.1:0",
                "chains": chains,
                "client_ca": ca_path,
                "organization": ORG,
            },
        },
        "api": {"listen": "127.0.0.1:0"},
        "store": {"url": f"sqlite:///{tmp / 'evgw.db'}"},
        "plugins": {"entry_points": False},
    }
    server = Server(config_from_dict(config))
    async with trio.open_nursery() as nursery:
        endpoints = await nursery.start(server.run)
        store = server.store
        assert store is not None
        digest = hash_password(PASSWORD)
        await store.put_charger(ChargerRegistration("P1", 1, digest))
        await store.put_charger(ChargerRegistration("P2", 2, digest))
        await store.put_charger(ChargerRegistration("P3", 3))
        for i in range(args.hold):
            await store.put_charger(ChargerRegistration(f"H{i}", 1, digest))  # plain and TLS
        base = f"wss://127.0.0.1:{endpoints.ocpp_tls_port}/ocpp"
        client_cert = issue(ca, "P3").write(tmp, "p3")
        plain = f"ws://127.0.0.1:{endpoints.ocpp_port}/ocpp"
        for profile, spec in (
            ("profile 1 (plain, context)", {"id": "P1", "url": f"{plain}/P1"}),
            ("profile 2 (TLS + Basic)", {"id": "P2", "url": f"{base}/P2"}),
            ("profile 3 (mutual TLS)", {"id": "P3", "url": f"{base}/P3", "cert": client_cert}),
        ):
            spec |= {"ca": ca_path, "handshakes": args.handshakes, "concurrency": args.concurrency}
            cpu = time.process_time()
            result = await run_client(spec)
            cpu = time.process_time() - cpu
            await result["_proc"].wait()
            rate = args.handshakes / result["seconds"]
            per = cpu / args.handshakes
            print(
                f"{profile:26s} {rate:8.0f} handshakes/s wall ({args.handshakes} in"
                f" {result['seconds']:.2f} s, client in another process); server CPU"
                f" {per * 1e3:.2f} ms each = {1 / per:,.0f} handshakes/s per server core"
            )
        await trio.sleep(0.5)
        for label, url in {"plain": [("plain", plain)], "tls": [("TLS", base)]}[args.hold_kind]:
            before = rss_kib()
            held = await run_client({"ca": ca_path, "url": f"{url}/H0", "hold": args.hold})
            after = rss_kib()
            print(
                f"memory: {args.hold} open {label} connections, server RSS"
                f" +{(after - before) / 1024:.1f} MiB = {(after - before) / args.hold:.1f} KiB each"
            )
            await held["_proc"].stdin.aclose()
            await held["_proc"].wait()
            await trio.sleep(1)
        server.stop()


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--client":
        client_main(json.loads(sys.argv[2]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--handshakes", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--hold", type=int, default=500)
    ap.add_argument("--hold-kind", choices=("tls", "plain"), default="tls")  # one per process
    trio.run(bench, ap.parse_args())


if __name__ == "__main__":
    main()
