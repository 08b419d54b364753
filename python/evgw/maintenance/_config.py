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
    derate: tuple[DerateRule, ...] = ()


@attrs.frozen
class DerateRule:
    """A port of `model` (empty: any) whose sessions peak at or below `low_kw` `sessions`
    times in a row is not up (cause hardware) from the first of them until a session reaches
    `min_kw` (the minimum power level, e.g. 150 kW for NEVI DC ports)."""

    min_kw: float
    low_kw: float
    model: str = ""
    sessions: int = 5


@attrs.frozen
class DetectionConfig:
    offline_floor_s: float = 540.0  # offline after max(2 x heartbeat interval, this)
    probe_timeout_s: float = 30.0
    check_interval_s: float = 30.0


@attrs.frozen
class Playbook:
    """Steps for a fault: the first playbook whose error codes and models match is used
    (empty = any). Steps: trigger_status, soft_reset, hard_reset, wait_recovery, ticket, or
    a name a plugin's ``playbook_step`` hook implements."""

    name: str
    error_codes: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    steps: tuple[str, ...] = (
        "trigger_status",
        "soft_reset",
        "wait_recovery",
        "hard_reset",
        "wait_recovery",
        "ticket",
    )


@attrs.frozen
class RemediationConfig:
    enabled: bool = True
    dry_run: bool = False  # audit what would be done, send nothing
    settle_s: float = 30.0  # after TriggerMessage(StatusNotification), wait for the status
    recovery_timeout_s: float = 600.0  # after a reset, wait for boot and an operative status
    reset_budget_per_day: int = 2  # automatic resets per charger per 24 h
    reset_cooldown_s: float = 1800.0  # at least this between two automatic resets
    hard_reset_models: tuple[str, ...] = ()  # models allowed a hard reset
    dispatch_only: tuple[str, ...] = ()  # error codes: ticket at once, never auto-reset
    defer_poll_s: float = 30.0  # a session is charging: check again after this
    defer_max_s: float = 4 * 3600.0  # still charging after this: ticket
    playbooks: tuple[Playbook, ...] = (Playbook("default"),)


@attrs.frozen
class DetectionRules:
    storm_window_s: float = 60.0  # fleet circuit breaker: disconnects within this window
    storm_share: float = 0.2  # ... of the chargers connected at the window's start
    storm_min_chargers: int = 5  # ... and at least this many
    storm_hold_s: float = 900.0  # no per-charger tickets or resets for this long after
    offline_ticket_s: float = 900.0  # offline this long -> ticket
    stuck_preparing_s: float = 600.0  # Preparing without a transaction this long
    failed_starts: int = 3  # consecutive failed sessions on a port -> ticket
    failed_start_max_s: float = 120.0  # a session shorter than this with too little energy
    reboot_loop_count: int = 5  # boots within reboot_loop_window_s (not caused by evgw)
    reboot_loop_window_s: float = 3600.0
    # security events the charger marks critical (SecurityEventReceived.critical) open a
    # critical ticket, except these routine ones (a reboot, a firmware update, a clock set)
    security_routine: tuple[str, ...] = (
        "StartupOfTheDevice",
        "ResetOrReboot",
        "FirmwareUpdated",
        "SettingSystemTime",
    )
    certificate_warn_days: float = 30.0  # a charger certificate expiring within this: ticket
    certificate_check_s: float = 3600.0  # how often certificates are checked


@attrs.frozen
class TicketConfig:
    webhook_url: str = ""  # POSTed a JSON body for every new critical ticket
    webhook_timeout_s: float = 5.0
    sla_critical_h: float = 4.0
    sla_high_h: float = 24.0
    sla_medium_h: float = 72.0
    sla_low_h: float = 168.0


@attrs.frozen
class FilesConfig:
    """Firmware downloads and diagnostics uploads served by evgw's HTTP listener (the API's),
    at single-use URLs under /files/."""

    base_url: str = ""  # how chargers reach evgw (e.g. https://evgw.example.net); "" = the API
    dir: str = "maintenance-files"  # images and uploaded diagnostics
    upload_ttl_s: float = 900.0  # an upload URL expires after this
    download_ttl_s: float = 86_400.0  # a firmware URL expires this long after it is issued
    max_upload_bytes: int = 50 * 1024 * 1024
    max_image_bytes: int = 512 * 1024 * 1024


@attrs.frozen
class DiagnosticsConfig:
    timeout_s: float = 900.0  # no upload by then: the request timed out
    on_fault_ticket: bool = True  # collect diagnostics for a remediation's fault ticket


@attrs.frozen
class FirmwareConfig:
    """Campaign defaults (each campaign may set its own)."""

    canary: int = 1  # chargers updated first; any failure halts the campaign
    wave_size: int = 10
    failure_threshold: float = 0.2  # halt when the failed share of decided chargers passes it
    min_decided: int = 3  # ... once at least this many chargers have finished
    download_timeout_s: float = 3600.0  # stage timeouts: requested/downloading
    install_timeout_s: float = 1800.0  # downloaded/installing
    boot_timeout_s: float = 900.0  # rebooting/installed, until a boot reports the new version
    tick_s: float = 1.0


@attrs.frozen
class MaintenanceConfig:
    enabled: bool = True
    flush_interval_s: float = 1.0  # how often health changes are appended to the ledger
    session_success_wh: int = 500  # a session delivering less is a failed charge attempt
    health: HealthConfig = attrs.field(factory=HealthConfig)
    detection: DetectionConfig = attrs.field(factory=DetectionConfig)
    rules: DetectionRules = attrs.field(factory=DetectionRules)
    remediation: RemediationConfig = attrs.field(factory=RemediationConfig)
    tickets: TicketConfig = attrs.field(factory=TicketConfig)
    files: FilesConfig = attrs.field(factory=FilesConfig)
    diagnostics: DiagnosticsConfig = attrs.field(factory=DiagnosticsConfig)
    firmware: FirmwareConfig = attrs.field(factory=FirmwareConfig)
    policies: tuple[UptimePolicy, ...] = DEFAULT_POLICIES
    reason_codes: dict[str, int] = attrs.field(factory=lambda: dict(DEFAULT_REASON_CODES))

    def __attrs_post_init__(self) -> None:
        check_config(self)

    def policy(self, name: str) -> UptimePolicy | None:
        return next((p for p in self.policies if p.name == name), None)

    def error_cause(self, error_code: str | None) -> Cause:
        cause = self.health.error_causes.get(error_code or "")
        if cause is None:
            cause = DEFAULT_ERROR_CAUSES.get(error_code or "", Cause.HARDWARE)
        return Cause(cause)


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
