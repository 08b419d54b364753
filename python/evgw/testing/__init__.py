"""Helpers for tests and users: a scriptable charger over a real WebSocket."""

from evgw.testing._charger import ScriptedCharger, basic_auth_header, connect_charger
from evgw.testing._wait import wait_until

__all__ = ["ScriptedCharger", "basic_auth_header", "connect_charger", "wait_until"]
