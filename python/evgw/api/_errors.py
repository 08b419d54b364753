"""The one error shape of the API: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

log = logging.getLogger("evgw.api")

# HTTP status -> error code for errors raised by Starlette's router (unknown path, wrong method).
_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}

INTERNAL_MESSAGE = "internal error; the details are in the server log"


class ApiError(Exception):
    """Raised by handlers and helpers; the endpoint wrapper turns it into a response."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers

    def response(self) -> Response:
        return error_response(self.status, self.code, self.message, self.details, self.headers)


def error_response(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details}}
    return JSONResponse(body, status_code=status, headers=headers)


def not_found(kind: str, ident: str) -> ApiError:
    return ApiError(404, "not_found", f"no {kind} with id {ident!r}")


def invalid(violations: list[dict[str, str]]) -> ApiError:
    """422 with a list of ``{"field", "message"}``."""
    return ApiError(422, "validation_failed", "the request is invalid", violations)


def internal_error() -> Response:
    return error_response(500, "internal_error", INTERNAL_MESSAGE)


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    """Errors Starlette raises itself (no route, method not allowed) in the API's shape."""
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, code, exc.detail, headers=headers)


async def unexpected_exception_handler(request: Request, exc: Exception) -> Response:
    """Last resort (Starlette's ServerErrorMiddleware): fixed text out, traceback to the log."""
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return internal_error()
