"""The `[billing]` section of the configuration file. Keys: docs/billing.md."""

from __future__ import annotations

import attrs


@attrs.frozen
class BillingConfig:
    enabled: bool = True
    #: IANA time zone for tariff restrictions when a site has none in `site_time_zones`.
    time_zone: str = "UTC"
    #: site id -> IANA time zone (the location's `time_zone` in OCPI terms).
    site_time_zones: dict[str, str] = attrs.field(factory=dict)
    #: payable rounding: HALF_UP or HALF_EVEN.
    rounding: str = "HALF_UP"
    #: OCPI identity of this CPO, written into CDRs.
    country_code: str = "DE"
    party_id: str = "EVG"
    #: how often completed sessions without a CDR are looked for (also at start-up).
    sweep_interval_s: float = 5.0
    #: a connector never delivers more than this (W); larger meter steps are absurd jumps.
    max_power_w: int = 400_000
