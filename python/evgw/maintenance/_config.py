"""The `[maintenance]` section of the configuration file (Maintenance). Keys: docs/maintenance.md.

Vendor quirks, error-code causes and uptime policies are data here, not code.
"""

from __future__ import annotations

import attrs

from ._model import Cause

#: 1.6 error codes (with status Faulted) -> cause class; unknown codes are "hardware".
DEFAULT_ERROR_CAUSES: dict[str, str] = {
    "ReaderFailure": Cause.PAYMENT,
    "LocalListConflict": Cause.PAYMENT,
    "InternalError": Cause.FIRMWARE,
    "ResetFailure": Cause.FIRMWARE,
    "WeakSignal": Cause.CONNECTIVITY,
}


@attrs.frozen
class Quirk:
    """A status combination a model sends that is not a fault. Empty fields match anything;
    ``action`` "ignore" drops the notification, "warning" keeps the port up with a warning."""

    vendor: str = ""
    model: str = ""
    status: str = ""
    error_code: str = ""
    vendor_error_code: str = ""
    action: str = "warning"


@attrs.frozen
class PolicyCap:
    """Caps on an excludable cause under a policy (minutes; 0 = no cap)."""

    cause: str
    per_incident_min: float = 0.0
    per_year_min: float = 0.0


@attrs.frozen
class UptimePolicy:
    name: str
    excludable: tuple[PolicyCap, ...]
    constant_year: bool = True  # denominator 525,600 min (NEVI) or the window's minutes
    threshold_pct: float = 97.0  # a port passes only when strictly above


_NEVI_EXCLUDABLE = (
    Cause.UTILITY,
    Cause.EV,
    Cause.SCHEDULED_MAINTENANCE,
    Cause.VANDALISM,
    Cause.NATURAL_DISASTER,
    Cause.OUTSIDE_HOURS,
)
DEFAULT_POLICIES = (
    UptimePolicy("nevi", tuple(PolicyCap(str(c)) for c in _NEVI_EXCLUDABLE)),
    UptimePolicy(
        "cec",
        (
            PolicyCap(Cause.VANDALISM, per_incident_min=10 * 1440),
            PolicyCap(Cause.UTILITY),
            PolicyCap(Cause.NATURAL_DISASTER),
            PolicyCap(Cause.SCHEDULED_MAINTENANCE, per_year_min=72 * 60),
        ),
    ),
)
#: EV-ChART Module 4 excluded_outage_reason (1-6), in the order of 23 CFR 680.116(b)(4)'s
#: list (verify against the EV-ChART Data Format and Preparation Guidance).
DEFAULT_REASON_CODES: dict[str, int] = {
    Cause.UTILITY: 1,
    Cause.EV: 2,
    Cause.SCHEDULED_MAINTENANCE: 3,
    Cause.VANDALISM: 4,
    Cause.NATURAL_DISASTER: 5,
    Cause.OUTSIDE_HOURS: 6,
}


@attrs.frozen
class HealthConfig:
    replay_window_s: float = 86_400.0  # older event timestamps: the arrival time is used
    future_skew_s: float = 300.0  # later event timestamps: the arrival time is used
    flap_merge_s: float = 60.0  # outages closer than this on one port are one outage
    max_points_per_port: int = 10_000
    max_connectors: int = 16  # higher connector ids are ignored (and counted)
    error_causes: dict[str, str] = attrs.field(factory=dict)  # added to the defaults
    quirks: tuple[Quirk, ...] = ()


@attrs.frozen
class DetectionConfig:
    offline_floor_s: float = 540.0  # offline after max(2 x heartbeat interval, this)
    probe_timeout_s: float = 30.0
    check_interval_s: float = 30.0


@attrs.frozen
class MaintenanceConfig:
    enabled: bool = True
    flush_interval_s: float = 1.0  # how often health changes are appended to the ledger
    session_success_wh: int = 500  # a session delivering less is a failed charge attempt
    health: HealthConfig = attrs.field(factory=HealthConfig)
    detection: DetectionConfig = attrs.field(factory=DetectionConfig)
    policies: tuple[UptimePolicy, ...] = DEFAULT_POLICIES
    reason_codes: dict[str, int] = attrs.field(factory=lambda: dict(DEFAULT_REASON_CODES))

    def __attrs_post_init__(self) -> None:
        check_config(self)

    def policy(self, name: str) -> UptimePolicy | None:
        return next((p for p in self.policies if p.name == name), None)

    def error_cause(self, error_code: str | None) -> Cause:
        table = {**DEFAULT_ERROR_CAUSES, **self.health.error_causes}
        return Cause(table.get(error_code or "", Cause.HARDWARE))


def check_config(cfg: MaintenanceConfig) -> None:
    causes = {str(c) for c in Cause}
    named = [*cfg.health.error_causes.values(), *cfg.reason_codes]
    named += [cap.cause for p in cfg.policies for cap in p.excludable]
    unknown = sorted(set(named) - causes)
    if unknown:
        raise ValueError(f"maintenance: unknown cause classes {unknown}; known: {sorted(causes)}")
    bad = sorted(q.action for q in cfg.health.quirks if q.action not in ("ignore", "warning"))
    if bad:
        raise ValueError(f"maintenance.health.quirks: action must be ignore or warning: {bad}")
