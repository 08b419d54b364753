"""The `[maintenance]` section of the configuration file (Maintenance). Keys: docs/config.md."""

from __future__ import annotations

import attrs


@attrs.frozen
class MaintenanceConfig:
    enabled: bool = True
