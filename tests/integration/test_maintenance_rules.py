"""Detection rules over real sockets: critical security events (with the ticket webhook to a
real local HTTP server), reboot loops, repeated failed starts, stuck Preparing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import trio
from evgw.testing import connect_charger, wait_until

from tests.integration.gateway_fixtures import PASSWORD, add_token
from tests.integration.maintenance_fixtures import client, iso, poll, serve, status
from tests.integration.test_gateway_v16 import BOOT


class WebhookReceiver:
    """A minimal HTTP/1.1 server: records each request body, answers 204."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.port = 0

    async def serve(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        self.port = listeners[0].socket.getsockname()[1]
        task_status.started()
        await trio.serve_listeners(self._handle, listeners)

    async def _handle(self, stream: trio.SocketStream) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            data += await stream.receive_some(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(body) < length:
            body += await stream.receive_some(65536)
        self.bodies.append(json.loads(body))
        await stream.send_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
        await stream.aclose()


def of_kind(kind: str) -> Any:
    return lambda body: [t for t in body["items"] if t["kind"] == kind]


async def test_critical_security_event_ticket_and_webhook(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    receiver = WebhookReceiver()
    await nursery.start(receiver.serve)
    url = f"http://127.0.0.1:{receiver.port}/hook"
    run = await serve(nursery, tmp_path, tickets={"webhook_url": url})
    async with connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        await cp.result("BootNotification", BOOT)
        event = {"type": "TamperDetectionActivated", "timestamp": iso(datetime.now(UTC))}
        await cp.result("SecurityEventNotification", event)
        await cp.result("SecurityEventNotification", {**event, "type": "SettingSystemTime"})
        async with await client(run) as api:
            body = await poll(api, "/tickets", of_kind("security"))
            (ticket,) = body["items"]
            assert ticket["severity"] == "critical"
            await wait_until(lambda: receiver.bodies)
            (hook,) = receiver.bodies
            assert hook["event"] == "ticket.opened"
            assert hook["ticket"]["id"] == ticket["id"]
            # a second incident on the same charger joins the open ticket (no second webhook)
            await cp.result("SecurityEventNotification", event)
            detail = await poll(api, f"/tickets/{ticket['id']}", lambda b: len(b["history"]) == 2)
            assert [h["action"] for h in detail["history"]] == ["opened", "correlated"]
            assert len((await api.get("/tickets")).json()["items"]) == 1
            assert len(receiver.bodies) == 1


async def test_reboot_loop(nursery: trio.Nursery, tmp_path: Path) -> None:
    run = await serve(nursery, tmp_path, rules={"reboot_loop_count": 3})
    async with connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        for _ in range(3):
            await cp.result("BootNotification", BOOT)
        async with await client(run) as api:
            body = await poll(api, "/tickets", of_kind("reboot_loop"))
            assert body["items"][0]["severity"] == "high"


async def test_repeated_failed_starts(nursery: trio.Nursery, tmp_path: Path) -> None:
    run = await serve(nursery, tmp_path, rules={"failed_starts": 2})
    await add_token(run, "TAG1")
    t0 = datetime.now(UTC) - timedelta(hours=1)
    async with connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        await cp.result("BootNotification", BOOT)
        session = partial(_session, cp)
        await session(t0, wh=10)  # failed: 10 Wh in 30 s
        await session(t0 + timedelta(minutes=5), wh=30_000, minutes=60)  # a good one resets
        await session(t0 + timedelta(minutes=70), wh=0)
        async with await client(run) as api:
            await trio.sleep(0.3)
            assert (await api.get("/tickets")).json()["items"] == []
            await session(t0 + timedelta(minutes=75), wh=0)
            body = await poll(api, "/tickets", of_kind("failed_starts"))
            assert body["items"][0]["title"].startswith("CP1/1/1: 2 failed sessions")


async def _session(cp: Any, at: datetime, *, wh: int, minutes: float = 0.5) -> None:
    start = {"connectorId": 1, "idTag": "TAG1", "meterStart": 1000, "timestamp": iso(at)}
    tx = (await cp.result("StartTransaction", start))["transactionId"]
    stop_at = at + timedelta(minutes=minutes)
    await cp.result(
        "StopTransaction", {"transactionId": tx, "meterStop": 1000 + wh, "timestamp": iso(stop_at)}
    )


async def test_stuck_preparing(nursery: trio.Nursery, tmp_path: Path) -> None:
    run = await serve(nursery, tmp_path, rules={"stuck_preparing_s": 0.2})
    async with connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        await cp.result("BootNotification", BOOT)
        await cp.result("StatusNotification", status(1, "Preparing"))
        async with await client(run) as api:
            body = await poll(api, "/tickets", of_kind("stuck_preparing"))
            assert body["items"][0]["severity"] == "low"
