"""Run reports: result.json, summary.md and PNG plots (matplotlib, headless)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any


def write_json(out: Path, result: dict[str, Any]) -> Path:
    path = out / "result.json"
    path.write_text(json.dumps(result, indent=1, default=str))
    return path


def _line(label: str, w: dict[str, Any]) -> str:
    flag = " **simulator-bound**" if w.get("sim_bound") else ""
    return (
        f"| {label} | {w['rate_per_s']} | {w['p50_ms']} | {w['p95_ms']} | {w['p99_ms']} | "
        f"{w['errors']} | {w['server_cpu_us_per_msg']} | {w['server_rss_mb']} | "
        f"{w['sim_cpu_share']}{flag} |"
    )


HEAD = (
    "| run | msg/s | p50 ms | p95 ms | p99 ms | errors | server CPU µs/msg | server RSS MB "
    "| simulator CPU (cores) |\n|---|---|---|---|---|---|---|---|---|"
)


def summary_md(result: dict[str, Any]) -> str:
    lines = [
        f"# {result['scenario']} ({result['kind']}{', short' if result['short'] else ''})",
        "",
        f"Command: `{result['command']}`",
        "",
        HEAD,
    ]
    extra: list[str] = []
    for run in result["runs"]:
        name = run["target"]
        if "window" in run:
            lines.append(_line(name, run["window"]))
        for step in run.get("steps", []):
            if "offered_per_s" in step:
                lines.append(_line(f"{name} @ {step['offered_per_s']:g}/s offered", step))
        extra += _extras(run)
    if "ratio" in result:
        extra.append(f"- knee ratio evgw / peer: **{result['ratio']}x**")
    return "\n".join([*lines, "", *extra, ""])


def _extras(run: dict[str, Any]) -> list[str]:
    name, out = run["target"], []
    if run.get("knee"):
        k = run["knee"]
        out.append(
            f"- {name}: knee {k['rate_per_s']} msg/s at p99 {k['p99_ms']} ms "
            f"(stopped by: {k['limited_by']})"
        )
    if "storm_s" in run:
        out.append(
            f"- {name}: {run['chargers']} chargers ready again in {run['storm_s']} s, "
            f"{run['refusals']} refusals, {run['replayed']} queued messages replayed"
        )
    if "kib_per_connection" in run:
        out.append(
            f"- {name}: {run['connections']} idle connections, "
            f"{run['kib_per_connection']} KiB each, RSS {run['steps'][-1]['server_rss_mb']}"
            f" MB (baseline {run['baseline_rss_mb']} MB)"
        )
    if "transactions" in run:
        t = run["transactions"]
        out.append(
            f"- {name}: transactions: {t['starts_acknowledged']} starts and "
            f"{t['stops_acknowledged']} stops acknowledged, {t['in_store']} in the store; "
            f"lost {t['lost_starts']} starts / {t['lost_stops']} stops, "
            f"double counted {t['double_counted']}, orphan stops {t['orphan_stops']}"
        )
    errors = sum(
        n for a in run["actions"].values() for o, n in a.items() if o in ("callerror", "timeout")
    )
    out.append(f"- {name}: {errors} errors in the whole run; events {run['events']}")
    return out


def plots(out: Path, result: dict[str, Any]) -> list[Path]:
    import matplotlib  # noqa: PLC0415  (optional, heavy)

    matplotlib.use("Agg")
    made = [_timeline(out, result)]
    if result["kind"] == "throughput":
        made.append(_knee(out, result))
    return made


def _timeline(out: Path, result: dict[str, Any]) -> Path:
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for run in result["runs"]:
        t = [x["t"] for x in run["timeline"]][1:]
        ok = [x["ok"] for x in run["timeline"]]
        ax1.plot(t, [b - a for a, b in itertools.pairwise(ok)], label=run["target"])
        ax2.plot(*zip(*run["p99_by_second"], strict=False), label=f"{run['target']} p99")
        ax2.plot(
            *zip(*run["p50_by_second"], strict=False), label=f"{run['target']} p50", linestyle=":"
        )
    ax1.set_ylabel("answered messages / s")
    ax2.set_ylabel("round trip (ms)")
    ax2.set_xlabel("seconds since start")
    for ax in (ax1, ax2):
        ax.legend(loc="upper left", fontsize=8)
        ax.grid(alpha=0.3)
    fig.suptitle(f"{result['scenario']}: throughput and latency over time")
    path = out / "timeline.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _knee(out: Path, result: dict[str, Any]) -> Path:
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, ax = plt.subplots(figsize=(8, 5))
    for run in result["runs"]:
        steps = run["steps"]
        ax.plot(
            [s["rate_per_s"] for s in steps],
            [s["p99_ms"] for s in steps],
            marker="o",
            label=run["target"],
        )
    ax.axhline(result["p99_limit_ms"], color="grey", linestyle="--", label="p99 limit")
    ax.set_xlabel("achieved MeterValues / s")
    ax.set_ylabel("p99 round trip (ms)")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("Knee: p99 vs sustained throughput")
    path = out / "knee.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
