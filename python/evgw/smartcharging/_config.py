"""The `[smartcharging]` configuration section (load management). Keys: docs/smartcharging.md."""

from __future__ import annotations

from typing import Any

import attrs


@attrs.frozen
class SmartChargingConfig:
    enabled: bool = True
    tick_s: float = 1.0  # allocator period
    # profile dispatch
    profiles_per_s: int = 50  # global message budget (reductions first)
    increase_dwell_s: float = 30.0  # an increase waits this long after the last change
    increase_min_a: float = 1.0  # ... and must be at least max(this, 10 %)
    refresh_s: float = 600.0  # keep-alive rewrite of an unchanged TxProfile
    tx_profile_duration_s: int = 900  # validity of each TxProfile (falls back after it)
    response_lag_s: float = 5.0  # EVs follow a new limit within this
    call_timeout_s: float = 10.0
    retry_rejected_s: float = 300.0  # retry a connector whose profile was rejected
    retry_unanswered_s: float = 10.0  # first retry after no answer; doubles up to retry_rejected_s
    # allocator inputs
    rotate_after_s: float = 900.0  # slow rotation of paused EVs
    headroom_a: float = 2.0  # an EV drawing less gets measured + this
    measure_window_s: float = 60.0  # measured draw = highest current in this window
    yield_after_s: float = 120.0  # charging but drawing < 6 A - headroom this long: yields
    stale_meter_s: float = 120.0  # older samples are ignored (assume the limit is drawn)
    noncompliance_a: float = 2.0  # drawing more than limit + this (after the lag): fixed load
    external_limit_interval_s: float = 10.0  # how often the external_limit hook is asked
    # planner (sites with a `planner` section: time-of-use prices, peak target)
    plan_interval_s: float = 300.0  # replan at least this often (and at every slot boundary)
    plan_min_gap_s: float = 10.0  # after an event, replan no sooner than this after the last
    plan_slot_s: float = 900.0  # slot length (aligned to local midnight)
    plan_horizon_s: float = 86_400.0  # how far ahead it plans (departures beyond: at the end)
    # sites defined in the file (the API stores its own; a file site wins at start)
    sites: list[dict[str, Any]] = attrs.field(factory=list)
