"""Prometheus collectors.

One registry per process (`REGISTRY`); metric names are a contract for dashboards.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

CONNECTED_CHARGERS = Gauge(
    "evgw_connected_chargers",
    "Chargers with a live OCPP connection",
    ["version"],
    registry=REGISTRY,
)
HANDSHAKES = Counter(
    "evgw_ws_handshakes_total",
    "WebSocket upgrade attempts by result (accepted, unauthorized, unknown, no_subprotocol, "
    "bad_path, throttled, rejected)",
    ["result"],
    registry=REGISTRY,
)
MESSAGES = Counter(
    "evgw_ocpp_messages_total",
    "OCPP messages by action, direction (in = from charger, out = to charger) and result",
    ["action", "direction", "result"],
    registry=REGISTRY,
)
CALLERRORS = Counter(
    "evgw_ocpp_callerrors_total",
    "CALLERRORs by code and direction (out = we sent it, in = a charger sent it)",
    ["code", "direction"],
    registry=REGISTRY,
)
HANDLER_SECONDS = Histogram(
    "evgw_ocpp_handler_seconds",
    "Time from frame received to reply written, by action",
    ["action"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
STORE_COMMIT_SECONDS = Histogram(
    "evgw_store_commit_seconds",
    "Duration of one group commit (execute batch + COMMIT)",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
    registry=REGISTRY,
)
#: store queue waits and reads: from 0.1 ms (an idle pool) to 1 s (a stalled one)
_STORE_WAIT_BUCKETS = (0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


def _store_seconds(name: str, doc: str, buckets: tuple[float, ...]) -> Histogram:
    return Histogram(name, doc, buckets=buckets, registry=REGISTRY)


STORE_WRITE_WAIT_SECONDS = _store_seconds(
    "evgw_store_write_wait_seconds",
    "Time the oldest write of a group commit waited in the writer's queue",
    _STORE_WAIT_BUCKETS,
)
STORE_CHECKPOINT_SECONDS = _store_seconds(
    "evgw_store_checkpoint_seconds",
    "Duration of one SQLite WAL checkpoint, run by the writer between group commits",
    (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
STORE_READ_WAIT_SECONDS = _store_seconds(
    "evgw_store_read_wait_seconds",
    "Time a store read waited in the readers' queue for a free reader thread",
    _STORE_WAIT_BUCKETS,
)
STORE_READ_SECONDS = _store_seconds(
    "evgw_store_read_seconds",
    "Duration of one store read on its reader connection (one snapshot transaction)",
    _STORE_WAIT_BUCKETS,
)
STORE_BATCH_SIZE = Histogram(
    "evgw_store_batch_size",
    "Operations committed together in one group commit",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
    registry=REGISTRY,
)
PLUGIN_FAILURES = Counter(
    "evgw_plugin_failures_total",
    "Plugin hook calls that raised or timed out (the default decision was used)",
    ["hook", "reason"],
    registry=REGISTRY,
)
DROPPED_FRAMES = Counter(
    "evgw_ocpp_dropped_frames_total",
    "Frames dropped without reply (late or unknown CALLRESULT, binary, ignored type, rate limit)",
    ["reason"],
    registry=REGISTRY,
)
SECURITY_EVENTS = Counter(
    "evgw_charger_security_events_total",
    "SecurityEventNotifications from chargers (type: the standard ones, else 'other')",
    ["type", "critical"],
    registry=REGISTRY,
)
EVENT_SUBSCRIBER_FAILURES = Counter(
    "evgw_event_subscriber_failures_total",
    "Domain-event subscribers that raised (the event still reached the others)",
    ["event"],
    registry=REGISTRY,
)
GC_PAUSE_SECONDS = Histogram(
    "evgw_gc_pause_seconds",
    "Pauses of Python's cyclic garbage collector, by generation (every task waits meanwhile)",
    ["generation"],
    buckets=(0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=REGISTRY,
)
KEEPALIVE_TIMEOUTS = Counter(
    "evgw_ws_keepalive_timeouts_total",
    "Connections closed because a WebSocket ping got no pong in time",
    registry=REGISTRY,
)
