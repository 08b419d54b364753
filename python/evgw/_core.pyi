"""The Rust hot path (`rust/`, built by maturin as `evgw._core`). Hand-written stub: the contract.

One `Codec` per OCPP version, shared by every connection of that version. Schemas are the
official OCA JSON schemas, embedded at build time and compiled once per process (lazily, on
the first `Codec` of a version: 0.3 ms for 1.6, 2.6 ms for 2.1).

Validation rules beyond the schemas' letter (documented choices):
- a missing required property is "protocol" (ProtocolError), not "occurrence";
  minItems/maxItems alone are "occurrence";
- "integer" accepts an integral float (5.0, 1e2) on every version (draft-06 reading) and the
  payload handed to Python holds the int 5;
- format "date-time": RFC 3339 `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM)`; a missing offset is
  tolerated (read it as UTC); impossible dates (month 13, Feb 30) are "property";
- format "uri": a scheme, ":" and no whitespace (loose);
- multipleOf (0.1 in 1.6 charging profiles) uses a relative tolerance of 1e-9.
"""

from typing import Any, Final, Literal, TypedDict

OCPP16: Final[str]  # "ocpp1.6"
OCPP201: Final[str]  # "ocpp2.0.1"
OCPP21: Final[str]  # "ocpp2.1"
SUPPORTED_VERSIONS: Final[tuple[str, ...]]

class OcppError(Exception):
    """A frame we cannot accept. Raised by `Codec.decode`.

    kind: version-neutral: "format" | "rpc_framework" | "message_type_not_supported" |
          "not_implemented" | "protocol" | "occurrence" | "type" | "property" | "too_large".
    code: the OCPP-J error code spelled for the codec's version (1.6 "FormationViolation",
          2.x "FormatViolation", ...), ready for a CALLERROR. "rpc_framework" is
          "FormationViolation" on 1.6; "message_type_not_supported" is "GenericError" on 1.6
          (never sent there: message_id is None).
    message_id: the id to echo in the CALLERROR ("-1" on 2.x when unreadable); None when no
          reply must be sent (1.6: unknown MessageTypeId is ignored; unreadable id).
    description: short human text (<= 255 chars), never the raw frame.
    details: JSON-able dict: {"path": JSON pointer} for payload violations (e.g.
          "/meterValue/0/sampledValue/0/measurand"; for a missing property, its would-be
          path), {"offset": byte} for text that is not JSON / not UTF-8, else {}.
    action: the CALL's action when it was read, else None.
    frame_type: 2, 3 or 4 when it was read, else None.
    """

    kind: str
    code: str
    message_id: str | None
    description: str
    details: dict[str, Any]
    action: str | None
    frame_type: int | None

class Call:
    message_id: str
    action: str
    payload: dict[str, Any]

class CallResult:
    message_id: str
    payload: dict[str, Any]

class CallError:
    message_id: str
    error_code: str
    error_description: str
    error_details: dict[str, Any]

Frame = Call | CallResult | CallError

class Violation:
    path: str  # JSON pointer into the payload, "" for the root
    kind: str  # as OcppError.kind
    code: str  # OCPP-J spelling for the codec's version
    message: str

class Codec:
    version: str
    max_frame_bytes: int
    def __init__(self, version: str, *, max_frame_bytes: int = 65536) -> None: ...
    def decode(self, text: str | bytes, pending_action: str | None = None) -> Frame:
        """Parse one OCPP-J frame in one pass and validate it.

        CALL: payload validated against the action's request schema (unknown action:
        "not_implemented"). CALLRESULT: validated against `pending_action`'s response schema
        when given (an action without one -> ValueError). CALLERROR: structure checked only.
        Raises OcppError with the first violation found. MessageTypeIds other than 2, 3, 4
        (including 2.1's 5 CALLRESULTERROR and 6 SEND) are "message_type_not_supported".
        Bytes must be UTF-8. Frames over max_frame_bytes are "too_large" (id recovered from
        the first 256 bytes when possible).
        """
    def validate(
        self, action: str, kind: Literal["request", "response"], payload: dict[str, Any]
    ) -> list[Violation]:
        """All violations (empty when valid), in payload order, missing properties last.
        Unknown action or no schema for `kind` -> ValueError; payload not a dict -> TypeError."""
    def encode_call(
        self, message_id: str, action: str, payload: dict[str, Any], *, validate: bool = True
    ) -> str:
        """`[2, id, action, payload]`; ValueError listing violations when invalid, when
        `message_id` is not 1..36 characters, or the action is unknown (even without
        validation). NaN/infinity -> ValueError; non-JSON types or non-str keys -> TypeError."""
    def encode_result(
        self, message_id: str, payload: dict[str, Any], action: str | None = None
    ) -> str:
        """`[3, id, payload]`; validated against the response schema when action is given."""
    def encode_error(
        self,
        message_id: str,
        code: str,
        description: str = "",
        details: dict[str, Any] | None = None,
    ) -> str:
        """`[4, id, code, description, details]`; description cut to 255 chars. `code` must
        be an OCPP-J error code of this version (else ValueError)."""
    def error_code(self, kind: str) -> str:
        """The version's spelling of a neutral error kind (plus "internal", "generic",
        "not_supported", "security")."""
    def actions(self) -> list[str]:
        """Every action with a request schema in this version, sorted (2.1 includes
        NotifyPeriodicEventStream, a SEND payload)."""

