"""Wiring: store + plugins + OCPP gateway + operator API in one trio nursery."""

from __future__ import annotations

import logging

import attrs
import trio

from evgw.billing._authorization import Authorizer
from evgw.config import Config
from evgw.gateway._server import Gateway
from evgw.ocpp._router import Router
from evgw.ocpp._services import Services
from evgw.ocpp._spool import Spool
from evgw.plugins import load_plugins
from evgw.store import Store, open_store

log = logging.getLogger("evgw")

SPOOL_REPLAY_INTERVAL_S = 10.0


@attrs.frozen
class Endpoints:
    ocpp_port: int
    api_port: int


class Server:
    """`await nursery.start(server.run)` -> Endpoints; `await server.stop()` drains and ends."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.store: Store | None = None
        self.gateway: Gateway | None = None
        self._stop = trio.Event()

    async def run(
        self, *, task_status: trio.TaskStatus[Endpoints] = trio.TASK_STATUS_IGNORED
    ) -> None:
        from evgw.api import create_app, serve_api  # noqa: PLC0415  (keeps `evgw migrate` light)

        store = self.store = await open_store(self.config.store.url)
        try:
            plugins = load_plugins(self.config.plugins)
            services = Services(store, Authorizer(store, plugins), plugins, self.config.ocpp)
            router = Router(services, Spool(self.config.ocpp.spool_dir))
            gateway = self.gateway = Gateway(self.config.ocpp, store, router)
            app = create_app(store=store, commander=gateway, is_ready=self._ready)
            async with trio.open_nursery() as nursery:
                ocpp_port = await nursery.start(gateway.serve)
                host, port = self.config.api.host_port
                api_port = await nursery.start(serve_api, app, host, port)
                nursery.start_soon(self._replay_loop, router)
                task_status.started(Endpoints(ocpp_port, api_port))
                await self._stop.wait()
                await gateway.shutdown()
                nursery.cancel_scope.cancel()
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(30):
                await store.aclose()
            log.info("stopped")

    def _ready(self) -> bool:
        return (
            self.gateway is not None and self.gateway.port is not None and not self._stop.is_set()
        )

    def stop(self) -> None:
        self._stop.set()

    async def _replay_loop(self, router: Router) -> None:
        while True:
            await trio.sleep(SPOOL_REPLAY_INTERVAL_S)
            try:
                replayed = await router.replay_spool()
            except Exception:
                log.exception("spool replay failed")
                continue
            if replayed:
                log.info("replayed %d journaled transaction message(s)", replayed)
