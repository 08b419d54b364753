"""Authorization speed and local-list traffic.

    .venv/bin/python tests/benchmarks/bench_authz.py [--requests 2000] [--tokens 10000]

1. Request path: a real evgw server (SQLite file store) and one 1.6 charger over a real
   socket send `requests` Authorize (token table, group, account, EVSE restrictions, then the
   plugins) and, as the peer in the same run, as many Heartbeats (the same gateway path
   without authorization). Reports p50/p99 round trips and the ratio of the medians.
2. Local lists: `tokens` tokens (a tenth owned by accounts, a tenth restricted to EVSEs):
   the time to plan the lists of a pass (one read, the first charger, each further one:
   unrestricted entries are shared), and the traffic of one
   changed token as the Differential evgw sends vs the Full update (50 per message) a
   CSMS without differences would send. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal

import trio
from evgw.app import Server
from evgw.authz import _accounts as accounts
from evgw.authz import _local_list as ll
from evgw.config import config_from_dict
from evgw.domain import BootPolicy, ChargerRegistration, IdToken, TokenStatus
from evgw.security import hash_password
from evgw.store import Db
from evgw.store import _ops_registry as registry
from evgw.testing import connect_charger

V16 = "ocpp1.6"
PASSWORD = "bench-password-0123456789"


async def start(nursery: trio.Nursery, tmp: str) -> Server:
    config = {
        # no per-connection rate limit: one charger sends the whole run back to back (at the
        # default 20 msg/s the round trips would measure the token bucket's waits)
        "ocpp": {
            "listen": "127.0.0.1:0",
            "spool_dir": f"{tmp}/spool",
            "messages_per_second": 1e9,
            "message_burst": 10**9,
        },
        "api": {"listen": "127.0.0.1:0"},
        "store": {"url": f"sqlite:///{tmp}/evgw.db"},
        "plugins": {"entry_points": False},
        "authz": {"limit_check_interval_s": 3600},
    }
    server = Server(config_from_dict(config))
    server.endpoints = await nursery.start(server.run)  # type: ignore[attr-defined]
    assert server.store is not None
    await server.store.put_charger(
        ChargerRegistration("B1", 1, hash_password(PASSWORD), BootPolicy.ACCEPTED)
    )
    return server


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def round_trips(requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with trio.open_nursery() as nursery:
            run = await start(nursery, tmp)
            store = run.store
            assert store is not None
            await store.write(lambda db: seed(db, 1000))
            url = f"ws://127.0.0.1:{run.endpoints.ocpp_port}/ocpp/B1"  # type: ignore[attr-defined]
            async with connect_charger(url, user="B1", password=PASSWORD) as cp:
                auth, beat = [], []
                for i in range(requests):
                    t0 = time.perf_counter()
                    reply = await cp.result("Authorize", {"idTag": f"T{i % 1000:05d}"})
                    auth.append(time.perf_counter() - t0)
                    assert reply["idTagInfo"]["status"] in ("Accepted", "Blocked", "Invalid")
                    t0 = time.perf_counter()
                    await cp.result("Heartbeat", {})
                    beat.append(time.perf_counter() - t0)
            run.stop()
    a50, h50 = statistics.median(auth) * 1000, statistics.median(beat) * 1000
    print(f"Authorize  p50 {a50:.3f} ms  p99 {pct(auth, 0.99):.3f} ms  ({requests} requests)")
    print(f"Heartbeat  p50 {h50:.3f} ms  p99 {pct(beat, 0.99):.3f} ms  (peer, same run)")
    print(f"Authorize / Heartbeat median ratio: {a50 / h50:.2f}")


def seed(db: Db, n: int) -> None:
    accounts.put(db, accounts.Account("ACC", "fleet", "Fleet", "EUR", balance=Decimal(50)))
    for i in range(n):
        status = TokenStatus.BLOCKED if i % 17 == 0 else TokenStatus.ACCEPTED
        owner = "ACC" if i % 10 == 0 else None
        registry.put_token(db, IdToken(id=f"T{i:05d}", status=status, owner=owner))
        if i % 10 == 5:
            db.run(
                "INSERT INTO authz_token_evses (token_id, charger_id, evse_id) VALUES (?, ?, ?)",
                (f"T{i:05d}", "B1" if i % 20 == 5 else "OTHER", 1),
            )


async def planning(tokens: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with trio.open_nursery() as nursery:
            run = await start(nursery, tmp)
            store = run.store
            assert store is not None
            await store.write(lambda db: seed(db, tokens))
            reads, first, more = [], [], []
            for _ in range(5):
                t0 = time.perf_counter()
                facts = await store.read(ll.all_facts)
                t1 = time.perf_counter()
                planner = ll.Planner(facts, datetime.now(UTC))
                want = planner.wanted(V16, "B1", tokens)
                t2 = time.perf_counter()
                for n in range(10):  # further chargers of the same pass share the work
                    planner.wanted(V16, f"C{n}", tokens)
                t3 = time.perf_counter()
                reads.append(t1 - t0)
                first.append(t2 - t1)
                more.append((t3 - t2) / 10)
            run.stop()
    held = dict(want.entries)
    changed = dict(want.entries)
    token = next(k for k, v in changed.items() if v["idTagInfo"]["status"] == "Accepted")
    changed[token] = {"idTag": token, "idTagInfo": {"status": "Blocked"}}
    diff = ll.messages(
        ll.difference(V16, held, changed), full=False, from_version=1, per_message=50
    )
    full = ll.messages(list(changed.values()), full=True, from_version=1, per_message=50)
    size = lambda ms: sum(len(json.dumps(m.payload(V16))) for m in ms)  # noqa: E731
    ms = lambda xs: statistics.median(xs) * 1000  # noqa: E731
    print(
        f"{tokens} tokens, a list of {len(want.entries)} entries (medians of 5 runs): "
        f"read {ms(reads):.1f} ms per pass, first charger {ms(first):.1f} ms, "
        f"each further charger {ms(more):.1f} ms"
    )
    print(
        f"one changed token: Differential {len(diff)} message(s), {size(diff)} bytes; "
        f"Full {len(full)} messages, {size(full)} bytes "
        f"(ratio {size(full) / size(diff):.0f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--tokens", type=int, default=10000)
    args = parser.parse_args()
    trio.run(round_trips, args.requests)
    trio.run(planning, args.tokens)


if __name__ == "__main__":
    main()
