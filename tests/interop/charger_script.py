"""What the interop charger scripts share (they run as plain scripts, in their own process,
with this directory on sys.path): the JSON step report and the connect → session → wait for
Reset → exit sequence."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol


def now() -> str:
    return datetime.now(UTC).isoformat()


def report(step: str, **data: Any) -> None:
    print(json.dumps({"step": step, **data}), flush=True)


class ResettableChargePoint(Protocol):
    reset_received: asyncio.Event

    async def start(self) -> None: ...


C = TypeVar("C", bound=ResettableChargePoint)


async def run_charger(
    url: str,
    charger_id: str,
    password: str,
    subprotocol: str,
    make: Callable[[str, ClientConnection], C],
    session: Callable[[C], Awaitable[None]],
) -> None:
    """Connect with Basic auth, run `session`, then serve commands until a Reset."""
    token = base64.b64encode(f"{charger_id}:{password}".encode()).decode()
    async with connect(
        f"{url}/{charger_id}",
        subprotocols=[Subprotocol(subprotocol)],
        additional_headers={"Authorization": f"Basic {token}"},
    ) as ws:
        cp = make(charger_id, ws)
        runner = asyncio.create_task(cp.start())
        await session(cp)
        report("ready")
        await asyncio.wait_for(cp.reset_received.wait(), timeout=60)
        await asyncio.sleep(0.2)  # let the Reset reply go out
        runner.cancel()
    report("done")
