"""Decode + validate one OCPP 1.6 MeterValues CALL (10 sampled values, ~1.6 KB): evgw._core
against the `ocpp` package's own unpack + jsonschema validation, same process, same run.

    .venv/bin/python tests/benchmarks/bench_codec.py [--repeat 7] [--seconds 0.5]

The peer is `ocpp.messages.unpack` + `ocpp.messages._validate_payload` (the synchronous body
that the async `validate_payload` runs in an executor). Correctness is checked before timing:
both accept the frame and both refuse a copy with an invalid measurand. Not collected by
pytest (no test_ prefix).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from evgw._core import OCPP16, Codec, OcppError
from ocpp import messages
from ocpp.exceptions import OCPPError

FRAME = (Path(__file__).parents[2] / "benches" / "meter_values_16.json").read_text().strip()
BAD = FRAME.replace("Energy.Active.Import.Register", "Energy.Active.Import.Nope", 1)


def peer_decode(text: str, version: str = "1.6") -> object:
    msg = messages.unpack(text)
    messages._validate_payload(msg, version)
    return msg


def check(codec: Codec, frame: str = FRAME, bad: str = BAD, version: str = "1.6") -> None:
    """Both sides accept `frame` and refuse `bad` (an invalid enum value) before any timing."""
    assert codec.decode(frame).payload == json.loads(frame)[3]
    peer_decode(frame, version)
    try:
        codec.decode(bad)
    except OcppError as e:
        code = e.code
    else:
        code = "accepted"
    assert code == "PropertyConstraintViolation", code
    try:
        peer_decode(bad, version)
    except OCPPError:
        pass
    else:
        raise AssertionError("ocpp accepted an invalid enum value")


def per_call(fn: Callable[[str], object], arg: str, repeat: int, seconds: float) -> list[float]:
    """Seconds per call, one figure per repeat (each repeat runs ~`seconds`)."""
    n, began = 1, time.perf_counter()
    while time.perf_counter() - began < seconds / 10:
        fn(arg)
        n += 1
    n = max(n * 10, 10)
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(n):
            fn(arg)
        out.append((time.perf_counter() - t0) / n)
    return out


def report(rows: dict[str, list[float]]) -> None:
    medians = {name: statistics.median(v) for name, v in rows.items()}
    for name, m in medians.items():
        print(f"{name:36s} median {m * 1e6:9.2f} us/frame  {1 / m:12,.0f} frames/s")
    ratio = medians["ocpp unpack + _validate_payload"] / medians["evgw._core Codec.decode(str)"]
    print(f"ratio (ocpp / evgw, str input): {ratio:,.0f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--seconds", type=float, default=0.5)
    args = ap.parse_args()
    codec = Codec(OCPP16)
    check(codec)
    frame_bytes = FRAME.encode()
    rows = {
        "evgw._core Codec.decode(str)": per_call(codec.decode, FRAME, args.repeat, args.seconds),
        "evgw._core Codec.decode(bytes)": per_call(
            codec.decode, frame_bytes, args.repeat, args.seconds
        ),  # type: ignore[arg-type]
        "json.loads only (no validation)": per_call(json.loads, FRAME, args.repeat, args.seconds),
        "ocpp unpack + _validate_payload": per_call(
            peer_decode, FRAME, args.repeat, args.seconds / 5
        ),
    }
    print(f"frame: 1.6 MeterValues CALL, 10 sampled values, {len(frame_bytes)} bytes")
    report(rows)


if __name__ == "__main__":
    main()
