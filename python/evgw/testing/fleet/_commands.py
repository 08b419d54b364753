"""What the 1.6 and 2.0.1 command tables share: dispatch, fixed answers, small look-ups."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from evgw.testing.fleet._actions import Upload, status_note, upload_diagnostics
from evgw.testing.fleet._connector import Connector
from evgw.testing.fleet._measures import stamp
from evgw.testing.fleet._model import ChargerModel
from evgw.testing.fleet._protocol import CallRefused, Control, Outgoing, Payload
from evgw.testing.fleet._reservations import Reservation

Command = Callable[[Any, Control, Payload], Payload]  # (protocol instance, charger, payload)


def fixed(reply: Payload) -> Command:
    """A command answered the same way every time (a feature the simulator does not have)."""
    return lambda proto, ctl, p: dict(reply)


def dispatch(
    commands: Mapping[str, Command],
    proto: object,
    ctl: Control,
    action: str,
    payload: Payload,
    *,
    format_code: str,
) -> Payload:
    """Run `action`'s command; unknown actions are NotImplemented, unreadable payloads get
    `format_code` (1.6 FormationViolation, 2.0.1 FormatViolation)."""
    command = commands.get(action)
    if command is None:
        raise CallRefused("NotImplemented", f"{action} is not implemented by this charger")
    try:
        reply = command(proto, ctl, payload)
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise CallRefused(format_code, f"{action}: bad payload ({exc})") from None
    ctl.pump()  # what the command changed is reported at once (after the answer)
    return reply


def free_connector(model: ChargerModel, id_tag: str) -> int:
    """The first connector without a transaction or fault that `id_tag` may use (0: none)."""
    return next(
        (
            c.id
            for c in model.connectors.values()
            if c.tx is None and not c.faulted and model.admits(c.id, id_tag)
        ),
        0,
    )


def reserve(ctl: Control, r: Reservation) -> Payload:
    """ReserveNow in either version, once its payload is read."""
    if r.connector_id is not None and r.connector_id not in ctl.model.connectors:
        return {"status": "Rejected"}
    return {"status": ctl.model.reserve(r, ctl.now())}


def cancel_reservation(proto: object, ctl: Control, p: Payload) -> Payload:
    """CancelReservation (the same in 1.6 and 2.0.1)."""
    found = ctl.model.cancel_reservation(p["reservationId"], ctl.now())
    return {"status": "Accepted" if found is not None else "Rejected"}


def current_limit_a(conn: Connector) -> float:
    """The per-phase current the connector allows now."""
    return conn.applied_a if conn.applied_a is not None else conn.max_current_a


LOG_UPLOAD = Upload("Uploading", "Uploaded", "UploadFailure")


def get_log(proto: object, ctl: Control, p: Payload) -> Payload:
    """GetLog (1.6 security extension and 2.0.1 alike): LogStatusNotification Uploading,
    then Uploaded or UploadFailure, with the requestId."""
    name = f"{p['logType']}-{ctl.identity.serial}-{int(ctl.now())}.log"
    note = status_note("LogStatusNotification", requestId=p["requestId"])
    location = p["log"]["remoteLocation"]
    ctl.spawn(lambda: upload_diagnostics(ctl, location, name, note, LOG_UPLOAD))
    return {"status": "Accepted", "filename": name}


Part = Callable[[Sequence[Any], int, bool], Payload]  # (items, seqNo, tbc) -> payload


def send_parts(ctl: Control, action: str, items: Sequence[Any], size: int, part: Part) -> None:
    """Queue `action` reporting `items` in parts of at most `size` (2.0.1 seqNo / tbc)."""
    chunks = [items[i : i + size] for i in range(0, len(items), size)] or [items]
    for seq_no, chunk in enumerate(chunks):
        payload = part(chunk, seq_no, seq_no < len(chunks) - 1)
        ctl.enqueue(Outgoing(action, lambda x=payload: x))  # type: ignore[misc]


def report_header(ctl: Control, request_id: int, seq_no: int, tbc: bool) -> Payload:
    """The fields every 2.0.1 Notify*Report part starts with."""
    return {
        "requestId": request_id,
        "generatedAt": stamp(ctl, ctl.now()),
        "seqNo": seq_no,
        "tbc": tbc,
    }
