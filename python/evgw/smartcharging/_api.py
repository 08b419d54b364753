"""/api/v1/sites: site definitions (CRUD), the live allocation, live unmanaged load."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import trio
from starlette.responses import Response

from evgw.api import (
    ApiExtension,
    ApiRoute,
    Doc,
    Field,
    Kind,
    invalid,
    not_found,
    ok,
    parse_object,
    read_json,
)
from evgw.api._handler import Call, no_content
from evgw.domain import Role

from . import _store
from ._parse import ID, parse_site
from ._plan_api import PlanApi

if TYPE_CHECKING:
    from ._component import SmartCharging

UNMANAGED_FIELDS = (
    Field(
        "valid_for_s",
        Kind.NUMBER,
        "seconds before the configured value applies again (default 60)",
        minimum=1,
        maximum=86_400,
    ),
)


class SiteApi:
    def __init__(self, owner: SmartCharging) -> None:
        self.owner = owner

    def _runtime(self, call: Call) -> Any:
        runtime = self.owner.sites.get(call.path("id"))
        if runtime is None:
            raise not_found("site", call.path("id"))
        return runtime

    async def list_sites(self, call: Call) -> Response:
        return ok(
            {
                "items": [
                    r.site.to_json()
                    for r in sorted(self.owner.sites.values(), key=lambda r: r.site.id)
                ]
            }
        )

    async def get_site(self, call: Call) -> Response:
        return ok(self._runtime(call).site.to_json())

    async def put_site(self, call: Call) -> Response:
        """Create (201) or replace (200); errors 422, warnings in the answer."""
        site_id = call.path("id")
        parse_object((ID,), {"id": site_id})
        body = await read_json(call.request)
        if isinstance(body, dict):
            body.pop("id", None)
        site, warnings = parse_site(site_id, body)
        self._check_elsewhere(site_id, [c.id for c in site.chargers])
        assert isinstance(body, dict)
        created = await call.store.write(_store.put(site_id, body))
        self.owner.activate(site)
        return ok({"site": site.to_json(), "warnings": warnings}, 201 if created else 200)

    def _check_elsewhere(self, site_id: str, chargers: list[str]) -> None:
        taken = {
            c.id: r.site.id
            for r in self.owner.sites.values()
            if r.site.id != site_id
            for c in r.site.chargers
        }
        problems = [
            {
                "field": f"chargers[{i}].id",
                "message": f"already in site {taken[c]!r} (a connector under two parents)",
            }
            for i, c in enumerate(chargers)
            if c in taken
        ]
        if problems:
            raise invalid(problems)

    async def delete_site(self, call: Call) -> Response:
        site_id = call.path("id")
        if not await call.store.write(_store.delete(site_id)):
            raise not_found("site", site_id)
        self.owner.deactivate(site_id)
        return no_content()

    async def allocation(self, call: Call) -> Response:
        runtime = self._runtime(call)
        result = runtime.result
        if result is None:
            return ok(
                {"site": runtime.site.id, "age_s": None, "alarms": [], "rows": [], "connectors": []}
            )
        connectors = [
            {
                "charger_id": key[0],
                "evse_id": key[1],
                "limit_a": result.limits[key],
                "sent_limit_a": self.owner.lives[key].sent_a,
                "reason": _reason(result.reasons[key], live := self.owner.lives[key]),
                "cap_a": live.cap_a() if math.isfinite(live.cap_a()) else None,
                "fixed_why": live.fixed_why,
                "transaction_id": live.transaction_id,
                "priority": live.policy.priority,
            }
            for key in runtime.keys
        ]
        rows = [{**row, "headroom": row["limit"] - row["allocated"]} for row in result.rows]
        age = trio.current_time() - result.at
        return ok(
            {
                "site": runtime.site.id,
                "age_s": age,
                "alarms": result.alarms,
                "rows": rows,
                "connectors": connectors,
            }
        )

    async def put_unmanaged(self, call: Call) -> Response:
        """A live reading of a node's unmanaged load (e.g. a building meter)."""
        runtime = self._runtime(call)
        node_id = call.path("node")
        index = runtime.site.node_index().get(node_id)
        if index is None or node_id.startswith("charger:"):
            raise not_found("node", node_id)
        body = await read_json(call.request)
        if not isinstance(body, dict):
            raise invalid([{"field": "body", "message": "must be a JSON object"}])
        from ._parse import _Bad, _phased  # noqa: PLC0415

        try:
            value = _phased(
                body.pop("unmanaged_a", None), "unmanaged_a", default=0.0, allow_null=False
            )
        except _Bad as bad:
            raise invalid([bad.violation]) from None
        extra = parse_object(UNMANAGED_FIELDS, body)
        until = trio.current_time() + extra.get("valid_for_s", 60.0)
        runtime.live_unmanaged[index] = (value, until)
        return ok(
            {
                "node": node_id,
                "unmanaged_a": list(value),
                "valid_for_s": until - trio.current_time(),
            }
        )


def _reason(reason: str, live: Any) -> str:
    """`unusable` because the planner deferred it (cap 0) reads `deferred`."""
    return "deferred" if reason == "unusable" and live.plan_cap_a == 0 else reason


