"""The uptime report: ports, their outages, exclusions and sessions -> per-port figures
(pure), and the JSON and CSV (EV-ChART Module 3 and 4 shaped) renderings."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from fractions import Fraction
from typing import Any

import attrs

from ._config import UptimePolicy
from ._model import PortKey
from ._spans import US_PER_MINUTE, Span, UsSpan, minutes, subtract, union
from ._store import ScopedExclusion
from ._uptime import MonthUptime, PortUptime, port_uptime_us


@attrs.frozen
class ReportInput:
    window: Span
    policy: UptimePolicy
    now: datetime
    ports: Sequence[tuple[PortKey, str | None]]  # (port, station id: the site or None)
    outages: Mapping[PortKey, list[UsSpan]]  # per port (microseconds), open ones end `now`
    exclusions: Sequence[ScopedExclusion]
    sessions: Sequence[tuple[PortKey, int | None]]
    min_session_wh: int
    reason_codes: dict[str, int]


@attrs.frozen
class PortReport:
    port: PortKey
    station_id: str
    uptime: PortUptime
    sessions: int
    successful: int


def build(data: ReportInput) -> list[PortReport]:
    spans = data.outages
    by_charger: dict[str, list[ScopedExclusion]] = defaultdict(list)
    for ex in data.exclusions:
        by_charger[ex.charger_id].append(ex)
    tally = _session_tally(data.sessions, data.min_session_wh)
    stations = dict(data.ports)
    reports = []
    for port in sorted(set(stations) | set(spans), key=_port_order):
        own = [e.exclusion for e in by_charger[port.charger_id] if e.covers(port)]
        uptime = port_uptime_us(spans.get(port, []), own, data.window, data.policy)
        sessions, successful = tally.get(port, [0, 0])
        station = stations.get(port) or port.charger_id
        reports.append(PortReport(port, station, uptime, sessions, successful))
    return reports


def _port_order(port: PortKey) -> tuple[str, int, int]:
    return (port.charger_id, port.evse_id, port.connector_id)


def _session_tally(
    sessions: Iterable[tuple[PortKey, int | None]], min_wh: int
) -> dict[PortKey, list[int]]:
    tally: dict[PortKey, list[int]] = defaultdict(lambda: [0, 0])
    for port, energy in sessions:
        tally[port][0] += 1
        tally[port][1] += (energy or 0) >= min_wh
    return tally


# renderings --------------------------------------------------------------------------------


def _min(value: Fraction) -> float:
    return round(float(value), 2)


def _min_us(us: int) -> float:
    return round(us / US_PER_MINUTE, 2)


def _rate(successful: int, sessions: int) -> float | None:
    return round(successful / sessions * 100, 2) if sessions else None


def _month_pct(m: MonthUptime) -> float:
    total = (m.end - m.start).total_seconds() * 1e6
    return round((total - (m.outage_us - m.excluded_us)) / total * 100, 4)


def port_view(r: PortReport) -> dict[str, Any]:
    u = r.uptime
    return {
        "station_id": r.station_id,
        "port_id": r.port.label,
        "charger_id": r.port.charger_id,
        "evse_id": r.port.evse_id,
        "connector_id": r.port.connector_id,
        "uptime_pct": round(float(u.uptime_pct), 4),
        "meets_threshold": u.meets,
        "total_outage_min": _min_us(u.outage_total_us),
        "total_outage_excl_min": _min_us(u.excluded_total_us),
        "net_outage_min": _min_us(u.outage_total_us - u.excluded_total_us),
        "exclusions_pending_evidence": [e.id for e in u.pending],
        "exclusions_not_excludable": [e.id for e in u.not_excludable],
        "months": [
            {
                "month": m.start.strftime("%Y-%m"),
                "outage_min": _min_us(m.outage_us),
                "excluded_min": _min_us(m.excluded_us),
                "uptime_pct": _month_pct(m),
            }
            for m in u.months
        ],
        "sessions": r.sessions,
        "successful_sessions": r.successful,
        "first_time_success_pct": _rate(r.successful, r.sessions),
    }


def report_view(data: ReportInput, reports: Sequence[PortReport]) -> dict[str, Any]:
    sessions = sum(r.sessions for r in reports)
    successful = sum(r.successful for r in reports)
    return {
        "policy": data.policy.name,
        "from": data.window[0].isoformat(),
        "to": data.window[1].isoformat(),
        "window_min": _min(minutes([data.window])),
        "denominator_min": 525_600 if data.policy.constant_year else _min(minutes([data.window])),
        "threshold_pct": data.policy.threshold_pct,
        "summary": {
            "ports": len(reports),
            "ports_meeting": sum(r.uptime.meets for r in reports),
            "sessions": sessions,
            "first_time_success_pct": _rate(successful, sessions),
        },
        "ports": [port_view(r) for r in reports],
    }


MODULE3 = (
    "station_id",
    "port_id",
    "uptime_reporting_start",
    "uptime_reporting_end",
    "uptime",
    "total_outage",
    "total_outage_excl",
)
MODULE4 = (
    "station_id",
    "port_id",
    "outage_id",
    "outage_duration",
    "excluded_outage",
    "excluded_outage_reason",
    "excluded_outage_notes",
)


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def module3_csv(data: ReportInput, reports: Sequence[PortReport]) -> str:
    start, end = (d.isoformat() for d in data.window)
    return _csv(
        MODULE3,
        (
            (
                r.station_id,
                r.port.label,
                start,
                end,
                f"{float(r.uptime.uptime_pct):.2f}",
                f"{r.uptime.outage_total_us / US_PER_MINUTE:.2f}",
                f"{r.uptime.excluded_total_us / US_PER_MINUTE:.2f}",
            )
            for r in reports
        ),
    )


def module4_rows(data: ReportInput, r: PortReport) -> list[tuple[Any, ...]]:
    """One row per outage piece: an outage is split where an exclusion starts or ends, so an
    excluded row has an excludable cause with evidence for its whole length."""
    excluded = [(e.span, e.exclusion) for e in r.uptime.excluded]
    pieces: list[tuple[Span, Any]] = [
        (s, None) for s in subtract(r.uptime.outage, union(s for s, _ in excluded))
    ]
    pieces += excluded
    rows = []
    for (start, end), ex in sorted(pieces, key=lambda p: p[0]):
        duration = minutes([(start, end)])
        if duration < Fraction(1, 200):  # below 0.005 min: rounds to 0.00
            continue
        reason = "" if ex is None else data.reason_codes.get(str(ex.cause), "")
        notes = "" if ex is None else f"{ex.evidence}: {ex.notes}".strip(": ")[:255]
        flag = "FALSE" if ex is None else "TRUE"
        rows.append(
            (
                r.station_id,
                r.port.label,
                start.isoformat(),
                f"{float(duration):.2f}",
                flag,
                reason,
                notes,
            )
        )
    return rows


def module4_csv(data: ReportInput, reports: Sequence[PortReport]) -> str:
    return _csv(MODULE4, (row for r in reports for row in module4_rows(data, r)))