# --- metering (rust/meter) --------------------------------------------------------------------

class MeterAggregator:
    """Per-connector register, power and current series fed by batches of sampled values.

    Values are normalised to milli base units (mWh, mW, mA). Registers are monotonic: a
    decrease is a meter reset (flagged, the step counts 0), a step larger than the connector's
    max power allows in the interval is an absurd jump (flagged, counts 0). Late and
    out-of-order batches merge by timestamp; a replayed batch changes nothing.
    """

    def __init__(self, *, future_slack_ms: int = 86_400_000) -> None: ...
    def set_max_power(self, key: str, max_power_w: int) -> None: ...
    def ingest(
        self,
        now_ms: int,
        samples: list[
            tuple[str, int, str | None, str, str | None, str | None, str | None]
        ],  # (connector key, ts ms, measurand, value, unit, phase, context)
    ) -> tuple[int, int, list[tuple[int, str]]]:
        """(accepted, ignored, [(index, reason)]); reasons: unknown_measurand, unknown_unit,
        unit_mismatch, unknown_phase, unknown_context, invalid_number, negative_value,
        future_timestamp."""

    def session_energy(
        self,
        key: str,
        start_ms: int,
        stop_ms: int | None = None,
        meter_start_wh: int | None = None,
        meter_stop_wh: int | None = None,
    ) -> tuple[int, int | None, list[str], list[tuple[int, int]]]:
        """(energy mWh, baseline mWh, flags, [(ts ms, cumulative mWh)]). Flags: meter_reset,
        absurd_jump, no_readings (these hold billing), baseline_from_reading,
        stop_below_reading, open, from_intervals."""

    def mean_power_mw(self, key: str, from_ms: int, to_ms: int) -> int | None: ...
    def mean_current_ma(self, key: str, from_ms: int, to_ms: int) -> int | None: ...
    def rollup(self, keys: list[str], interval_ms: int, from_ms: int, to_ms: int) -> list[int]:
        """Energy (mWh) per bucket [from + i*interval, ...) summed over the connectors."""

    def prune_before(self, ts_ms: int) -> None: ...

# --- pricing (rust/pricing) -------------------------------------------------------------------

class TariffError(ValueError):
    """args: (message, path) with path a JSON pointer into the tariff."""

#: (start ms, end ms, energy mWh, phase CHARGING|PARKING|RESERVATION|RESERVATION_EXPIRED,
#:  power kW as decimal text or None, current A as decimal text or None)
SegmentRow = tuple[int, int, int, str, str | None, str | None]

class Tariff:
    """An OCPI 2.2.1 Tariff (JSON text), parsed and checked; frozen."""

    def __init__(self, json: str) -> None: ...
    @property
    def currency(self) -> str: ...
    @property
    def exponent(self) -> int: ...
    def lint(self) -> list[tuple[str, str, str, str]]:
        """[(severity "error"|"warning", code, path, message)]."""

    def price(
        self, tz: str, segments: list[SegmentRow], *, final_: bool = True, rounding: str = "HALF_UP"
    ) -> str:
        """The priced session as JSON text (decimals as strings). final_=False is the running
        cost: the same function without step_size rounding."""

    def price_many(
        self,
        sessions: list[tuple[str, list[SegmentRow]]],
        *,
        final_: bool = True,
        rounding: str = "HALF_UP",
        detail: bool = True,
    ) -> list[str]:
        """One call for many sessions; detail=False: totals and volumes only."""

# Allocator (rust/alloc): one call per tick, columns in, columns out. ---------------------

#: The keys of `DemandColumns`, in the allocator's field order.
DEMAND_COLUMNS: tuple[str, ...]

class DemandColumns(TypedDict):
    """One list per field, one entry per connector (all the same length)."""

    node: list[int]  # topology node the connector hangs from
    phases: list[int]  # wye: site-phase bitmask (rotation applied); delta: 2 bits = a pair
    active: list[bool]  # a session runs and the EV may take current
    min_a: list[float]  # lowest charging current (clamped up to 6 A)
    max_a: list[float]  # min(EVSE, EV, cable, external limits), A per phase
    measured_a: list[float]  # recent highest measured current per phase; NaN = unknown/stale
    last_limit_a: list[float]  # what it got last tick (0 = paused)
    state_age_s: list[float]  # seconds in its current state (charging or paused)
    priority: list[int]  # admission class, 0 first
    weight: list[float]  # policy share (> 0)
    need_a: list[float]  # current needed to meet the departure target; NaN = unknown
    fixed_a: list[float]  # load not under control (rejected / not honoured); NaN = none
    step_a: list[float]  # the quantum the charger accepts

