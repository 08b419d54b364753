"""What the 1.6 and 2.0.1 command tables share: dispatch, fixed answers, small look-ups."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from evgw.testing.fleet._connector import Connector
from evgw.testing.fleet._model import ChargerModel
from evgw.testing.fleet._protocol import CallRefused, Control, Payload

Command = Callable[[Any, Control, Payload], Payload]  # (protocol instance, charger, payload)


def fixed(reply: Payload) -> Command:
    """A command answered the same way every time (a feature the simulator does not have)."""
    return lambda proto, ctl, p: dict(reply)


def dispatch(
    commands: Mapping[str, Command],
    proto: object,
    ctl: Control,
    action: str,
    payload: Payload,
    *,
    format_code: str,
) -> Payload:
    """Run `action`'s command; unknown actions are NotImplemented, unreadable payloads get
    `format_code` (1.6 FormationViolation, 2.0.1 FormatViolation)."""
    command = commands.get(action)
    if command is None:
        raise CallRefused("NotImplemented", f"{action} is not implemented by this charger")
    try:
        return command(proto, ctl, payload)
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise CallRefused(format_code, f"{action}: bad payload ({exc})") from None


def free_connector(model: ChargerModel) -> int:
    """The first connector without a transaction or fault (0: none)."""
    return next((c.id for c in model.connectors.values() if c.tx is None and not c.faulted), 0)


def current_limit_a(conn: Connector) -> float:
    """The per-phase current the connector allows now."""
    return conn.applied_a if conn.applied_a is not None else conn.max_current_a
