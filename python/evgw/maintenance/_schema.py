"""Tables owned by this part (Maintenance). Append-only: never edit a shipped step."""

from __future__ import annotations

COMPONENT = "maintenance"

#: (version, SQL with the {ts} {id_pk} {bigint} tokens, or {backend: SQL}); see store/_migrations.
MIGRATIONS: list[tuple[int, str | dict[str, str]]] = []
