"""What every API handler gets: the services, the request and the caller's token."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from evgw.domain import ApiToken
from evgw.gateway._commands import Commander
from evgw.store._interface import Store

from ._fields import Field, Kind, parse_query

PAGE_QUERY = (
    Field("limit", Kind.INTEGER, "page size (default 100)", minimum=1, maximum=1000),
    Field("offset", Kind.INTEGER, "items to skip (default 0)", minimum=0, maximum=10**9),
)


@attrs.frozen
class Services:
    store: Store
    commander: Commander


@attrs.frozen
class Call:
    """One authenticated API request."""

    request: Request
    services: Services
    token: ApiToken

    @property
    def store(self) -> Store:
        return self.services.store

    def path(self, name: str) -> str:
        value: str = self.request.path_params[name]
        return value

    def query(self, *fields: Field) -> dict[str, Any]:
        """The validated query with the paging defaults filled in (when `fields` has them)."""
        values = parse_query(fields, self.request)
        names = {f.name for f in fields}
        defaults = {"limit": 100, "offset": 0}
        return {**{k: v for k, v in defaults.items() if k in names}, **values}


Handler = Callable[[Call], Awaitable[Response]]


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(body, status_code=status, headers=headers)


def no_content() -> Response:
    return Response(status_code=204)
