"""Wiring: store + plugins + components + OCPP gateway + operator API in one trio nursery."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import attrs
import trio

from evgw.authz._authorizer import Authorizer
from evgw.components import BUILTIN_COMPONENTS, Component, ComponentContext, build_components
from evgw.config import Config
from evgw.events import EventBus
from evgw.gateway._server import Gateway
from evgw.ocpp._charger_ca import load_charger_ca
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
    ocpp_tls_port: int | None = None  # the wss:// listener, when ocpp.tls.listen is set


class Server:
    """`await nursery.start(server.run)` -> Endpoints; `await server.stop()` drains and ends."""

    def __init__(self, config: Config, component_specs: Sequence[str] = BUILTIN_COMPONENTS) -> None:
        self.config = config
        self.component_specs = component_specs
        self.store: Store | None = None
        self.gateway: Gateway | None = None
        self.router: Router | None = None  # replays the spool every SPOOL_REPLAY_INTERVAL_S
        self.events = EventBus()  # subscribe before run() to follow the domain events
        self.components: list[Component] = []
        self._stop = trio.Event()

    async def run(
        self, *, task_status: trio.TaskStatus[Endpoints] = trio.TASK_STATUS_IGNORED
    ) -> None:
        from evgw.api import create_app, serve_api  # noqa: PLC0415  (keeps `evgw migrate` light)

        store = self.store = await open_store(self.config.store.url)
        try:
            plugins = load_plugins(self.config.plugins)
            events = self.events
            services = Services(
                store,
                Authorizer(store, plugins, self.config.authz),
                plugins,
                self.config.ocpp,
                events=events,
                charger_ca=load_charger_ca(self.config.ocpp.charger_ca),
            )
            router = self.router = Router(services, Spool(self.config.ocpp.spool_dir))
            gateway = self.gateway = Gateway(self.config.ocpp, store, router, events)
            context = ComponentContext(self.config, store, gateway, events, plugins)
            self.components = build_components(context, self.component_specs)
            extensions = [ext for c in self.components if (ext := c.api()) is not None]
            app = create_app(
                store=store, commander=gateway, is_ready=self._ready, extensions=extensions
            )
            async with trio.open_nursery() as nursery:
                for component in self.components:
                    await nursery.start(component.run)
                ocpp_port = await nursery.start(gateway.serve)
                host, port = self.config.api.host_port
                api_port = await nursery.start(serve_api, app, host, port)
                base_url = (
                    f"http://[{host}]:{api_port}" if ":" in host else f"http://{host}:{api_port}"
                )
                for component in self.components:
                    component.api_listening(base_url)
                nursery.start_soon(self._replay_loop, router)
                task_status.started(Endpoints(ocpp_port, api_port, gateway.tls_port))
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
