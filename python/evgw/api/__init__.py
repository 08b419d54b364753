"""The operator HTTP API: `create_app` builds the ASGI app, `serve_api` runs it on hypercorn."""

from ._app import create_app as create_app
from ._auth import create_api_token as create_api_token
from ._openapi import openapi_document as openapi_document
from ._serve import serve_api as serve_api

__all__ = ["create_api_token", "create_app", "openapi_document", "serve_api"]
