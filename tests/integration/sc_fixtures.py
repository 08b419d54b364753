"""A real server with load management ticking fast, an admin API client, and site bodies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from evgw.domain import Role

from tests.integration.gateway_fixtures import Running, api_client, server_config

FAST = {
    "tick_s": 0.1,
    "response_lag_s": 0.3,
    "increase_dwell_s": 0.5,
    "call_timeout_s": 2.0,
    "retry_rejected_s": 60.0,
    "retry_unanswered_s": 0.5,
    "plan_min_gap_s": 0.2,
}


def sc_config(tmp_path: Path, **smartcharging: Any) -> dict[str, Any]:
    return {**server_config(tmp_path), "smartcharging": {**FAST, **smartcharging}}


def one_node_site(limit_a: float, *chargers: str, connectors: int = 1) -> dict[str, Any]:
    return {
        "name": "test site",
        "nodes": [{"id": "grid", "parent": None, "limit_a": limit_a}],
        "chargers": [{"id": c, "node": "grid", "connectors": connectors} for c in chargers],
    }


async def admin(running: Running) -> httpx.AsyncClient:
    return await api_client(running, Role.ADMIN, "")
