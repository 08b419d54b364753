"""The OCPP gateway: WebSocket endpoint, connections, command dispatch to chargers.

The server itself is `evgw.gateway._server.Gateway` (imports the Rust codec); this package
exports only the command contract, so the API and the CLI import without the extension."""

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

__all__ = [
    "CallErrorReply",
    "CallTimeout",
    "ChargerNotConnected",
    "CommandError",
    "Commander",
    "ConnectionInfo",
    "InvalidReply",
    "PayloadInvalid",
    "UnknownAction",
]
