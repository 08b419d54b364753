"""`python -m loadtests SCENARIO.toml [...] [--short] [--out DIR]`: run scenarios, write
result.json, summary.md and PNG plots per scenario under DIR (default loadtests/out)."""

from __future__ import annotations

import argparse
import gc
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trio
from evgw.testing.fleet import CapacityError, percentile, raise_fd_limit

from loadtests import report, scenario
from loadtests.harness import run_against
from loadtests.kinds import KINDS


def _per_second(run: dict[str, Any], by_second: dict[int, Any]) -> None:
    p99, p50 = [], []
    for second in sorted(by_second):
        values = sorted(by_second[second])
        p99.append((second, percentile(values, 99) * 1000))
        p50.append((second, percentile(values, 50) * 1000))
    run["p99_by_second"], run["p50_by_second"] = p99 or [(0, 0.0)], p50 or [(0, 0.0)]


async def run_scenario(path: Path, s: dict[str, Any], out: Path, short: bool) -> dict[str, Any]:
    runs = []
    for target in s[""]["targets"]:
        seen: dict[str, Any] = {}

        async def measure(h: Any, nursery: trio.Nursery, seen: dict[str, Any] = seen) -> Any:
            seen["h"] = h
            return await KINDS[s[""]["kind"]](h, nursery)

        run = await run_against(s, target, out, measure)
        _per_second(run, seen["h"].recorder.by_second)
        runs.append(run)
        print(f"  {target}: done", flush=True)
    result = {
        "scenario": path.stem,
        "kind": s[""]["kind"],
        "short": short,
        "seed": s[""]["seed"],
        "command": shlex.join(["python", "-m", "loadtests", *sys.argv[1:]]),
        "started": datetime.now(UTC).isoformat(),
        "scenario_values": s,
        "runs": runs,
        "p99_limit_ms": s["ramp"]["p99_ms"],
    }
    knees = {r["target"]: float((r.get("knee") or {}).get("rate_per_s") or 0) for r in runs}
    if knees.get("evgw") and knees.get("peer"):
        result["ratio"] = round(knees["evgw"] / knees["peer"], 2)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtests", description=__doc__)
    parser.add_argument("scenarios", nargs="+", type=Path)
    parser.add_argument("--short", action="store_true", help="the short version (make loadtest)")
    parser.add_argument("--out", type=Path, default=Path("loadtests/out"))
    args = parser.parse_args(argv)
    raise_fd_limit()
    gc.set_threshold(50_000, 50, 100)  # fewer collections; see kinds.settle_gc
    try:
        loaded = [(p, scenario.load(p, short=args.short)) for p in args.scenarios]
    except scenario.ScenarioError as exc:
        print(f"loadtests: {exc}", file=sys.stderr)
        return 2
    for path, s in loaded:
        out = args.out / f"{path.stem}{'-short' if args.short else ''}"
        out.mkdir(parents=True, exist_ok=True)
        print(
            f"{path.stem}: {s['']['kind']}, {s['fleet']['chargers']} chargers -> {out}", flush=True
        )
        started = time.monotonic()
        try:
            result = trio.run(run_scenario, path, s, out, args.short)
        except CapacityError as exc:
            print(f"loadtests: {exc}", file=sys.stderr)
            return 3
        report.write_json(out, result)
        (out / "summary.md").write_text(report.summary_md(result))
        report.plots(out, result)
        print((out / "summary.md").read_text())
        print(f"({time.monotonic() - started:.0f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
