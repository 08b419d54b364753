"""The simulated charger's local authorization list (1.6 and 2.0.1 SendLocalList /
GetLocalListVersion): versioned, Full and Differential updates, its own size limits."""

from __future__ import annotations

import weakref
from typing import Any

from evgw.testing.fleet._protocol import Control, Payload

MAX_LENGTH = 100  # LocalAuthListMaxLength / LocalAuthListCtrlr.Entries maxLimit
PER_MESSAGE = 20  # SendLocalListMaxLength / LocalAuthListCtrlr.ItemsPerMessage


class LocalList:
    def __init__(self) -> None:
        self.version = 0
        self.entries: dict[str, Payload] = {}

    def apply(self, version: int, update_type: str, items: list[Payload], key: str) -> str:
        """Accepted | Failed | VersionMismatch; nothing changes unless Accepted."""
        if len(items) > PER_MESSAGE:
            return "Failed"
        if update_type == "Differential" and version <= self.version:
            return "VersionMismatch"
        entries = {} if update_type == "Full" else dict(self.entries)
        for item in items:
            ident = _ident(item[key])
            info = item.get(key + "Info")
            if info is None:
                entries.pop(ident, None)
            else:
                entries[ident] = item
        if len(entries) > MAX_LENGTH:
            return "Failed"
        self.version, self.entries = version, entries
        return "Accepted"


def _ident(value: Any) -> str:
    return str(value["idToken"] if isinstance(value, dict) else value)


_LISTS: weakref.WeakKeyDictionary[object, LocalList] = weakref.WeakKeyDictionary()


def local_list(ctl: Control) -> LocalList:
    found = _LISTS.get(ctl.model)
    if found is None:
        found = _LISTS[ctl.model] = LocalList()
    return found


def send_local_list_16(proto: object, ctl: Control, p: Payload) -> Payload:
    items = p.get("localAuthorizationList", [])
    return {"status": local_list(ctl).apply(p["listVersion"], p["updateType"], items, "idTag")}


def send_local_list_201(proto: object, ctl: Control, p: Payload) -> Payload:
    items = p.get("localAuthorizationList", [])
    status = local_list(ctl).apply(p["versionNumber"], p["updateType"], items, "idToken")
    return {"status": status}


def held_by(model: object) -> LocalList | None:
    """The list a simulated charger holds (None before its first SendLocalList)."""
    return _LISTS.get(model)
