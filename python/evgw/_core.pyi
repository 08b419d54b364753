"""The Rust hot path (`rust/`, built by maturin as `evgw._core`). Hand-written stub: the contract.

One `Codec` per OCPP version, shared by every connection of that version. Schemas are the
official OCA JSON schemas, embedded at build time and compiled once per process.
"""

from typing import Any, Final, Literal

OCPP16: Final[str]  # "ocpp1.6"
OCPP201: Final[str]  # "ocpp2.0.1"
OCPP21: Final[str]  # "ocpp2.1"
SUPPORTED_VERSIONS: Final[tuple[str, ...]]

class OcppError(Exception):
    """A frame we cannot accept. Raised by `Codec.decode`.

    kind: version-neutral: "format" | "rpc_framework" | "message_type_not_supported" |
          "not_implemented" | "protocol" | "occurrence" | "type" | "property" | "too_large".
    code: the OCPP-J error code spelled for the codec's version (1.6 "FormationViolation",
          2.x "FormatViolation", ...), ready for a CALLERROR.
    message_id: the id to echo in the CALLERROR ("-1" on 2.x when unreadable); None when no
          reply must be sent (1.6: unknown MessageTypeId is ignored; unreadable id).
    description: short human text (<= 255 chars), never the raw frame.
    details: JSON-able dict, e.g. {"path": "/meterValue/0/sampledValue/0/measurand"}.
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

        CALL: payload validated against the action's request schema.
        CALLRESULT: validated against `pending_action`'s response schema when given.
        CALLERROR: structure checked only. Raises OcppError.
        """
    def validate(
        self, action: str, kind: Literal["request", "response"], payload: dict[str, Any]
    ) -> list[Violation]:
        """All violations (empty when valid). Unknown action -> ValueError."""
    def encode_call(
        self, message_id: str, action: str, payload: dict[str, Any], *, validate: bool = True
    ) -> str:
        """`[2, id, action, payload]`; ValueError listing violations when invalid."""
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
        """`[4, id, code, description, details]`; description cut to 255 chars."""
    def error_code(self, kind: str) -> str:
        """The version's spelling of a neutral error kind (plus "internal", "generic",
        "not_supported", "security")."""
    def actions(self) -> list[str]:
        """Every action with a request schema in this version, sorted."""
