"""Prometheus collectors of the maintenance part (on `evgw.metrics.REGISTRY`)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from evgw.metrics import REGISTRY

OUTAGE_RECORDS = Counter(
    "evgw_mnt_outage_records_total",
    "Rows appended to the outage ledger (open, close, revise = a replay or extension, void)",
    ["kind"],
    registry=REGISTRY,
)
STATUS_IGNORED = Counter(
    "evgw_mnt_status_ignored_total",
    "Status notifications the health model did not take (unknown_connector, quirk)",
    ["reason"],
    registry=REGISTRY,
)
PROBES = Counter(
    "evgw_mnt_offline_probes_total",
    "Liveness probes (TriggerMessage Heartbeat) of silent chargers, by result (alive, offline)",
    ["result"],
    registry=REGISTRY,
)
LEDGER_WRITE_FAILURES = Counter(
    "evgw_mnt_ledger_write_failures_total",
    "Ledger appends that failed (retried at the next flush)",
    registry=REGISTRY,
)
TICKETS_OPENED = Counter(
    "evgw_mnt_tickets_opened_total",
    "New tickets by severity (alert on critical)",
    ["severity"],
    registry=REGISTRY,
)
WEBHOOKS = Counter(
    "evgw_mnt_ticket_webhooks_total",
    "Ticket webhook deliveries by result",
    ["result"],
    registry=REGISTRY,
)
REMEDIATIONS = Counter(
    "evgw_mnt_remediations_total",
    "Finished remediation workflows by outcome (self_healed, ticket, suppressed)",
    ["outcome"],
    registry=REGISTRY,
)
REMEDIATION_ACTIONS = Counter(
    "evgw_mnt_remediation_actions_total",
    "Playbook steps by step and outcome (sent, dry_run, deferred, skipped, refused, ...)",
    ["step", "outcome"],
    registry=REGISTRY,
)
INCIDENTS = Counter(
    "evgw_mnt_incidents_total",
    "Incidents raised by detection rules, by kind",
    ["kind"],
    registry=REGISTRY,
)
FILE_REQUESTS = Counter(
    "evgw_mnt_file_requests_total",
    "Single-use file URL requests (firmware downloads, diagnostics uploads) by result"
    " (ok, not_found, gone, too_large, missing)",
    ["kind", "result"],
    registry=REGISTRY,
)
FIRMWARE_TARGETS = Counter(
    "evgw_mnt_firmware_targets_total",
    "Chargers of firmware campaigns that finished, by outcome (succeeded, failed, skipped)",
    ["outcome"],
    registry=REGISTRY,
)
FIRMWARE_STATUS_ANOMALIES = Counter(
    "evgw_mnt_firmware_status_anomalies_total",
    "Firmware status notifications out of order or for no campaign (ignored)",
    ["kind"],
    registry=REGISTRY,
)
CAMPAIGNS = Counter(
    "evgw_mnt_campaign_transitions_total",
    "Firmware campaign state changes, by new state (running, paused, halted, aborted, completed)",
    ["state"],
    registry=REGISTRY,
)
DIAGNOSTICS = Counter(
    "evgw_mnt_diagnostics_total",
    "Diagnostics requests by outcome (uploaded, failed, rejected, timed_out, too_large, no_file)",
    ["outcome"],
    registry=REGISTRY,
)
CERTIFICATES_EXPIRING = Gauge(
    "evgw_mnt_certificates_expiring",
    "Charger certificates expiring within rules.certificate_warn_days (or expired)",
    registry=REGISTRY,
)
PORTS = Gauge(
    "evgw_mnt_ports",
    "Ports the health model follows, by health (up, degraded, down); uptime over a range in"
    " PromQL: 1 - avg_over_time(down share)",
    ["health"],
    registry=REGISTRY,
)
REGISTERED_CHARGERS = Gauge(
    "evgw_mnt_registered_chargers",
    "Registered chargers (offline share: 1 - sum(evgw_connected_chargers) / this)",
    registry=REGISTRY,
)
OPEN_TICKETS = Gauge(
    "evgw_mnt_open_tickets",
    "Tickets not resolved or closed, by severity",
    ["severity"],
    registry=REGISTRY,
)
