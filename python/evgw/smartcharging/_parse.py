"""A site definition from JSON, and the checks it must pass.

Errors (422): unknown or duplicate ids, an unknown parent, a cycle, a charger listed twice
(a connector under two parents), negative, NaN or non-numeric values, an unbalance limit on a
delta site. Warnings (accepted): a
child limit above its parent's.
"""

from __future__ import annotations

import math
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from evgw.api import ApiError, Field, Kind, invalid, parse_object

from ._site import ChargerSpec, NodeSpec, Phases3, PlannerSpec, PricePoint, Site

Violation = dict[str, str]

ID = Field(
    "id",
    Kind.STRING,
    required=True,
    minimum=1,
    maximum=64,
    pattern=r"[A-Za-z0-9._:-]+",
    pattern_hint="must use letters, digits and . _ : - only",
)
SITE_FIELDS = (
    Field("name", Kind.STRING, "display name", nullable=True, maximum=255),
    Field("wiring", Kind.ENUM, "wye (230/400 V) or delta (line-to-line)", choices=("wye", "delta")),
    Field(
        "voltage",
        Kind.NUMBER,
        "phase-neutral (wye) or line-line (delta) V",
        minimum=1,
        maximum=100_000,
    ),
)
NODE_FIELDS = (
    ID,
    Field("parent", Kind.STRING, "parent node id (null: a root)", nullable=True, maximum=64),
    Field("power_w", Kind.NUMBER, "total power limit, W", nullable=True, minimum=0),
    Field("margin_a", Kind.NUMBER, "safety margin, A per phase", minimum=0, maximum=10_000),
    Field(
        "unbalance_a",
        Kind.NUMBER,
        "phase-unbalance limit |I_p - I_q| between any two phases, A (wye sites; null: none)",
        nullable=True,
        minimum=0,
        maximum=10_000,
    ),
)
CHARGER_FIELDS = (
    ID,
    Field("node", Kind.STRING, "the node it is wired to", required=True, maximum=64),
    Field(
        "limit_a",
        Kind.NUMBER,
        "its own current limit, A per phase (null: none)",
        nullable=True,
        minimum=0,
        maximum=10_000,
    ),
    Field("connectors", Kind.INTEGER, "number of connectors (default 1)", minimum=1, maximum=64),
    Field(
        "phases", Kind.INTEGER, "phases it is wired to: 1 or 3 (default 3)", minimum=1, maximum=3
    ),
    Field(
        "rotation", Kind.INTEGER, "its L1 is site phase 1 + rotation (0..2)", minimum=0, maximum=2
    ),
    Field(
        "connector_max_a",
        Kind.NUMBER,
        "EVSE maximum per connector (default 32)",
        minimum=0,
        maximum=1000,
    ),
    Field("step_a", Kind.NUMBER, "limit quantum it accepts (default 1)", minimum=0.1, maximum=10),
)
_PHASED = ("limit_a", "unmanaged_a")
PLANNER_FIELDS = (
    Field("timezone", Kind.STRING, "IANA zone of the price times (default UTC)", maximum=64),
    Field("peak_kw", Kind.NUMBER, "peak-power target, kW (soft)", nullable=True, minimum=0),
)
PRICE_FIELDS = (
    Field(
        "from",
        Kind.STRING,
        "local time HH:MM the price starts",
        required=True,
        pattern=r"([01][0-9]|2[0-3]):[0-5][0-9]",
        pattern_hint="must be HH:MM (00:00 to 23:59)",
    ),
    Field("price", Kind.NUMBER, "price per kWh from then on", required=True),
)


def _phased(value: object, where: str, *, default: float, allow_null: bool) -> Phases3:
    """A number, or a list of three (null = unlimited when allowed)."""
    items = value if isinstance(value, list) else [value, value, value]
    if len(items) != 3:
        raise _Bad(where, "must be a number or a list of three numbers")
    out: list[float] = []
    for item in items:
        if item is None and allow_null:
            out.append(default)
        elif isinstance(item, bool) or not isinstance(item, int | float) or not math.isfinite(item):
            raise _Bad(where, "must be finite numbers" + (" or null" if allow_null else ""))
        elif item < 0:
            raise _Bad(where, "must not be negative")
        else:
            out.append(float(item))
    return (out[0], out[1], out[2])


