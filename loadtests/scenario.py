"""Scenario files (TOML): one table per concern, every key checked; errors name the field.

kind = "steady"            # steady | throughput | bootstorm | capacity | chaos
seed = 42
targets = ["evgw"]         # evgw and/or peer
[fleet]  chargers, connectors, sites, ramp_s, start_hour, speed, meter_interval_s,
         ocpp_versions = {"ocpp1.6" = 0.5, "ocpp2.0.1" = 0.5}, security_profile (0-3), ...
[run]    duration_s, warmup_s
[ramp] / [storm] / [capacity] / [faults]   (per kind)
[short.<table>]            overrides for `make loadtest` (the short version)
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evgw.testing.fleet import PROTOCOLS

KINDS = ("steady", "throughput", "bootstorm", "capacity", "chaos")
SITES = ("jpl", "caltech")


class ScenarioError(ValueError):
    """A scenario file is invalid; the message names the field."""


Check = Callable[[Any], str | None]  # None when fine, else what is wrong


def positive(v: Any) -> str | None:
    return None if v > 0 else "must be > 0"


def non_negative(v: Any) -> str | None:
    return None if v >= 0 else "must be >= 0"


def share(v: Any) -> str | None:
    return None if 0 <= v <= 1 else "must be between 0 and 1"


def hour(v: Any) -> str | None:
    return None if 0 <= v < 24 else "must be an hour of the day, 0 <= h < 24"


def one_of(*options: str) -> Check:
    return lambda v: None if v in options else f"must be one of {list(options)}"


def all_of(*options: str) -> Check:
    def check(v: Any) -> str | None:
        bad = [x for x in v if x not in options]
        return f"unknown {bad}; allowed {list(options)}" if bad or not v else None

    return check


def version_shares(v: Any) -> str | None:
    """{"ocpp1.6": share, "ocpp2.0.1": share}: known versions, shares in [0, 1] adding up to 1."""
    unknown = sorted(set(v) - set(PROTOCOLS))
    if unknown:
        return f"unknown version {unknown[0]!r}; allowed {sorted(PROTOCOLS)}"
    bad = [k for k, x in v.items() if isinstance(x, bool) or not isinstance(x, (int, float))]
    bad += [k for k, x in v.items() if k not in bad and not 0 <= x <= 1]
    if bad:
        return f"the share of {bad[0]!r} must be a number between 0 and 1"
    if not v or abs(sum(v.values()) - 1.0) > 1e-6:
        return "the shares must add up to 1"
    return None


def count(limit: int) -> Check:
    return lambda v: None if 1 <= v <= limit else f"must be between 1 and {limit}"


# table -> key -> (type, default, check)
Field = tuple[type | tuple[type, ...], Any, Check | None]
NUM = (int, float)
SCHEMA: dict[str, dict[str, Field]] = {
    "": {
        "kind": (str, None, one_of(*KINDS)),
        "seed": (int, 1, None),
        "description": (str, "", None),
        "targets": (list, ["evgw"], all_of("evgw", "peer")),
    },
    "fleet": {
        "chargers": (int, 100, count(100_000)),
        "connectors": (int, 2, count(8)),
        "sites": (list, ["jpl", "caltech"], all_of(*SITES)),
        "evs": (bool, True, None),
        "ramp_s": (NUM, 10.0, non_negative),
        "start_hour": (NUM, 10.0, hour),
        "speed": (NUM, 1.0, positive),
        "meter_interval_s": (NUM, 60.0, positive),
        "heartbeat_s": (NUM, 300.0, positive),
        "tick_s": (NUM, 5.0, positive),
        "lag_s": (NUM, 2.0, non_negative),
        "call_timeout_s": (NUM, 30.0, positive),
        "security_profile": (int, 1, lambda v: None if v in (0, 1, 2, 3) else "must be 0-3"),
        "ocpp_versions": (dict, {"ocpp1.6": 1.0}, version_shares),
        "tokens": (int, 100, count(100_000)),
    },
    "run": {"duration_s": (NUM, 60.0, positive), "warmup_s": (NUM, 10.0, non_negative)},
    "ramp": {
        "start_rate": (NUM, 200.0, positive),
        "step_rate": (NUM, 200.0, positive),
        "max_rate": (NUM, 5000.0, positive),
        "step_s": (NUM, 10.0, positive),
        "p99_ms": (NUM, 100.0, positive),
    },
    "storm": {"offline_s": (NUM, 10.0, non_negative), "deadline_s": (NUM, 60.0, positive)},
    "capacity": {
        "step": (int, 1000, count(100_000)),
        "budget_mb": (NUM, 1024.0, positive),
        "hold_s": (NUM, 3.0, non_negative),
    },
    "faults": {
        "connector_fault_every_s": (NUM, 0.0, non_negative),
        "connector_fault_duration_s": (NUM, 30.0, positive),
        "disconnect_every_s": (NUM, 0.0, non_negative),
        "offline_every_s": (NUM, 0.0, non_negative),
        "offline_duration_s": (NUM, 20.0, positive),
        "duplicate_share": (NUM, 0.0, share),
        "late_share": (NUM, 0.0, share),
        "late_delay_s": (NUM, 30.0, non_negative),
        "clock_skew_s": (NUM, 0.0, non_negative),
        "malformed_every_s": (NUM, 0.0, non_negative),
    },
}


def _check_value(where: str, value: Any, field: Field) -> Any:
    kind, _, check = field
    ok_type = isinstance(value, kind) and not (isinstance(value, bool) and kind in (int, NUM))
    if not ok_type or (isinstance(value, float) and not math.isfinite(value)):
        raise ScenarioError(f"{where}: expected {_type_name(kind)}, got {value!r}")
    problem = check(value) if check else None
    if problem:
        raise ScenarioError(f"{where}: {problem} (got {value!r})")
    return value


def _type_name(kind: type | tuple[type, ...]) -> str:
    if kind == NUM:
        return "a number"
    return "a table" if kind is dict else getattr(kind, "__name__", str(kind))


def _table(name: str, data: Any) -> dict[str, Any]:
    fields = SCHEMA[name]
    if not isinstance(data, dict):
        raise ScenarioError(f"{name}: expected a table, got {data!r}")
    unknown = sorted(set(data) - set(fields))
    if unknown:
        where = f"{name}.{unknown[0]}" if name else unknown[0]
        raise ScenarioError(
            f"{where}: unknown key (allowed in [{name or 'top level'}]: "
            f"{', '.join(sorted(fields))})"
        )
    out = {k: default for k, (_, default, _) in fields.items()}
    for key, value in data.items():
        out[key] = _check_value(f"{name}.{key}" if name else key, value, fields[key])
    return out


def parse(data: dict[str, Any], *, short: bool = False) -> dict[str, Any]:
    """Validated scenario: {"": top-level, "fleet": {...}, ...} with defaults filled in."""
    data = dict(data)
    overrides = data.pop("short", {})
    top = {k: v for k, v in data.items() if k not in SCHEMA or k == ""}
    if "kind" not in top:
        raise ScenarioError("kind: missing (one of " + ", ".join(KINDS) + ")")
    tables = {"": _table("", top)}
    for name in SCHEMA:
        if name:
            tables[name] = _table(name, data.get(name, {}))
    if not isinstance(overrides, dict):
        raise ScenarioError("short: expected a table of tables")
    for name, table in overrides.items():
        if name not in SCHEMA or not name:
            raise ScenarioError(f"short.{name}: unknown table")
        checked = _table(name, table)
        if short:
            tables[name].update({k: checked[k] for k in table})
    return _cross_checks(tables)


def _cross_checks(s: dict[str, Any]) -> dict[str, Any]:
    if s["run"]["warmup_s"] >= s["run"]["duration_s"] and s[""]["kind"] in ("steady", "chaos"):
        raise ScenarioError("run.warmup_s: must be shorter than run.duration_s")
    if s["ramp"]["max_rate"] < s["ramp"]["start_rate"]:
        raise ScenarioError("ramp.max_rate: must be >= ramp.start_rate")
    f = s["fleet"]
    beyond_peer = f["security_profile"] >= 2 or f["ocpp_versions"].get("ocpp1.6", 0) < 1
    if "peer" in s[""]["targets"] and beyond_peer:
        raise ScenarioError(
            "targets: the peer speaks OCPP 1.6 over ws:// only; drop it or use "
            'fleet.ocpp_versions = {"ocpp1.6" = 1.0} and fleet.security_profile <= 1'
        )
    if s["fleet"]["tokens"] > s["fleet"]["chargers"] * 100:
        raise ScenarioError("fleet.tokens: more tokens than 100 per charger makes no sense")
    return s


def load(path: str | Path, *, short: bool = False) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ScenarioError(f"scenario file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    try:
        return parse(data, short=short)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc}") from None
