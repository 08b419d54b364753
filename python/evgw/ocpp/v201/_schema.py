"""Tables owned by the OCPP 2.0.1 / 2.1 part. Append-only: never edit a shipped step."""

from __future__ import annotations

COMPONENT = "ocpp201"

#: (version, SQL with the {ts} {id_pk} {bigint} tokens, or {backend: SQL}); see store/_migrations.
MIGRATIONS: list[tuple[int, str | dict[str, str]]] = []
