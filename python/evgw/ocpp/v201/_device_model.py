"""The device model per charger: NotifyReport parts assembled once every part is in (any
order), SetVariables results applied, reads for the API. Store operations (``store.write`` /
``store.read``) on the tables of ``_schema``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import attrs

from evgw.store._db import Db

Payload = dict[str, Any]
_KEY = (
    "charger_id, component, component_instance, evse_id, connector_id, variable, "
    "variable_instance, attribute_type"
)


@attrs.frozen
class ReportPart:
    charger_id: str
    request_id: int
    seq_no: int
    tbc: bool
    generated_at: datetime
    data: tuple[Payload, ...]
    received_at: datetime


@attrs.frozen
class ReportState:
    request_id: int
    status: str  # "receiving" (parts missing) | "complete"
    parts: int
    missing: tuple[int, ...]  # seqNos not received below the last one known
    variables: int  # variables assembled (complete reports)
    updated_at: datetime | None = None


@attrs.frozen
class VariableKey:
    component: str
    component_instance: str
    evse_id: int
    connector_id: int
    variable: str
    variable_instance: str
    attribute_type: str

    @classmethod
    def of(cls, component: Payload, variable: Payload, attribute_type: str | None) -> VariableKey:
        evse = component.get("evse", {})
        return cls(
            *(component["name"], component.get("instance", "")),
            *(evse.get("id", 0), evse.get("connectorId", 0)),
            *(variable["name"], variable.get("instance", ""), attribute_type or "Actual"),
        )


def _upsert(
    db: Db, charger_id: str, rows: Iterable[tuple[VariableKey, Payload, str | None]], at: object
) -> int:
    params = [
        (charger_id, *attrs.astuple(key), attr.get("value"), attr.get("mutability"), chars, at)
        for key, attr, chars in rows
    ]
    db.many(
        f"INSERT INTO ocpp201_variables ({_KEY}, value, mutability, characteristics, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
        f"({_KEY}) DO UPDATE SET value = excluded.value, mutability = excluded.mutability,"
        " characteristics = COALESCE(excluded.characteristics, ocpp201_variables.characteristics),"
        " updated_at = excluded.updated_at",
        params,
    )
    return len(params)


def _report_rows(data: Iterable[Payload]) -> Iterable[tuple[VariableKey, Payload, str | None]]:
    for item in data:
        chars = item.get("variableCharacteristics")
        text = json.dumps(chars, sort_keys=True) if chars is not None else None
        for attribute in item["variableAttribute"]:
            key = VariableKey.of(item["component"], item["variable"], attribute.get("type"))
            yield key, attribute, text


def _state(db: Db, charger_id: str, request_id: int) -> tuple[list[int], int | None]:
    rows = db.all(
        "SELECT seq_no, tbc FROM ocpp201_report_parts WHERE charger_id = ? AND request_id = ?"
        " ORDER BY seq_no",
        (charger_id, request_id),
    )
    last = next((int(s) for s, tbc in rows if not tbc), None)
    return [int(s) for s, _ in rows], last


def _assemble(db: Db, part: ReportPart) -> int:
    rows = db.all(
        "SELECT data FROM ocpp201_report_parts WHERE charger_id = ? AND request_id = ?"
        " ORDER BY seq_no",
        (part.charger_id, part.request_id),
    )
    data = [item for (text,) in rows for item in json.loads(text)]
    return _upsert(db, part.charger_id, _report_rows(data), db.ts(part.received_at))


def store_report_part(db: Db, part: ReportPart) -> ReportState:
    """Keep the part (a repeated seqNo is ignored); assemble when the last part (tbc false) and
    every seqNo before it are in."""
    db.run(
        "INSERT INTO ocpp201_report_parts (charger_id, request_id, seq_no, tbc, generated_at,"
        " data, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (charger_id, request_id, seq_no) DO NOTHING",
        (
            *(part.charger_id, part.request_id, part.seq_no, int(part.tbc)),
            *(db.ts(part.generated_at), json.dumps(part.data), db.ts(part.received_at)),
        ),
    )
    seqs, last = _state(db, part.charger_id, part.request_id)
    top = last if last is not None else max(seqs)
    missing = tuple(sorted(set(range(top + 1)) - set(seqs)))
    previous = db.one(
        "SELECT status, variables FROM ocpp201_reports WHERE charger_id = ? AND request_id = ?",
        (part.charger_id, part.request_id),
    )
    complete = last is not None and not missing
    if previous is not None and previous[0] == "complete":
        variables = int(previous[1])  # a part repeated after assembly
    else:
        variables = _assemble(db, part) if complete else 0
    status = "complete" if complete else "receiving"
    db.run(
        "INSERT INTO ocpp201_reports (charger_id, request_id, status, parts, last_seq_no,"
        " variables, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (charger_id, request_id)"
        " DO UPDATE SET status = excluded.status, parts = excluded.parts,"
        " last_seq_no = excluded.last_seq_no, variables = excluded.variables,"
        " updated_at = excluded.updated_at",
        (
            *(part.charger_id, part.request_id, status, len(seqs), last),
            *(variables, db.ts(part.received_at)),
        ),
    )
    return ReportState(part.request_id, status, len(seqs), missing, variables)


def apply_set_results(db: Db, charger_id: str, accepted: list[Payload], at: datetime) -> int:
    """SetVariableData items the charger Accepted become the stored value."""
    rows = [
        (
            VariableKey.of(i["component"], i["variable"], i.get("attributeType")),
            {"value": i["attributeValue"]},
            None,
        )
        for i in accepted
    ]
    return _upsert(db, charger_id, rows, db.ts(at)) if rows else 0


def read_variables(
    db: Db, charger_id: str, component: str | None, variable: str | None
) -> list[Payload]:
    where, params = ["charger_id = ?"], [charger_id]
    for column, value in (("component", component), ("variable", variable)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    rows = db.all(
        f"SELECT {_KEY}, value, mutability, characteristics, updated_at FROM ocpp201_variables"
        f" WHERE {' AND '.join(where)} ORDER BY component, component_instance, evse_id,"
        " connector_id, variable, variable_instance, attribute_type",
        params,
    )
    names = (
        *("component", "component_instance", "evse_id", "connector_id", "variable"),
        *("variable_instance", "attribute_type", "value", "mutability"),
    )
    out = []
    for row in rows:
        item: Payload = dict(zip(names, row[1:10], strict=True))
        item["characteristics"] = json.loads(row[10]) if row[10] else None
        item["updated_at"] = db.dt(row[11])
        out.append(item)
    return out


def read_reports(db: Db, charger_id: str) -> list[ReportState]:
    rows = db.all(
        "SELECT request_id, status, parts, last_seq_no, variables, updated_at FROM ocpp201_reports"
        " WHERE charger_id = ? ORDER BY updated_at DESC",
        (charger_id,),
    )
    out = []
    for request_id, status, parts, _last, variables, updated in rows:
        seqs, last = _state(db, charger_id, int(request_id))
        top = last if last is not None else max(seqs)
        missing = tuple(sorted(set(range(top + 1)) - set(seqs)))
        out.append(
            ReportState(
                int(request_id), status, int(parts), missing, int(variables), db.dt(updated)
            )
        )
    return out


def variable_value(
    db: Db, charger_id: str, component: str, variable: str, instance: str = ""
) -> str | None:
    row = db.one(
        "SELECT value FROM ocpp201_variables WHERE charger_id = ? AND component = ? AND"
        " variable = ? AND variable_instance = ? AND attribute_type = 'Actual'"
        " AND component_instance = '' AND evse_id = 0 AND connector_id = 0",
        (charger_id, component, variable, instance),
    )
    return None if row is None else row[0]
