"""The ASGI application: /api/v1 (bearer auth) plus /metrics, /healthz, /readyz, /openapi.json."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Awaitable, Callable, Sequence

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from evgw.gateway._commands import Commander
from evgw.metrics import REGISTRY
from evgw.store._interface import Store

from ._auth import authenticate
from ._errors import (
    ApiError,
    http_exception_handler,
    internal_error,
    unexpected_exception_handler,
)
from ._handler import Call, Services
from ._openapi import openapi_document
from ._routes import API_ROUTES, PREFIX, PUBLIC_TOKEN, ApiExtension, ApiRoute

log = logging.getLogger("evgw.api")

Endpoint = Callable[[Request], Awaitable[Response]]


def _api_endpoint(routes: Sequence[ApiRoute], services: Services) -> Endpoint:
    """One endpoint per path: dispatch by method, authenticate, map errors to the error body."""
    by_method = {r.method: r for r in routes}
    if "GET" in by_method:
        by_method["HEAD"] = by_method["GET"]

    async def endpoint(request: Request) -> Response:
        route = by_method[request.method]  # the Route only admits these methods
        try:
            token = (
                PUBLIC_TOKEN
                if route.public
                else await authenticate(request, services.store, route.role)
            )
            return await route.handler(Call(request, services, token))
        except ApiError as error:
            return error.response()
        except Exception:
            log.exception("unexpected error in %s %s", request.method, request.url.path)
            return internal_error()

    return endpoint


def _api_routes(services: Services, extensions: Sequence[ApiExtension]) -> list[Route]:
    all_routes = [*API_ROUTES, *(r for ext in extensions for r in ext.routes)]
    by_path = itertools.groupby(sorted(all_routes, key=lambda r: r.path), key=lambda r: r.path)
    routes = []
    for path, group in by_path:
        members = list(group)
        methods = [r.method for r in members]
        routes.append(Route(PREFIX + path, _api_endpoint(members, services), methods=methods))
    return routes


def _root_routes(is_ready: Callable[[], bool], document: dict[str, object]) -> list[Route]:
    async def metrics(request: Request) -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        try:
            ready = is_ready()
        except Exception:
            log.exception("is_ready() failed")
            ready = False
        return JSONResponse({"status": "ready" if ready else "not_ready"}, 200 if ready else 503)

    async def openapi(request: Request) -> Response:
        return JSONResponse(document)

    return [
        Route("/metrics", metrics, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
    ]


def create_app(
    *,
    store: Store,
    commander: Commander,
    is_ready: Callable[[], bool],
    extensions: Sequence[ApiExtension] = (),
) -> Starlette:
    """The operator API as an ASGI app (serve it with `serve_api`); `extensions` are the
    components' routes (smart charging, billing, maintenance, ...)."""
    services = Services(store=store, commander=commander)
    document = openapi_document(extensions)
    return Starlette(
        routes=[
            *_root_routes(is_ready, document),
            *_api_routes(services, extensions),
            *(r for ext in extensions for r in ext.public_routes),
        ],
        exception_handlers={
            HTTPException: http_exception_handler,
            Exception: unexpected_exception_handler,
        },
    )
