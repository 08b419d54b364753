"""Get/SetVariables split to the charger's limits (DeviceDataCtrlr.ItemsPerMessage and
BytesPerMessage, instances "GetVariables" / "SetVariables", from the stored device model).
Without a known limit everything goes in one message."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

Payload = dict[str, Any]

# [2,"<36-char message id>","SetVariables",{"setVariableData":[...]}]: the frame around the items
_FRAME_OVERHEAD = 80


def _size(item: Payload) -> int:
    return len(json.dumps(item, separators=(",", ":")).encode()) + 1  # + the comma


def batches(
    items: Sequence[Payload], max_items: int | None, max_bytes: int | None
) -> Iterator[list[Payload]]:
    """Greedy, in order; an item too big on its own still goes alone (the charger answers it)."""
    batch: list[Payload] = []
    size = _FRAME_OVERHEAD
    for item in items:
        item_size = _size(item)
        full = max_items is not None and len(batch) >= max_items
        too_big = max_bytes is not None and size + item_size > max_bytes
        if batch and (full or too_big):
            yield batch
            batch, size = [], _FRAME_OVERHEAD
        batch.append(item)
        size += item_size
    if batch:
        yield batch


def limit(value: str | None) -> int | None:
    try:
        number = int(value) if value is not None else 0
    except ValueError:
        return None
    return number if number > 0 else None