def site_api(owner: SmartCharging) -> ApiExtension:
    api, plans = SiteApi(owner), PlanApi(owner)
    v, op = Role.VIEWER, Role.OPERATOR
    routes = (
        ApiRoute("GET", "/sites", api.list_sites, v),
        ApiRoute("GET", "/sites/{id}", api.get_site, v),
        ApiRoute("PUT", "/sites/{id}", api.put_site, Role.ADMIN),
        ApiRoute("DELETE", "/sites/{id}", api.delete_site, Role.ADMIN),
        ApiRoute("GET", "/sites/{id}/allocation", api.allocation, v),
        ApiRoute("PUT", "/sites/{id}/nodes/{node}/unmanaged", api.put_unmanaged, op),
        ApiRoute("GET", "/sites/{id}/plan", plans.get_plan, v),
        ApiRoute("PUT", "/sites/{id}/planner", plans.put_planner, op),
    )
    operations: dict[tuple[str, str], object] = {
        ("GET", "/sites"): Doc("List sites (load management)", response="SiteList"),
        ("GET", "/sites/{id}"): Doc(
            "A site's capacity tree and chargers", response="Site", errors=(404,)
        ),
        ("PUT", "/sites/{id}"): Doc(
            "Create or replace a site (422: cycle, unknown parent, bad value)",
            200,
            "SitePut",
            "Site",
            errors=(413, 422),
        ),
        ("DELETE", "/sites/{id}"): Doc("Remove a site", 204, errors=(404,)),
        ("GET", "/sites/{id}/allocation"): Doc(
            "Live limits, headroom per node and phase, paused connectors and why",
            response="SiteAllocation",
            errors=(404,),
        ),
        ("PUT", "/sites/{id}/nodes/{node}/unmanaged"): Doc(
            "Push a live unmanaged-load reading for a node",
            response="Unmanaged",
            body="Unmanaged",
            errors=(404, 422),
        ),
        ("GET", "/sites/{id}/plan"): Doc(
            "The planner's latest plan: slots (price, planned kW) and sessions (energy"
            " wanted/planned, cap now)",
            response="SitePlan",
            errors=(404,),
        ),
        ("PUT", "/sites/{id}/planner"): Doc(
            "Set a site's time-of-use prices and peak target (null: no planner); replans",
            response="PlannerPut",
            body="Planner",
            errors=(404, 413, 422),
        ),
    }
    return ApiExtension(routes, operations, SCHEMAS)


SCHEMAS: dict[str, dict[str, object]] = {
    "Site": {
        "type": "object",
        "description": (
            "wiring wye|delta; nodes[]: id, parent, limit_a (number or [L1, L2, L3], null ="
            " unlimited), power_w, margin_a, unmanaged_a, unbalance_a (wye: |I_p - I_q| limit, A);"
            " chargers[]: id, node, limit_a, connectors, phases, rotation, connector_max_a,"
            " step_a; planner (see Planner); docs/smartcharging.md"
        ),
        "properties": {
            "name": {"type": ["string", "null"]},
            "planner": {"$ref": "#/components/schemas/Planner"},
            "wiring": {"type": "string"},
            "voltage": {"type": "number"},
            "nodes": {"type": "array", "items": {"type": "object"}},
            "chargers": {"type": "array", "items": {"type": "object"}},
        },
    },
    "SitePut": {
        "type": "object",
        "properties": {
            "site": {"$ref": "#/components/schemas/Site"},
            "warnings": {"type": "array", "items": {"$ref": "#/components/schemas/Violation"}},
        },
    },
    "SiteList": {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Site"}}},
    },
    "SiteAllocation": {
        "type": "object",
        "description": (
            "rows: node, phase (L1..L3, W, or L1-L2 ... for the unbalance row I_L1 - I_L2),"
            " limit, allocated, measured, headroom; connectors:"
            " charger_id, evse_id, limit_a, sent_limit_a, cap_a (planner/EV/external cap), reason"
            " (idle, charging, no_capacity, fixed_load, unusable, deferred, site_over_limit),"
            " fixed_why"
        ),
        "properties": {
            "site": {"type": "string"},
            "age_s": {"type": ["number", "null"]},
            "alarms": {"type": "array", "items": {"type": "string"}},
            "rows": {"type": "array", "items": {"type": "object"}},
            "connectors": {"type": "array", "items": {"type": "object"}},
        },
    },
    "Planner": {
        "type": ["object", "null"],
        "description": (
            "timezone (IANA, default UTC), peak_kw (soft target, null = none), prices: daily"
            " [{from: HH:MM local, price per kWh}] in increasing order"
        ),
        "properties": {
            "timezone": {"type": "string"},
            "peak_kw": {"type": ["number", "null"]},
            "prices": {"type": "array", "items": {"type": "object"}},
        },
    },
    "PlannerPut": {
        "type": "object",
        "properties": {
            "site": {"type": "string"},
            "planner": {"$ref": "#/components/schemas/Planner"},
        },
    },
    "SitePlan": {
        "type": "object",
        "description": (
            "slots: start, end, price, planned_kw, target_kw, capacity_kw; sessions:"
            " charger_id, evse_id, wanted_wh, planned_wh, met, now_kw, cap_a (0 = deferred)"
        ),
        "properties": {
            "site": {"type": "string"},
            "at": {"type": ["string", "null"]},
            "age_s": {"type": ["number", "null"]},
            "slots": {"type": "array", "items": {"type": "object"}},
            "sessions": {"type": "array", "items": {"type": "object"}},
        },
    },
    "Unmanaged": {
        "type": "object",
        "properties": {
            "unmanaged_a": {"type": "array", "items": {"type": "number"}},
            "valid_for_s": {"type": "number"},
        },
    },
}
