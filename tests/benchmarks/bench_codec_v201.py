"""Decode + validate one OCPP 2.0.1 TransactionEvent CALL (Updated, 10 sampled values, ~1.7 KB):
evgw._core against the `ocpp` package's unpack + jsonschema validation, same process, same run.

    .venv/bin/python tests/benchmarks/bench_codec_v201.py [--repeat 7] [--seconds 0.5]

Correctness first: both accept the frame and both refuse a copy with an invalid context.
Not collected by pytest (no test_ prefix).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import bench_codec
from bench_codec import per_call
from evgw._core import OCPP201, Codec

FRAME = (Path(__file__).parents[2] / "benches" / "transaction_event_201.json").read_text().strip()
BAD = FRAME.replace("Sample.Periodic", "Sample.Sometimes", 1)


def peer_decode(text: str) -> object:
    return bench_codec.peer_decode(text, "2.0.1")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--seconds", type=float, default=0.5)
    args = ap.parse_args()
    codec = Codec(OCPP201)
    bench_codec.check(codec, FRAME, BAD, "2.0.1")
    rows = {
        "evgw._core Codec.decode(str)": per_call(codec.decode, FRAME, args.repeat, args.seconds),
        "json.loads only (no validation)": per_call(json.loads, FRAME, args.repeat, args.seconds),
        "ocpp unpack + _validate_payload": per_call(
            peer_decode, FRAME, args.repeat, args.seconds / 5
        ),
    }
    print(f"frame: 2.0.1 TransactionEvent CALL, 10 sampled values, {len(FRAME.encode())} bytes")
    bench_codec.report(rows)


if __name__ == "__main__":
    main()
