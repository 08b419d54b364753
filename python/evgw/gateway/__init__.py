"""The OCPP gateway: WebSocket endpoint, connections, command dispatch to chargers.

The server itself is `evgw.gateway._server.Gateway` (imports the Rust codec); this package
exports only the command contract, so the API and the CLI import without the extension."""

from evgw.gateway._commands import (
    CallErrorReply as CallErrorReply,
)
from evgw.gateway._commands import (
    CallTimeout as CallTimeout,
)
from evgw.gateway._commands import (
    ChargerNotConnected as ChargerNotConnected,
)
from evgw.gateway._commands import (
    Commander as Commander,
)
from evgw.gateway._commands import (
    CommandError as CommandError,
)
from evgw.gateway._commands import (
    ConnectionInfo as ConnectionInfo,
)
from evgw.gateway._commands import (
    InvalidReply as InvalidReply,
)
from evgw.gateway._commands import (
    PayloadInvalid as PayloadInvalid,
)
from evgw.gateway._commands import (
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
