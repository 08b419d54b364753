"""The operator HTTP API: `create_app` builds the ASGI app, `serve_api` runs it on hypercorn.

Components add routes with an `ApiExtension` (routes + `Doc` per operation + schemas); their
handlers take a `Call` and answer with `ok(...)` or raise `ApiError`.
"""

from ._app import create_app
from ._auth import create_api_token
from ._errors import ApiError, invalid, not_found
from ._fields import Field, Kind, object_schema, parse_object, query_parameters, read_json
from ._handler import PAGE_QUERY, Call, ok
from ._openapi import Doc, openapi_document
from ._routes import ApiExtension, ApiRoute
from ._serve import serve_api

__all__ = [
    "PAGE_QUERY",
    "ApiError",
    "ApiExtension",
    "ApiRoute",
    "Call",
    "Doc",
    "Field",
    "Kind",
    "create_api_token",
    "create_app",
    "invalid",
    "not_found",
    "object_schema",
    "ok",
    "openapi_document",
    "parse_object",
    "query_parameters",
    "read_json",
    "serve_api",
]
