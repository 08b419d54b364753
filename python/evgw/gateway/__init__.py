"""The OCPP gateway: WebSocket endpoint, connections, command dispatch to chargers."""

from evgw.gateway._commands import (
    CallErrorReply as CallErrorReply,
    CallTimeout as CallTimeout,
    ChargerNotConnected as ChargerNotConnected,
    Commander as Commander,
    CommandError as CommandError,
    ConnectionInfo as ConnectionInfo,
    InvalidReply as InvalidReply,
    PayloadInvalid as PayloadInvalid,
    UnknownAction as UnknownAction,
)
from evgw.gateway._server import Gateway as Gateway

__all__ = [
    "CallErrorReply",
    "CallTimeout",
    "ChargerNotConnected",
    "CommandError",
    "Commander",
    "ConnectionInfo",
    "Gateway",
    "InvalidReply",
    "PayloadInvalid",
    "UnknownAction",
]
