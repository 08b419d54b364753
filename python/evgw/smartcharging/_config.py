"""The `[smartcharging]` configuration section (load management). Keys: docs/config.md."""

from __future__ import annotations

import attrs


@attrs.frozen
class SmartChargingConfig:
    enabled: bool = True
