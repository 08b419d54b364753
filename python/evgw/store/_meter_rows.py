"""Meter samples as stored: one `meter_values` row per meterValue (a charger, EVSE,
connector and timestamp), its sampled values packed as compact JSON
``[[measurand, value, unit, phase, context, location, format], ...]``.

One row and one index entry per meterValue instead of one row and two index entries per
sampled value: a MeterValues of ten values writes a tenth of the rows and far fewer pages.
Only the rows outside a transaction are indexed by charger (billing looks those up by
charger, connector and time); a transaction's rows by (transaction, time).

A sampled value is read once: a retried or replayed MeterValues stores its row again, and the
readers keep the first of the samples that share the natural key (charger, EVSE, connector,
timestamp, measurand, phase, context, location, format), in the order they were stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal

from evgw.domain import MeterSample, SampledValues
from evgw.store._db import Db, Row

#: Stored fields of one sampled value, after its timestamp (MeterSample's order).
Fields = tuple[str, str, str | None, str | None, str | None, str | None, str | None]

INSERT = (
    "INSERT INTO meter_values (transaction_id, charger_id, evse_id, connector_id, ts, samples) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
#: Columns the readers select, in the order `unpack` expects.
COLUMNS = "charger_id, evse_id, connector_id, ts, samples"

_pack = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_REGISTER = "Energy.Active.Import.Register"


def rows(
    db: Db, key: tuple[str | None, str, int, int], samples: Sequence[MeterSample]
) -> list[tuple[object, ...]]:
    """meter_values rows from (transaction id, charger, EVSE, connector) and the samples:
    consecutive samples with the same timestamp make one row. `SampledValues` are packed from
    their rows, without making sample objects."""
    timed: Iterable[tuple[datetime, Fields]]
    if isinstance(samples, SampledValues):
        timed = ((r[0], r[1:]) for r in samples.rows)
    else:
        timed = (
            (x.timestamp, (x.measurand, x.value, x.unit, x.phase, x.context, x.location, x.format))
            for x in samples
        )
    out: list[tuple[object, ...]] = []
    at: object = None
    stored_at: object = None
    group: list[Fields] = []
    for ts, fields in timed:
        if ts is not at and ts != at:
            if group:
                out.append((*key, stored_at, _pack(group)))
                group = []
            at, stored_at = ts, db.ts(ts)
        group.append(fields)
    if group:
        out.append((*key, stored_at, _pack(group)))
    return out


def unpack(db: Db, stored: Iterable[Row]) -> list[MeterSample]:
    """Samples of rows (`COLUMNS`) read in (timestamp, id) order; of samples sharing their
    natural key only the first is kept."""
    out: list[MeterSample] = []
    seen: set[tuple[object, ...]] = set()
    last_ts: object = None
    for charger_id, evse_id, connector_id, ts, packed in stored:
        if ts != last_ts:
            seen.clear()  # the natural key holds the timestamp: only equal ones can repeat
            last_ts = ts
        at = db.dt(ts)
        assert at is not None
        for m, value, unit, phase, context, location, fmt in json.loads(packed):
            natural = (charger_id, evse_id, connector_id, m, phase, context, location, fmt)
            if natural not in seen:
                seen.add(natural)
                out.append(MeterSample(at, m, value, unit, phase, context, location, fmt))
    return out


def transaction_samples(db: Db, tx_id: str) -> list[MeterSample]:
    return unpack(
        db,
        db.all(
            f"SELECT {COLUMNS} FROM meter_values WHERE transaction_id = ? ORDER BY ts, id",
            (tx_id,),
        ),
    )


def _newest_first(db: Db, tx_id: str) -> Iterator[list[Fields]]:
    """The transaction's packed samples, newest timestamp first (of equal ones the first
    stored first, as readers keep it), a page at a time."""
    sql = (
        "SELECT samples FROM meter_values WHERE transaction_id = ? "
        "ORDER BY ts DESC, id LIMIT ? OFFSET ?"
    )
    page, offset = 8, 0
    while True:
        found = db.all(sql, (tx_id, page, offset))
        for (packed,) in found:
            yield json.loads(packed)
        if len(found) < page:
            return
        offset += page
        page = min(page * 4, 1024)


def latest_register_wh(db: Db, tx_id: str) -> Decimal | None:
    """The newest plain (not signed) Energy.Active.Import.Register of a transaction in Wh;
    None when it has none or its text is not a number."""
    for fields in _newest_first(db, tx_id):
        for m, value, unit, *_, fmt in fields:
            if m == _REGISTER and fmt in (None, "Raw"):
                try:
                    return Decimal(value) * (1000 if (unit or "Wh").lower() == "kwh" else 1)
                except ArithmeticError:
                    return None
    return None
