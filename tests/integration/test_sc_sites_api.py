"""/api/v1/sites against a real server: CRUD, the errors of a bad tree (422, nothing stored),
warnings for a child above its parent, and the allocation view."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import trio

from tests.integration.gateway_fixtures import start_server
from tests.integration.sc_fixtures import admin, one_node_site, sc_config

TREE = {
    "wiring": "wye",
    "voltage": 230,
    "nodes": [
        {"id": "grid", "parent": None, "limit_a": 100},
        {"id": "feeder", "parent": "grid", "limit_a": [125, 60, 60], "margin_a": 2},
    ],
    "chargers": [{"id": "CP1", "node": "feeder", "limit_a": 32, "connectors": 2}],
}


def _with(path: str, value: Any) -> dict[str, Any]:
    """TREE with one member replaced (`nodes.1.parent`)."""
    body: Any = {
        **TREE,
        "nodes": [dict(n) for n in TREE["nodes"]],
        "chargers": [dict(c) for c in TREE["chargers"]],
    }
    *head, last = path.split(".")
    target = body
    for part in head:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(last) if last.isdigit() else last] = value
    return body


BAD = [
    (_with("nodes.1.parent", "nowhere"), "nodes[1].parent", "unknown parent"),
    (_with("nodes.0.parent", "feeder"), "nodes[0].parent", "cycle"),
    (_with("nodes.1.limit_a", -5), "nodes[1].limit_a", "negative"),
    (_with("nodes.1.limit_a", [1, 2]), "nodes[1].limit_a", "three"),
    (_with("nodes.1.limit_a", "lots"), "nodes[1].limit_a", "numbers"),
    (_with("nodes.1.margin_a", -1), "nodes[1].margin_a", "at least"),
    (_with("nodes.1.unbalance_a", -1), "nodes[1].unbalance_a", "at least"),
    (_with("nodes.1.unbalance_a", "some"), "nodes[1].unbalance_a", "number"),
    (
        {**_with("nodes.1.unbalance_a", 10), "wiring": "delta"},
        "nodes[1].unbalance_a",
        "wye sites only",
    ),
    (
        _with("chargers", [TREE["chargers"][0], TREE["chargers"][0]]),
        "chargers[1].id",
        "two parents",
    ),
    (_with("chargers.0.node", "nowhere"), "chargers[0].node", "unknown node"),
    (_with("wiring", "star"), "site.wiring", "one of"),
    (_with("nodes", []), "nodes", "at least one"),
]


@pytest.mark.parametrize(("body", "field", "message"), BAD)
async def test_a_bad_tree_is_refused_and_nothing_is_stored(
    nursery: trio.Nursery, tmp_path: Path, body: dict[str, Any], field: str, message: str
) -> None:
    running = await start_server(nursery, sc_config(tmp_path))
    async with await admin(running) as api:
        reply = await api.put("/api/v1/sites/depot", json=body)
        assert reply.status_code == 422, reply.text
        problems = reply.json()["error"]["details"]
        assert any(p["field"] == field and message in p["message"] for p in problems), problems
        assert (await api.get("/api/v1/sites/depot")).status_code == 404
    running.server.stop()


async def test_nan_is_not_json(nursery: trio.Nursery, tmp_path: Path) -> None:
    running = await start_server(nursery, sc_config(tmp_path))
    text = '{"nodes": [{"id": "grid", "parent": null, "limit_a": NaN}], "chargers": []}'
    async with await admin(running) as api:
        reply = await api.put("/api/v1/sites/depot", content=text)
    assert reply.status_code == 422
    assert "NaN" in reply.json()["error"]["details"][0]["message"]
    running.server.stop()


async def test_site_crud_with_warnings(nursery: trio.Nursery, tmp_path: Path) -> None:
    running = await start_server(nursery, sc_config(tmp_path))
    async with await admin(running) as api:
        created = await api.put("/api/v1/sites/depot", json=TREE)
        assert created.status_code == 201, created.text
        warnings = created.json()["warnings"]
        assert [w["field"] for w in warnings] == ["nodes[1].limit_a"]  # 125 A above the grid's 100
        assert (await api.put("/api/v1/sites/depot", json=TREE)).status_code == 200
        site = (await api.get("/api/v1/sites/depot")).json()
        assert site["nodes"][1]["limit_a"] == [125, 60, 60]
        assert site["chargers"][0]["connectors"] == 2
        listed = (await api.get("/api/v1/sites")).json()["items"]
        assert [s["id"] for s in listed] == ["depot"]
        other = await api.put("/api/v1/sites/other", json=one_node_site(50, "CP1"))
        assert other.status_code == 422
        assert "already in site 'depot'" in other.json()["error"]["details"][0]["message"]
        allocation = await _allocation(api, "depot")
        rows = {(r["node"], r["phase"]): r for r in allocation["rows"]}
        assert math.isclose(rows[("feeder", "L2")]["limit"], 58.0)  # minus the 2 A margin
        assert [c["reason"] for c in allocation["connectors"]] == ["idle", "idle"]
        assert (await api.delete("/api/v1/sites/depot")).status_code == 204
        assert (await api.get("/api/v1/sites/depot")).status_code == 404
        assert (await api.delete("/api/v1/sites/depot")).status_code == 404
        document = (await api.get("/openapi.json")).json()
        assert "put" in document["paths"]["/api/v1/sites/{id}"]
    running.server.stop()


async def test_an_unbalance_limit_is_stored_and_shown_as_rows(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    running = await start_server(nursery, sc_config(tmp_path))
    async with await admin(running) as api:
        reply = await api.put("/api/v1/sites/depot", json=_with("nodes.1.unbalance_a", 16))
        assert reply.status_code == 201, reply.text
        site = (await api.get("/api/v1/sites/depot")).json()
        assert [n["unbalance_a"] for n in site["nodes"]] == [None, 16]
        rows = {(r["node"], r["phase"]): r for r in (await _allocation(api, "depot"))["rows"]}
        pairs = ("L1-L2", "L2-L1", "L2-L3", "L3-L2", "L3-L1", "L1-L3")
        for pair in pairs:  # I_p - I_q <= 16 for every ordered pair, on the feeder only
            assert rows[("feeder", pair)]["limit"] == 16
            assert ("grid", pair) not in rows
    running.server.stop()


async def test_sites_survive_a_restart(
    nursery: trio.Nursery, tmp_path: Path, durable_store_url: str
) -> None:
    config = {**sc_config(tmp_path), "store": {"url": durable_store_url}}
    running = await start_server(nursery, config)
    async with await admin(running) as api:
        assert (await api.put("/api/v1/sites/depot", json=TREE)).status_code == 201
    running.server.stop()
    await trio.sleep(0.2)
    again = await start_server(nursery, config)
    async with await admin(again) as api:
        assert (await api.get("/api/v1/sites/depot")).json()["chargers"][0]["id"] == "CP1"
    again.server.stop()


async def _allocation(api: Any, site: str) -> dict[str, Any]:
    with trio.fail_after(5):
        while True:
            body: dict[str, Any] = (await api.get(f"/api/v1/sites/{site}/allocation")).json()
            if body["age_s"] is not None:
                return body
            await trio.sleep(0.05)


async def test_sites_from_the_config_file(nursery: trio.Nursery, tmp_path: Path) -> None:
    site = {
        "id": "file",
        "nodes": [{"id": "grid", "limit_a": 63}],
        "chargers": [{"id": "CP9", "node": "grid"}],
    }
    running = await start_server(nursery, sc_config(tmp_path, sites=[site]))
    async with await admin(running) as api:
        body = (await api.get("/api/v1/sites/file")).json()
    assert body["nodes"][0] == {
        "id": "grid",
        "parent": None,
        "limit_a": [63, 63, 63],
        "power_w": None,
        "margin_a": 0.0,
        "unmanaged_a": [0.0, 0.0, 0.0],
        "unbalance_a": None,
    }
    running.server.stop()
