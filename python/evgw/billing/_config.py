"""The `[billing]` section of the configuration file. Keys: docs/billing.md."""

from __future__ import annotations

import attrs


@attrs.frozen
class PaymentsConfig:
    """`[billing.payments]`: the card payment provider and the ad-hoc flow."""

    #: "none" (no card payments) or "stripe".
    provider: str = attrs.field(default="none", validator=attrs.validators.in_(("none", "stripe")))
    #: Stripe secret key (sk_...); empty: taken from the EVGW_STRIPE_API_KEY environment variable.
    stripe_api_key: str = ""
    #: Stripe webhook signing secret (whsec_...); empty: EVGW_STRIPE_WEBHOOK_SECRET.
    stripe_webhook_secret: str = ""
    #: API base URL; empty is Stripe's own. Tests point it at a local stand-in.
    stripe_api_base: str = ""
    #: how often the outbox of provider calls is drained (and at once when an intent is added).
    drain_interval_s: float = 1.0
    #: ad-hoc flow: the hold placed when the request names no amount (minor units).
    adhoc_hold_minor: int = 5000
    #: ad-hoc flow: raise the hold when the running cost reaches this share of it...
    increment_at: float = 0.8
    #: ...by this share of the current hold...
    increment_by: float = 0.5
    #: ...and stop the session at this share when the hold cannot be raised.
    stop_at: float = 0.95
    #: ad-hoc flow: void the hold when no session started within this many seconds.
    start_timeout_s: float = 180.0
    #: how often held ad-hoc sessions are checked against their hold.
    watch_interval_s: float = 5.0


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
    #: how often the running cost goes to drivers (2.0.1 CostUpdated, 1.6 California
    #: RunningCost where the charger supports it); 0 turns it off.
    cost_update_interval_s: float = 60.0
    payments: PaymentsConfig = attrs.field(factory=PaymentsConfig)
