"""Tables owned by this part (Load management). Append-only: never edit a shipped step."""

from __future__ import annotations

COMPONENT = "smartcharging"

#: (version, SQL with the {ts} {id_pk} {bigint} tokens, or {backend: SQL}); see store/_migrations.
MIGRATIONS: list[tuple[int, str | dict[str, str]]] = [
    (
        1,
        """
        CREATE TABLE sc_sites (
            id TEXT PRIMARY KEY,
            body TEXT NOT NULL,
            updated_at {ts} NOT NULL
        );
        """,
    ),
]
