"""From the store's meter samples to pricing segments, through the Rust meter aggregator.

All samples of the transaction, and the connector's samples without a transaction id inside
the session window (meter values a charger did not link), are merged by timestamp. Signed
values (format SignedData) are kept aside byte-exact, not parsed as numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from itertools import pairwise

import attrs

from evgw._core import MeterAggregator
from evgw.store import Db
from evgw.store import _meter_rows as meter_rows

#: Flags from the aggregator that hold a session from automatic billing.
HOLDING_FLAGS = frozenset({"meter_reset", "absurd_jump", "no_readings"})
#: (start ms, end ms, energy mWh, phase, power kW text, current A text): `Tariff.price` input.
SegmentRow = tuple[int, int, int, str, str | None, str | None]
_KEY = "session"
_OUTLET = (None, "Outlet")


@attrs.frozen
class Sample:
    ts: datetime
    measurand: str | None
    value: str
    unit: str | None
    phase: str | None
    context: str | None
    location: str | None
    format: str | None


@attrs.frozen
class TxFacts:
    """What billing reads of a transaction."""

    id: str
    charger_id: str
    evse_id: int
    connector_id: int
    id_token: str | None
    meter_start_wh: int | None
    meter_stop_wh: int | None
    started_at: datetime
    stopped_at: datetime | None
    status: str


@attrs.frozen
class Metered:
    energy_mwh: int
    flags: tuple[str, ...]
    segments: tuple[SegmentRow, ...]
    signed: tuple[Sample, ...]
    rejected: tuple[tuple[int, str], ...]


def ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def load_samples(db: Db, tx: TxFacts, until: datetime) -> list[Sample]:
    rows = db.all(
        f"SELECT {meter_rows.COLUMNS}, id FROM meter_values WHERE transaction_id = ? "
        f"UNION ALL SELECT {meter_rows.COLUMNS}, id FROM meter_values "
        "WHERE transaction_id IS NULL "
        "AND charger_id = ? AND evse_id = ? AND connector_id = ? AND ts >= ? AND ts <= ? "
        "ORDER BY ts, id",
        (
            *(tx.id, tx.charger_id, tx.evse_id, tx.connector_id),
            *(db.ts(tx.started_at), db.ts(until)),
        ),
    )
    samples = meter_rows.unpack(db, (r[:5] for r in rows))
    return [Sample(*attrs.astuple(s, recurse=False)) for s in samples]


def _row(s: Sample) -> tuple[str, int, str | None, str, str | None, str | None, str | None]:
    return (_KEY, ms(s.ts), s.measurand, s.value, s.unit, s.phase, s.context)


def _segments(
    agg: MeterAggregator, points: Sequence[tuple[int, int]], idle_tail_parking: bool
) -> list[SegmentRow]:
    """Consecutive points -> segments. Idle after the last energy increase is parking (the
    EV stopped requesting power); idle in the middle stays charging (it may be the EVSE
    holding back, which is not parking). `idle_tail_parking=False` reads the idle tail as
    charging: a running session's tail may still turn out to be a pause."""
    last_rise = max((b[0] for a, b in pairwise(points) if b[1] > a[1]), default=None)
    if not idle_tail_parking:
        last_rise = None
    out: list[SegmentRow] = []
    for (t0, e0), (t1, e1) in pairwise(points):
        idle_tail = e1 == e0 and last_rise is not None and t0 >= last_rise
        phase = "PARKING" if idle_tail else "CHARGING"
        power = agg.mean_power_mw(_KEY, t0, t1)
        current = agg.mean_current_ma(_KEY, t0, t1)
        out.append(
            (
                *(t0, t1, e1 - e0, phase),
                None if power is None or phase == "PARKING" else str(Decimal(power).scaleb(-6)),
                None if current is None else str(Decimal(current).scaleb(-3)),
            )
        )
    if not out and points:
        t = points[0][0]
        out.append((t, t, 0, "CHARGING", None, None))
    return out


def has_idle_tail(m: Metered) -> bool:
    return any(seg[3] == "PARKING" for seg in m.segments)


def meter(
    tx: TxFacts,
    samples: Sequence[Sample],
    now: datetime,
    max_power_w: int,
    *,
    idle_tail_parking: bool = True,
) -> Metered:
    agg = MeterAggregator()
    agg.set_max_power(_KEY, max_power_w)
    wanted = [s for s in samples if s.format != "SignedData" and s.location in _OUTLET]
    _, _, rejected = agg.ingest(ms(now), [_row(s) for s in wanted])
    stop = None if tx.stopped_at is None else ms(tx.stopped_at)
    energy, _, flags, points = agg.session_energy(
        _KEY, ms(tx.started_at), stop, tx.meter_start_wh, tx.meter_stop_wh
    )
    if stop is None:  # running: the session so far
        points = [*points, (max(ms(now), points[-1][0]), points[-1][1])]
    return Metered(
        energy,
        tuple(flags),
        tuple(_segments(agg, points, idle_tail_parking)),
        tuple(s for s in samples if s.format == "SignedData"),
        tuple(rejected),
    )
