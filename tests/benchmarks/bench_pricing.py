"""Pricing throughput: the Rust engine (evgw._core.Tariff, single calls and price_many
batches) against a straightforward Python implementation of the same rules with `decimal`,
same tariff (OCPI tariff_4_complex), same 10-period session, same run.

    .venv/bin/python tests/benchmarks/bench_pricing.py [--seconds 1.0]

Correctness first: both give the same total (excl and incl VAT) before anything is timed.
The Python peer implements what this tariff needs (time-of-day, weekday and current
restrictions, first match per dimension, FLAT once, session step_size with parking, VAT per
component), cutting at local boundaries with zoneinfo. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from evgw._core import Tariff

TARIFF_JSON = (Path(__file__).parents[2] / "benches" / "tariff_bench.json").read_text()
TZ = "Europe/Amsterdam"
UNITS = {
    "FLAT": Decimal(1),
    "ENERGY": Decimal(1_000_000),  # mWh per kWh
    "TIME": Decimal(3_600_000),  # ms per hour
    "PARKING_TIME": Decimal(3_600_000),
}
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")

Row = tuple[int, int, int, str, str | None, str | None]


def session() -> list[Row]:
    """The criterion bench's session (benches/billing.rs `session()`)."""
    at, rows = 1_700_469_000_000, []
    for i in range(10):
        minutes, charging = 12 + i, i < 8
        energy = 1_500_000 + i * 100_000 if charging else 0
        amps = "40" if i % 3 == 0 else "16"
        phase = "CHARGING" if charging else "PARKING"
        rows.append((at, at + minutes * 60_000, energy, phase, None, amps))
        at += minutes * 60_000
    return rows


# --- the Python peer ---------------------------------------------------------------------------


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def _holds(r: dict[str, Any], local: datetime, amps: Decimal | None) -> bool:
    m = local.hour * 60 + local.minute
    if "start_time" in r and "end_time" in r:
        s, e = _minutes(r["start_time"]), _minutes(r["end_time"]) or 1440
        if not (s <= m < e if s < e else m >= s or m < e):
            return False
    if "day_of_week" in r and DAYS[local.weekday()] not in r["day_of_week"]:
        return False
    if amps is not None and "min_current" in r and amps < Decimal(str(r["min_current"])):
        return False
    return not (amps is not None and "max_current" in r and amps >= Decimal(str(r["max_current"])))


def _choose(
    tariff: dict[str, Any], dim: str, local: datetime, amps: Decimal | None
) -> dict[str, Any] | None:
    for element in tariff["elements"]:
        for c in element["price_components"]:
            if c["type"] == dim and _holds(element.get("restrictions", {}), local, amps):
                return dict(c)
    return None


def _cuts(start: datetime, end: datetime, tz: ZoneInfo, tariff: dict[str, Any]) -> list[datetime]:
    marks = {0} | {
        _minutes(e["restrictions"][k]) % 1440
        for e in tariff["elements"]
        for k in ("start_time", "end_time")
        if k in e.get("restrictions", {})
    }
    day, out = start.astimezone(tz).date(), []
    while datetime(day.year, day.month, day.day, tzinfo=tz) <= end:
        for m in marks:
            t = datetime(day.year, day.month, day.day, m // 60, m % 60, tzinfo=tz).astimezone(UTC)
            if start < t < end:
                out.append(t)
        day += timedelta(days=1)
    return sorted(out)


def python_price(tariff: dict[str, Any], rows: list[Row], tz_name: str) -> tuple[Decimal, Decimal]:
    tz, lines, flat_done = ZoneInfo(tz_name), [], False
    for start_ms, end_ms, mwh, phase, _, amps_text in rows:
        start = datetime.fromtimestamp(start_ms / 1000, UTC)
        end = datetime.fromtimestamp(end_ms / 1000, UTC)
        amps = None if amps_text is None else Decimal(amps_text)
        points = [start, *_cuts(start, end, tz, tariff), end]
        for a, b in pairwise(points):
            local = a.astimezone(tz)
            ms = Decimal(int((b - a).total_seconds() * 1000))
            part = Decimal(mwh) * ms / Decimal(end_ms - start_ms)
            time_dim = "TIME" if phase == "CHARGING" else "PARKING_TIME"
            dims = ("FLAT", "ENERGY", time_dim)
            for dim in dims:
                c = _choose(tariff, dim, local, amps)
                if c is None or (dim == "FLAT" and flat_done):
                    continue
                flat_done = flat_done or dim == "FLAT"
                qty = {"FLAT": Decimal(1), "ENERGY": part, "TIME": ms, "PARKING_TIME": ms}[dim]
                lines.append([dim, c, qty])
    _step(lines, ("TIME", "PARKING_TIME"), 1000)
    _step(lines, ("ENERGY",), 1000)
    excl = incl = Decimal(0)
    for dim, c, qty in lines:
        price = Decimal(str(c["price"]))
        unit = UNITS[dim]
        line = price if dim == "FLAT" else price * qty / unit
        excl += line
        incl += line * (1 + Decimal(str(c["vat"])) / 100) if "vat" in c else line
    cent = Decimal("0.01")
    return excl.quantize(cent, ROUND_HALF_UP), incl.quantize(cent, ROUND_HALF_UP)


def _step(lines: list[list[Any]], dims: tuple[str, ...], scale: int) -> None:
    paid = [ln for ln in lines if ln[0] in dims and Decimal(str(ln[1]["price"])) > 0]
    if not paid or not paid[-1][1]["step_size"]:
        return
    last = paid[-1]
    step = Decimal(last[1]["step_size"] * scale)
    total = sum((ln[2] for ln in paid if ln[0] == last[0]), Decimal(0))
    last[2] += (step - total % step) % step


# --- timing ------------------------------------------------------------------------------------


def rate(fn: Callable[[], object], seconds: float, per_call: int = 1) -> float:
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn()
        n += 1
    return n * per_call / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    tariff, body, rows = Tariff(TARIFF_JSON), json.loads(TARIFF_JSON), session()
    rust = json.loads(tariff.price(TZ, rows))["total_cost"]
    peer = python_price(body, rows, TZ)
    assert (Decimal(rust["excl_vat"]), Decimal(rust["incl_vat"])) == peer, (rust, peer)
    print(f"same total from both: excl {peer[0]}, incl {peer[1]} EUR")
    batch = [(TZ, rows)] * 1000
    results = {
        "rust, one call per session": rate(lambda: tariff.price(TZ, rows), args.seconds),
        "rust, price_many x1000": rate(lambda: tariff.price_many(batch), args.seconds, 1000),
        "rust, price_many x1000 totals": rate(
            lambda: tariff.price_many(batch, detail=False), args.seconds, 1000
        ),
        "python decimal peer": rate(lambda: python_price(body, rows, TZ), args.seconds),
    }
    for name, per_s in results.items():
        print(f"{name:32s} {per_s:12,.0f} sessions/s")


if __name__ == "__main__":
    main()