class Allocation:
    """Result of one tick. `reasons`: 0 idle, 1 charging, 2 paused (no capacity), 3 fixed
    load, 4 unusable (max below min), 5 paused (a row above is over even at 0 A).
    Rows: one per (node, phase 0..2) with a finite limit plus phase 3 = the node's W row."""

    limits: list[float]  # A per phase: 0 or >= 6 (fixed connectors: the load assumed)
    reasons: list[int]
    row_node: list[int]
    row_phase: list[int]  # 0-2 L1-L3 (lines a-c), 3 power (W), 4-9 unbalance I_p - I_q
    row_usage: list[float]  # A (phasor rows: magnitude) or W, after allocation
    row_limit: list[float]  # limit minus margin (delta: minus unmanaged too)
    infeasible_rows: list[int]  # over the limit with every managed connector at 0: alarm
    violations: list[str]  # invariant violations when checked: always empty

class Topology:
    """A validated capacity tree. ValueError for a cycle, an unknown parent, a negative or
    NaN value, columns of different lengths or an unknown wiring ("wye" | "delta").
    Unset limits are ``math.inf``; `voltages` are phase-neutral (wye) or line-line (delta).
    `unbalance_a` (wye only; default none): per node the largest |I_p - I_q|, A."""

    def __init__(
        self,
        wiring_name: Literal["wye", "delta"],
        parents: list[int | None],
        limits_a: list[tuple[float, float, float]],
        power_w: list[float],
        margins_a: list[float],
        voltages: list[float],
        *,
        unbalance_a: list[float] | None = None,
    ) -> None: ...
    @property
    def node_count(self) -> int: ...
    def allocate(
        self,
        demands: DemandColumns,
        unmanaged_a: list[tuple[float, float, float]],
        *,
        rotate_after_s: float = 900.0,
        headroom_a: float = 2.0,
        under_draw_a: float = 1.0,
        yield_after_s: float = 120.0,
        check: bool = False,
    ) -> Allocation:
        """One tick (releases the GIL). ValueError for an unknown node, an impossible phase
        mask, columns of different lengths, or unmanaged values that are negative or NaN."""

def allocate_over_rows(
    rows: list[tuple[Literal["linear", "phasor"], float, list[tuple[int, float, float]]]],
    demands: DemandColumns,
    *,
    rotate_after_s: float = 900.0,
    headroom_a: float = 2.0,
    under_draw_a: float = 1.0,
    yield_after_s: float = 120.0,
    check: bool = True,
) -> Allocation:
    """One tick over caller-built rows (kind, limit, [(connector, re, im)]): linear rows hold
    when Re(sum) <= limit, phasor rows when |sum| <= limit. Used by the acnportal adapter."""

# WebSocket framing (RFC 6455), used by evgw.gateway._ws -----------------------------------

WS_OP_TEXT: int
WS_OP_BINARY: int
WS_OP_CLOSE: int
WS_OP_PING: int
WS_OP_PONG: int
WS_PROTOCOL_ERROR: int

WsEvent = (
    str
    | tuple[int, bytes]  # (WS_OP_BINARY | WS_OP_PING | WS_OP_PONG, payload)
    | tuple[int, int | None, str]  # (WS_OP_CLOSE, code, reason) or (WS_PROTOCOL_ERROR, code, why)
)

class WsParser:
    """Incremental parser of received WebSocket bytes (client frames must be masked unless
    `client=True`). `feed` returns the complete events in order: a str per text message,
    tuples for binary/ping/pong/close, and last, on a protocol error, (WS_PROTOCOL_ERROR,
    close code 1002/1007/1009, reason); after a close or an error later bytes are ignored."""

    def __init__(self, max_message: int, *, client: bool = False) -> None: ...
    def feed(self, data: bytes) -> list[WsEvent]: ...
    @property
    def done(self) -> bool: ...
    @property
    def buffered(self) -> int: ...

def ws_text(text: str) -> bytes:
    """A final, unmasked text frame."""

def ws_frame(opcode: int, payload: bytes) -> bytes:
    """A final, unmasked binary, ping or pong frame (ValueError for another opcode, or a
    control payload over 125 bytes)."""

def ws_close(code: int, reason: str) -> bytes:
    """A close frame (the reason cut to 123 bytes on a character boundary)."""

def ws_masked(opcode: int, payload: bytes, key: bytes, *, fin: bool = True) -> bytes:
    """A masked client frame (tests and simulated chargers)."""
