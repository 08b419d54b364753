"""The `[billing]` section of the configuration file (Billing and payment). Keys: docs/config.md."""

from __future__ import annotations

import attrs


@attrs.frozen
class BillingConfig:
    enabled: bool = True
