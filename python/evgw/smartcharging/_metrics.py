"""Prometheus collectors of load management (in the shared `evgw.metrics.REGISTRY`)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from evgw.metrics import REGISTRY

NODE_LIMIT = Gauge(
    "evgw_sc_node_limit_amps",
    "Node limit per phase (after margin; phase 'W' in watts)",
    ["site", "node", "phase"],
    registry=REGISTRY,
)
NODE_ALLOCATED = Gauge(
    "evgw_sc_node_allocated_amps",
    "Load per phase the allocation allows (limits given + unmanaged)",
    ["site", "node", "phase"],
    registry=REGISTRY,
)
NODE_MEASURED = Gauge(
    "evgw_sc_node_measured_amps",
    "Measured per phase (connectors' recent currents + unmanaged)",
    ["site", "node", "phase"],
    registry=REGISTRY,
)
CONNECTOR_LIMIT = Gauge(
    "evgw_sc_connector_limit_amps",
    "Limit allocated to a connector (A per phase)",
    ["site", "charger", "evse"],
    registry=REGISTRY,
)
PAUSED = Gauge(
    "evgw_sc_paused_connectors", "Sessions paused for lack of capacity", ["site"], registry=REGISTRY
)
INFEASIBLE = Gauge(
    "evgw_sc_infeasible_rows",
    "Rows over their limit even with all managed load at 0 (alarm)",
    ["site"],
    registry=REGISTRY,
)
TICK_SECONDS = Histogram(
    "evgw_sc_tick_seconds",
    "One allocator tick over all sites",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
    registry=REGISTRY,
)
PROFILES = Counter(
    "evgw_sc_profiles_total",
    "SetChargingProfile calls by kind (reduce, increase, first, refresh, fallback, max) and result",
    ["kind", "result"],
    registry=REGISTRY,
)
METER_REJECTED = Counter(
    "evgw_sc_meter_rejected_total",
    "Meter readings ignored by load management",
    ["reason"],
    registry=REGISTRY,
)
