"""Wait for a condition that another task makes true (tests and tools; polls, bounded)."""

from __future__ import annotations

from collections.abc import Callable

import trio


async def wait_until(
    condition: Callable[[], object], *, within: float = 5.0, interval: float = 0.01
) -> None:
    """Return once `condition()` is truthy; raise `trio.TooSlowError` after `within` seconds."""
    with trio.fail_after(within):
        while True:
            if condition():
                return
            await trio.sleep(interval)