class _Bad(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.violation = {"field": field, "message": message}


def _item(
    fields: tuple[Field, ...],
    raw: object,
    where: str,
    problems: list[Violation],
    phased_keys: tuple[str, ...] = (),
) -> dict[str, Any] | None:
    """One node or charger: phased members first, then the field table (paths prefixed)."""
    if not isinstance(raw, dict):
        problems.append({"field": where, "message": "must be an object"})
        return None
    phased = {k: raw[k] for k in phased_keys if k in raw}
    rest = {k: v for k, v in raw.items() if k not in phased}
    try:
        values = parse_object(fields, rest)
    except ApiError as error:
        problems.extend(
            {"field": f"{where}.{d['field']}", "message": d["message"]} for d in error.details
        )
        return None
    for key, value in phased.items():
        try:
            unset = key == "limit_a"
            values[key] = _phased(
                value, f"{where}.{key}", default=math.inf if unset else 0.0, allow_null=unset
            )
        except _Bad as bad:
            problems.append(bad.violation)
    return values


def _list(body: dict[str, Any], key: str, problems: list[Violation]) -> list[object]:
    value = body.get(key, [])
    if not isinstance(value, list):
        problems.append({"field": key, "message": "must be a list"})
        return []
    return value


def parse_site(site_id: str, body: object) -> tuple[Site, list[Violation]]:
    """The site and its warnings; raises a 422 listing every error."""
    if not isinstance(body, dict):
        raise invalid([{"field": "body", "message": "must be a JSON object"}])
    problems: list[Violation] = []
    head = _item(
        SITE_FIELDS,
        {k: v for k, v in body.items() if k not in ("nodes", "chargers", "id", "planner")},
        "site",
        problems,
    )
    nodes = [
        _node(v)
        for i, raw in enumerate(_list(body, "nodes", problems))
        if (v := _item(NODE_FIELDS, raw, f"nodes[{i}]", problems, _PHASED)) is not None
    ]
    chargers = [
        _charger(v)
        for i, raw in enumerate(_list(body, "chargers", problems))
        if (v := _item(CHARGER_FIELDS, raw, f"chargers[{i}]", problems))
    ]
    planner = parse_planner(body.get("planner"), problems)
    if problems or head is None:
        raise invalid(problems)
    site = Site(site_id, tuple(nodes), tuple(chargers), planner=planner, **head)
    problems = structure_errors(site)
    if problems:
        raise invalid(problems)
    return site, warnings(site)


def parse_planner(raw: object, problems: list[Violation]) -> PlannerSpec | None:
    """The site's `planner` object (null or absent: no planner); problems appended."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append({"field": "planner", "message": "must be an object or null"})
        return None
    rest = {k: v for k, v in raw.items() if k != "prices"}
    values = _item(PLANNER_FIELDS, rest, "planner", problems)
    prices = _prices(raw.get("prices", []), problems)
    zone = "UTC" if values is None else values.get("timezone", "UTC")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append({"field": "planner.timezone", "message": f"unknown time zone {zone!r}"})
    if values is None:
        return None
    return PlannerSpec(prices, zone, values.get("peak_kw"))


def _prices(raw: object, problems: list[Violation]) -> tuple[PricePoint, ...]:
    if not isinstance(raw, list):
        problems.append({"field": "planner.prices", "message": "must be a list"})
        return ()
    points: list[PricePoint] = []
    for i, item in enumerate(raw):
        values = _item(PRICE_FIELDS, item, f"planner.prices[{i}]", problems)
        if values is None:
            continue
        hours, minutes = values["from"].split(":")
        points.append(PricePoint(int(hours) * 60 + int(minutes), float(values["price"])))
    starts = [p.start_min for p in points]
    if starts != sorted(set(starts)):
        problems.append(
            {"field": "planner.prices", "message": "times must be in increasing order, once each"}
        )
    return tuple(points)


def _node(values: dict[str, Any]) -> NodeSpec:
    values.setdefault("limit_a", (math.inf,) * 3)
    values.setdefault("parent", None)
    return NodeSpec(**values)


def structure_errors(site: Site) -> list[Violation]:
    problems: list[Violation] = []
    if not site.nodes:
        problems.append({"field": "nodes", "message": "a site needs at least one node"})
    problems += _duplicates("nodes", [n.id for n in site.nodes])
    problems += _duplicates(
        "chargers", [c.id for c in site.chargers], "is listed twice (a connector under two parents)"
    )
    ids = {n.id for n in site.nodes}
    for i, n in enumerate(site.nodes):
        if n.parent is not None and n.parent not in ids:
            problems.append(
                {"field": f"nodes[{i}].parent", "message": f"unknown parent {n.parent!r}"}
            )
    for i, c in enumerate(site.chargers):
        if c.node not in ids:
            problems.append({"field": f"chargers[{i}].node", "message": f"unknown node {c.node!r}"})
    if site.wiring == "delta":
        problems += [
            {"field": f"nodes[{i}].unbalance_a", "message": "is for wye sites only"}
            for i, n in enumerate(site.nodes)
            if n.unbalance_a is not None
        ]
    if not problems:
        problems += _cycles(site)
    return problems


def _duplicates(key: str, ids: list[str], message: str = "is used twice") -> list[Violation]:
    seen: set[str] = set()
    out: list[Violation] = []
    for i, ident in enumerate(ids):
        if ident in seen:
            out.append({"field": f"{key}[{i}].id", "message": f"{ident!r} {message}"})
        seen.add(ident)
    return out


def _cycles(site: Site) -> list[Violation]:
    parent = {n.id: n.parent for n in site.nodes}
    for i, n in enumerate(site.nodes):
        seen: set[str] = set()
        current: str | None = n.id
        while current is not None:
            if current in seen:
                return [{"field": f"nodes[{i}].parent", "message": f"node {n.id!r} is in a cycle"}]
            seen.add(current)
            current = parent[current]
    return []


def warnings(site: Site) -> list[Violation]:
    """A child limit above its parent's: allowed (the parent still binds), but worth a look."""
    limits = {n.id: n.limit_a for n in site.nodes}
    out: list[Violation] = []
    for i, n in enumerate(site.nodes):
        if n.parent is not None and any(
            c > p for c, p in zip(n.limit_a, limits[n.parent], strict=True)
        ):
            out.append(
                {
                    "field": f"nodes[{i}].limit_a",
                    "message": f"above the limit of its parent {n.parent!r}",
                }
            )
    for i, c in enumerate(site.chargers):
        if not math.isinf(c.limit_a) and c.limit_a > min(limits[c.node]):
            out.append(
                {
                    "field": f"chargers[{i}].limit_a",
                    "message": f"above the limit of node {c.node!r}",
                }
            )
    return out


def _charger(values: dict[str, Any]) -> ChargerSpec:
    if values.get("limit_a", math.inf) is None:
        values["limit_a"] = math.inf
    return ChargerSpec(**values)
