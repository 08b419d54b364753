"""The `[authz]` section of the configuration file. Keys: docs/authorization.md."""

from __future__ import annotations

import enum

import attrs


class OfflinePolicy(enum.StrEnum):
    """What happens to a session a charger started offline with a token evgw refuses."""

    BILL = "bill"  # priced and billed like any other session
    BILL_AND_FLAG = "bill_and_flag"  # billed, and a review flag on the transaction
    HOLD = "hold"  # flagged and held from automatic billing until an operator releases it


@attrs.frozen
class LocalListConfig:
    #: push local authorization lists to connected chargers that support them.
    enabled: bool = False
    #: how often chargers with pending changes are synced (and failed syncs retried).
    sync_interval_s: float = 10.0
    #: the first retry waits this long, doubling per failure up to `max_retry_s`.
    retry_s: float = 5.0
    max_retry_s: float = 600.0
    #: used when a charger does not report its limits.
    default_max_length: int = 1000
    default_items_per_message: int = 50


@attrs.frozen
class AuthzConfig:
    enabled: bool = True
    #: bill | bill_and_flag | hold (see OfflinePolicy).
    offline_policy: OfflinePolicy = OfflinePolicy.BILL_AND_FLAG
    #: cap on how long a charger may cache an authorization (s); 0: no cap (token expiry only).
    cache_ttl_s: int = 0
    #: how often sessions with a cost limit are priced against it (remote stop at the limit).
    limit_check_interval_s: float = 15.0
    local_list: LocalListConfig = attrs.field(factory=LocalListConfig)
