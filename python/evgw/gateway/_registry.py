"""Live connections on this node: exactly one per charger identity."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evgw import metrics

if TYPE_CHECKING:
    from evgw.gateway._connection import Connection


class Registry:
    def __init__(self) -> None:
        self._by_id: dict[str, Connection] = {}

    def get(self, charger_id: str) -> Connection | None:
        return self._by_id.get(charger_id)

    def all(self) -> list[Connection]:
        return list(self._by_id.values())

    def add(self, conn: Connection) -> Connection | None:
        """Register `conn`; returns the connection it replaces, if any."""
        old = self._by_id.get(conn.charger_id)
        self._by_id[conn.charger_id] = conn
        metrics.CONNECTED_CHARGERS.labels(conn.version).inc()
        if old is not None:
            metrics.CONNECTED_CHARGERS.labels(old.version).dec()
        return old

    def remove(self, conn: Connection) -> bool:
        """Forget `conn` unless a newer connection already took its place (then False)."""
        if self._by_id.get(conn.charger_id) is not conn:
            return False
        del self._by_id[conn.charger_id]
        metrics.CONNECTED_CHARGERS.labels(conn.version).dec()
        return True

    def __len__(self) -> int:
        return len(self._by_id)
