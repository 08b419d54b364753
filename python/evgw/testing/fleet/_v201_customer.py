"""2.0.1 CustomerInformation (N09/N10): what the station holds about an idToken — its local
authorization list entry, reservations, the running and the remembered transactions — sent
in NotifyCustomerInformation parts of at most 512 characters; `clear` forgets the remembered
transactions (the local list is the CSMS's to change, through SendLocalList). A customer
identifier or certificate matches nothing the simulated station keeps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evgw.testing.fleet._commands import report_header, send_parts
from evgw.testing.fleet._local_list import held_by
from evgw.testing.fleet._measures import stamp
from evgw.testing.fleet._protocol import Control, Payload

DATA_MAX = 512  # NotifyCustomerInformation data maxLength
NO_DATA = "no data held about this customer"


def _facts(ctl: Control, token: str) -> list[str]:
    model, out = ctl.model, []
    held = held_by(model)
    if held is not None and token in held.entries:
        out.append(f"local list entry (version {held.version})")
    for r in model.held_reservations():
        if r.id_tag == token:
            where = f"EVSE {r.connector_id}" if r.connector_id else "any EVSE"
            out.append(f"reservation {r.id} of {where} until {stamp(ctl, r.expires_s)}")
    for conn in model.connectors.values():
        tx = conn.tx
        if tx is not None and tx.id_tag == token:
            out.append(
                f"transaction {tx.ref} on EVSE {tx.connector_id} since {stamp(ctl, tx.start_s)}"
            )
    for tx, stop_wh in model.history:
        if tx.id_tag == token:
            energy = stop_wh - tx.meter_start_wh
            out.append(f"transaction {tx.ref} on EVSE {tx.connector_id}: {energy} Wh")
    return out


def _chunks(text: str) -> list[str]:
    return [text[i : i + DATA_MAX] for i in range(0, len(text), DATA_MAX)]


def customer_information(proto: object, ctl: Control, p: Payload) -> Payload:
    token = p.get("idToken", {}).get("idToken")
    if token is None and "customerIdentifier" not in p and "customerCertificate" not in p:
        return {"status": "Invalid"}
    facts = _facts(ctl, token) if token is not None else []
    if p["report"]:
        text = "; ".join(facts) or NO_DATA

        def part(items: Sequence[Any], seq_no: int, tbc: bool) -> Payload:
            return {**report_header(ctl, p["requestId"], seq_no, tbc), "data": items[0]}

        send_parts(ctl, "NotifyCustomerInformation", _chunks(text), 1, part)
    if p["clear"] and token is not None:
        kept = [(tx, wh) for tx, wh in ctl.model.history if tx.id_tag != token]
        ctl.model.history.clear()
        ctl.model.history.extend(kept)
    return {"status": "Accepted"}
