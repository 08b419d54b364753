"""Shared by the control API modules: command failures as API errors, JSON views."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from evgw.api import ApiError
from evgw.api._ocpp import command_error
from evgw.gateway._commands import CommandError
from evgw.ocpp._time import format_timestamp
from evgw.ocpp.control._tx_status import NotSupportedByVersion


@asynccontextmanager
async def calling() -> AsyncIterator[None]:
    """Turn a failed OCPP call into the API's answer (409 / 422 / 502 / 504)."""
    try:
        yield
    except NotSupportedByVersion as error:
        raise ApiError(409, "not_supported_by_version", str(error)) from None
    except CommandError as error:
        raise command_error(error) from None


def when(at: datetime | None) -> str | None:
    return format_timestamp(at) if at is not None else None


def any_object(description: str) -> dict[str, Any]:
    return {"type": "object", "description": description}


CALL_ERRORS = (404, 409, 422, 502, 504)
