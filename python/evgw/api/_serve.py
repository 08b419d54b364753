"""Run the app on hypercorn's trio worker inside the caller's nursery."""

from __future__ import annotations

import functools
import logging
from typing import Any

import trio
from hypercorn.config import Config
from hypercorn.trio import serve
from starlette.applications import Starlette

log = logging.getLogger("evgw.api")


def _config(host: str, port: int) -> Config:
    config = Config()
    config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.accesslog = logging.getLogger("evgw.api.access")
    config.errorlog = logging.getLogger("evgw.api.server")
    config.graceful_timeout = 5.0
    config.include_server_header = False
    return config


def _bound_port(binds: list[str]) -> int:
    """hypercorn reports e.g. ``http://127.0.0.1:54321`` or ``http://[::1]:54321``."""
    return int(binds[0].rsplit(":", 1)[1])


async def serve_api(
    app: Starlette,
    host: str,
    port: int,
    *,
    shutdown: trio.Event | None = None,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve `app` on host:port until `shutdown` is set (graceful) or the caller is cancelled.

    `await nursery.start(serve_api, app, host, 0)` returns the port actually bound.
    """
    trigger = shutdown.wait if shutdown is not None else trio.sleep_forever
    asgi: Any = app  # hypercorn's ASGIFramework type is narrower than Starlette's signature
    run = functools.partial(serve, asgi, _config(host, port), shutdown_trigger=trigger)
    async with trio.open_nursery() as nursery:
        binds: list[str] = await nursery.start(run)
        log.info("operator API listening on %s", ", ".join(binds))
        task_status.started(_bound_port(binds))
