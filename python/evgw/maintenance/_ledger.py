"""What to append to the outage ledger when a port's derived intervals change (pure).

The ledger is append-only. A derived interval that matches the written one needs nothing;
one that changed (closed, extended, started earlier after a replay) is appended as a new
record superseding the written one it overlaps; written records that no derived interval
overlaps any more are withdrawn by a void record.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ._model import Interval, OutageRecord, PortKey


def ledger_changes(
    port: PortKey,
    written: Sequence[OutageRecord],
    derived: Sequence[Interval],
    new_id: Callable[[], str],
) -> list[OutageRecord]:
    changes: list[OutageRecord] = []
    used: set[str] = set()
    for interval in derived:
        old = [r for r in written if r.id not in used and r.interval.overlaps(interval)]
        if old and old[0].interval == interval:
            used.add(old[0].id)
            continue
        replaced = old[0].id if old else None
        if replaced is not None:
            used.add(replaced)
        changes.append(OutageRecord(new_id(), port, interval, supersedes=replaced))
    for record in written:
        if record.id not in used:
            changes.append(OutageRecord(new_id(), port, record.interval, record.id, void=True))
    return changes


def current_after(
    written: Sequence[OutageRecord], changes: Sequence[OutageRecord]
) -> list[OutageRecord]:
    """The port's current (not superseded, not void) records once `changes` are appended."""
    gone = {c.supersedes for c in changes if c.supersedes is not None}
    kept = [r for r in written if r.id not in gone]
    return sorted([*kept, *(c for c in changes if not c.void)], key=lambda r: r.interval.start)
