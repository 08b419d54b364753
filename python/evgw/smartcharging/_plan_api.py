"""/api/v1/sites/{id}/plan (the planner's latest plan) and /sites/{id}/planner (its prices
and peak target)."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import attrs
import trio
from starlette.responses import Response

from evgw.api import invalid, not_found, ok, read_json
from evgw.api._handler import Call

from . import _store
from ._parse import parse_planner
from ._plan_run import PlanState

if TYPE_CHECKING:
    from ._component import SmartCharging


def _kw(watts: float) -> float | None:
    return None if not math.isfinite(watts) else round(watts / 1000.0, 3)


def plan_json(site_id: str, state: PlanState | None, owner: SmartCharging) -> dict[str, Any]:
    if state is None:
        return {"site": site_id, "at": None, "age_s": None, "slots": [], "sessions": []}
    result, wall = state.plan, state.wall
    slots = [
        {
            "start": (wall + timedelta(seconds=s.start_s)).isoformat(),
            "end": (wall + timedelta(seconds=s.end_s)).isoformat(),
            "price": s.price,
            "planned_kw": _kw(load),
            "target_kw": _kw(s.target_w),
            "capacity_kw": _kw(s.capacity_w),
        }
        for s, load in zip(result.slots, result.load_w, strict=True)
    ]
    sessions = [
        {
            "charger_id": key[0],
            "evse_id": key[1],
            "wanted_wh": round(p.wanted_wh, 1),
            "planned_wh": round(p.planned_wh, 1),
            "met": p.met,
            "now_kw": _kw(p.power_w[0]) if p.power_w else 0.0,
            "cap_a": _finite(owner.lives[key].plan_cap_a) if key in owner.lives else None,
        }
        for key, p in sorted(result.sessions.items())
    ]
    return {
        "site": site_id,
        "at": wall.isoformat(),
        "age_s": trio.current_time() - state.at,
        "slots": slots,
        "sessions": sessions,
    }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


class PlanApi:
    def __init__(self, owner: SmartCharging) -> None:
        self.owner = owner

    async def get_plan(self, call: Call) -> Response:
        site_id = call.path("id")
        if site_id not in self.owner.sites:
            raise not_found("site", site_id)
        return ok(plan_json(site_id, self.owner.planner.states.get(site_id), self.owner))

    async def put_planner(self, call: Call) -> Response:
        """Prices and peak target (null: no planner); replans at the next tick."""
        site_id = call.path("id")
        runtime = self.owner.sites.get(site_id)
        if runtime is None:
            raise not_found("site", site_id)
        body = await read_json(call.request)
        problems: list[dict[str, str]] = []
        spec = parse_planner(body, problems)
        if problems:
            raise invalid(problems)
        if not await call.store.write(_store.set_planner(site_id, body)):
            raise not_found("site", site_id)
        runtime.site = attrs.evolve(runtime.site, planner=spec)
        self.owner.planner.mark(site_id)
        return ok({"site": site_id, "planner": None if spec is None else spec.to_json()})
