"""Operator API of the maintenance part: uptime reports (JSON, CSV), the outage ledger,
exclusions with evidence, and live port health."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from evgw.api import (
    PAGE_QUERY,
    ApiError,
    ApiExtension,
    ApiRoute,
    Call,
    Doc,
    Field,
    Kind,
    invalid,
    not_found,
    object_schema,
    ok,
    parse_object,
    read_json,
)
from evgw.domain import Role
from evgw.ocpp._time import utc_now
from evgw.store import Db

from . import _api_firmware, _api_tickets, _report, _store
from ._model import Cause, OutageRecord, PortKey
from ._spans import Span
from ._uptime import Exclusion

if TYPE_CHECKING:
    from ._component import Maintenance

MAX_WINDOW = timedelta(days=3 * 366)
WINDOW_QUERY = (
    Field("from", Kind.DATETIME, "start (default: twelve months before `to`)"),
    Field("to", Kind.DATETIME, "end, exclusive (default: the start of the current month)"),
)
FORMAT = Field("format", Kind.ENUM, "json (default) or csv", choices=("json", "csv"))
OUTAGE_QUERY = (
    *WINDOW_QUERY,
    Field("charger_id", Kind.STRING, minimum=1, maximum=255),
    *PAGE_QUERY,
)
EXCLUSION_FIELDS = (
    Field("charger_id", Kind.STRING, required=True, minimum=1, maximum=255),
    Field("evse_id", Kind.INTEGER, "omit for every port of the charger", nullable=True, minimum=1),
    Field("connector_id", Kind.INTEGER, "needs evse_id", nullable=True, minimum=1),
    Field("start", Kind.DATETIME, required=True),
    Field("end", Kind.DATETIME, required=True),
    Field("cause", Kind.ENUM, required=True, choices=tuple(str(c) for c in Cause)),
    Field(
        "evidence",
        Kind.STRING,
        "utility ticket, work order, police report, announced window; without it the"
        " exclusion is pending and excludes nothing",
        nullable=True,
        minimum=1,
        maximum=255,
    ),
    Field("notes", Kind.STRING, maximum=255),
    Field("supersedes", Kind.STRING, "an exclusion this one replaces", nullable=True, minimum=1),
)


def _window(query: dict[str, Any], now: datetime) -> Span:
    month_start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = query.get("to", month_start)
    start = query.get("from", _year_before(end))
    if start >= end:
        raise invalid([{"field": "to", "message": "must be later than from (the range is empty)"}])
    if end - start > MAX_WINDOW:
        raise invalid([{"field": "from", "message": "the range may span at most three years"}])
    return start.astimezone(UTC), end.astimezone(UTC)


def _year_before(end: datetime) -> datetime:
    try:
        return end.replace(year=end.year - 1)
    except ValueError:  # 29 February
        return end.replace(year=end.year - 1, day=28)


def _csv(text: str, name: str) -> Response:
    headers = {"content-disposition": f'attachment; filename="{name}.csv"'}
    return Response(text, media_type="text/csv", headers=headers)


def _outage_view(r: OutageRecord) -> dict[str, Any]:
    iv = r.interval
    return {
        "id": r.id,
        "port_id": r.port.label,
        "charger_id": r.port.charger_id,
        "evse_id": r.port.evse_id,
        "connector_id": r.port.connector_id,
        "start": iv.start.isoformat(),
        "end": None if iv.end is None else iv.end.isoformat(),
        "cause": str(iv.cause),
        "causes": sorted(str(c) for c in (iv.causes or {iv.cause})),
    }


def _exclusion_view(x: _store.ScopedExclusion) -> dict[str, Any]:
    e = x.exclusion
    return {
        "id": e.id,
        "charger_id": x.charger_id,
        "evse_id": x.evse_id,
        "connector_id": x.connector_id,
        "start": e.start.isoformat(),
        "end": e.end.isoformat(),
        "cause": str(e.cause),
        "evidence": e.evidence,
        "evidence_status": "attached" if e.evidence else "pending",
        "notes": e.notes,
        "supersedes": x.supersedes,
        "created_by": x.created_by,
        "created_at": None if x.created_at is None else x.created_at.isoformat(),
    }


class _Handlers:
    def __init__(self, component: Maintenance) -> None:
        self.component = component
        self.cfg = component.cfg
        names = tuple(p.name for p in self.cfg.policies)
        policy = Field("policy", Kind.ENUM, f"default {names[0]}", choices=names)
        self.report_query = (*WINDOW_QUERY, policy, FORMAT)

    async def _report(
        self, call: Call
    ) -> tuple[_report.ReportInput, list[_report.PortReport], str]:
        query = call.query(*self.report_query)
        now = utc_now()
        window = _window(query, now)
        policy = self.cfg.policy(query.get("policy", self.cfg.policies[0].name))
        assert policy is not None  # the query's choices are the policies' names

        def load(db: Db) -> _report.ReportInput:
            return _report.ReportInput(
                window=window,
                policy=policy,
                now=now,
                ports=_store.known_ports(db),
                outages=_store.outage_spans(db, window, now),
                exclusions=_store.exclusions_in(db, window),
                sessions=_store.sessions_in(db, window),
                min_session_wh=self.cfg.session_success_wh,
                reason_codes=self.cfg.reason_codes,
            )

        data = await call.store.read(load)
        return data, _report.build(data), query.get("format", "json")

    async def uptime(self, call: Call) -> Response:
        data, reports, fmt = await self._report(call)
        if fmt == "csv":
            return _csv(_report.module3_csv(data, reports), "uptime")
        return ok(_report.report_view(data, reports))

    async def outage_export(self, call: Call) -> Response:
        data, reports, fmt = await self._report(call)
        if fmt == "csv":
            return _csv(_report.module4_csv(data, reports), "outages")
        rows = [
            dict(zip(_report.MODULE4, row, strict=True))
            for r in reports
            for row in _report.module4_rows(data, r)
        ]
        return ok({"items": rows})

    async def outages(self, call: Call) -> Response:
        query = call.query(*OUTAGE_QUERY)
        window = _window(query, utc_now() + timedelta(days=32))
        limit, offset = query["limit"], query["offset"]
        records = await call.store.read(
            lambda db: _store.outages_in(db, window, query.get("charger_id"), limit, offset)
        )
        return ok({"items": [_outage_view(r) for r in records], "limit": limit, "offset": offset})

    async def list_exclusions(self, call: Call) -> Response:
        query = call.query(*WINDOW_QUERY, Field("charger_id", Kind.STRING, minimum=1))
        window = _window(query, utc_now() + timedelta(days=32))
        found = await call.store.read(
            lambda db: _store.exclusions_in(db, window, query.get("charger_id"))
        )
        return ok({"items": [_exclusion_view(x) for x in found]})

    async def add_exclusion(self, call: Call) -> Response:
        values = parse_object(EXCLUSION_FIELDS, await read_json(call.request))
        _check_exclusion(values)
        if await call.store.get_charger(values["charger_id"]) is None:
            raise invalid([{"field": "charger_id", "message": "no charger with this id"}])
        exclusion = _store.ScopedExclusion(
            values["charger_id"],
            values.get("evse_id"),
            values.get("connector_id"),
            Exclusion(
                uuid.uuid4().hex,
                values["start"].astimezone(UTC),
                values["end"].astimezone(UTC),
                Cause(values["cause"]),
                values.get("evidence"),
                values.get("notes", ""),
            ),
            values.get("supersedes"),
            f"{call.token.label} ({call.token.id})",
            utc_now(),
        )
        if not await call.store.write(lambda db: _store.add_exclusion(db, exclusion)):
            raise ApiError(409, "conflict", "the exclusion to supersede is unknown or superseded")
        return ok(_exclusion_view(exclusion), 201)

    async def health(self, call: Call) -> Response:
        charger_id = call.path("id")
        ports = [p for p in self.component.model.ports() if p.charger_id == charger_id]
        if not ports and await call.store.get_charger(charger_id) is None:
            raise not_found("charger", charger_id)
        return ok({"items": [_health_view(self.component, p) for p in ports]})


def _check_exclusion(values: dict[str, Any]) -> None:
    problems = []
    if values["end"] <= values["start"]:
        problems.append({"field": "end", "message": "must be later than start"})
    if values.get("connector_id") is not None and values.get("evse_id") is None:
        problems.append({"field": "connector_id", "message": "needs evse_id"})
    if problems:
        raise invalid(problems)


def _health_view(component: Maintenance, port: PortKey) -> dict[str, Any]:
    h = component.model.health(port)
    return {
        "port_id": port.label,
        "evse_id": port.evse_id,
        "connector_id": port.connector_id,
        "health": str(h.health),
        "cause": None if h.cause is None else str(h.cause),
        "since": None if h.since is None else h.since.isoformat(),
        "warning": h.warning,
    }


def _any(description: str) -> dict[str, Any]:
    return {"type": "object", "description": description}


def maintenance_api(component: Maintenance) -> ApiExtension:
    h = _Handlers(component)
    firmware_routes, firmware_ops = _api_firmware.firmware_routes(component)
    report_q = h.report_query
    routes = (
        ApiRoute("GET", "/reports/uptime", h.uptime, Role.VIEWER),
        ApiRoute("GET", "/reports/uptime/outages", h.outage_export, Role.VIEWER),
        ApiRoute("GET", "/outages", h.outages, Role.VIEWER),
        ApiRoute("GET", "/outage-exclusions", h.list_exclusions, Role.VIEWER),
        ApiRoute("POST", "/outage-exclusions", h.add_exclusion, Role.OPERATOR),
        ApiRoute("GET", "/chargers/{id}/health", h.health, Role.VIEWER),
        *_api_tickets.ROUTES,
        *firmware_routes,
    )
    operations: dict[tuple[str, str], object] = {
        ("GET", "/reports/uptime"): Doc(
            "Port uptime per policy (NEVI 23 CFR 680.116(b), CEC); format=csv gives EV-ChART"
            " Module 3 rows",
            response="UptimeReport",
            query=report_q,
            errors=(422,),
        ),
        ("GET", "/reports/uptime/outages"): Doc(
            "Per-port outages in the EV-ChART Module 4 shape (format=csv for the file)",
            response="OutageExport",
            query=report_q,
            errors=(422,),
        ),
        ("GET", "/outages"): Doc(
            "The outage ledger's current records", response="OutagePage", query=OUTAGE_QUERY
        ),
        ("GET", "/outage-exclusions"): Doc(
            "Outage exclusions", response="ExclusionList", query=WINDOW_QUERY
        ),
        ("POST", "/outage-exclusions"): Doc(
            "Record an outage exclusion (append-only; supersede to add evidence)",
            201,
            "Exclusion",
            "ExclusionCreate",
            errors=(409, 413, 422),
        ),
        ("GET", "/chargers/{id}/health"): Doc(
            "Live health of a charger's ports", response="PortHealthList", errors=(404,)
        ),
    }
    operations.update(_api_tickets.OPERATIONS)
    operations.update(firmware_ops)
    schemas = {
        **_api_tickets.SCHEMAS,
        **_api_firmware.SCHEMAS,
        "UptimeReport": _any("policy, window, summary and per-port uptime with months"),
        "OutageExport": _any("items: EV-ChART Module 4 rows"),
        "OutagePage": _any("items: outage records, limit, offset"),
        "ExclusionList": _any("items: exclusions"),
        "Exclusion": _any("an exclusion with its evidence status"),
        "ExclusionCreate": object_schema(EXCLUSION_FIELDS),
        "PortHealthList": _any("items: port health (up, degraded, down) with cause and since"),
    }
    return ApiExtension(
        routes=routes,
        operations=operations,
        schemas=schemas,
        public_routes=component.files.routes(),
    )
