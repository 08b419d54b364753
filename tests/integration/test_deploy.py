"""deploy/: the Prometheus alert rules pass promtool (Debian's `prometheus` package, installed
by scripts/promtool.sh) and have the fields Alertmanager routes on; every metric the rules and
the Grafana dashboard name is exported by a running server's /metrics."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import trio
import yaml

from tests.integration.maintenance_fixtures import serve

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "evgw-alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "evgw-dashboard.json"
METRIC = re.compile(r"\bevgw_[a-z0-9_]+")
SEVERITIES = {"critical", "warning", "info"}


def rules() -> list[dict[str, Any]]:
    doc = yaml.safe_load(RULES.read_text())
    return [rule for group in doc["groups"] for rule in group["rules"]]


def dashboard_exprs() -> list[str]:
    doc = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in doc["panels"] for t in p.get("targets", [])]


def test_promtool_accepts_the_rules() -> None:
    promtool = shutil.which("promtool")
    assert promtool is not None, "promtool is missing: run `bash scripts/promtool.sh`"
    done = subprocess.run(
        [promtool, "check", "rules", str(RULES)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(rules())} rules found" in done.stdout


def test_every_rule_can_be_routed_and_read() -> None:
    names = [r["alert"] for r in rules()]
    assert len(names) == len(set(names))
    for rule in rules():
        assert rule["labels"]["severity"] in SEVERITIES, rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]
        assert METRIC.search(rule["expr"]), rule["alert"]
    assert "EvgwCriticalTicketOpened" in names
    assert "EvgwPortUptimeBelow97" in names


def test_dashboard_panels_are_unique_and_query_prometheus() -> None:
    doc = json.loads(DASHBOARD.read_text())
    ids = [p["id"] for p in doc["panels"]]
    assert len(ids) == len(set(ids))
    titles = {p["title"] for p in doc["panels"] if p["type"] == "row"}
    assert titles == {"Gateway", "Load management", "Maintenance", "Billing"}
    assert len(dashboard_exprs()) > 30


def _exported(text: str) -> set[str]:
    families = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            families[name] = kind
    names = set(families)
    for name, kind in families.items():
        if kind == "histogram":
            names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
    return names


async def test_every_metric_named_is_exported(nursery: trio.Nursery, tmp_path: Path) -> None:
    run = await serve(nursery, tmp_path)
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"{run.api_url}/metrics")).text
    exported = _exported(text)
    named = {
        m for expr in [r["expr"] for r in rules()] + dashboard_exprs() for m in METRIC.findall(expr)
    }
    assert named - exported == set()
    assert len(named) > 25
