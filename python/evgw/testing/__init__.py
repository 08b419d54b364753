"""Helpers for tests and users: a scriptable charger over a real WebSocket."""

from evgw.testing._charger import (
    ScriptedCharger as ScriptedCharger,
    basic_auth_header as basic_auth_header,
    connect_charger as connect_charger,
)

__all__ = ["ScriptedCharger", "basic_auth_header", "connect_charger"]
