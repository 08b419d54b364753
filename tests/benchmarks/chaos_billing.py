"""1,000 sessions through chaos (the issue's end-to-end billing check), not collected by pytest:

    .venv/bin/python tests/benchmarks/chaos_billing.py [--chargers 50] [--sessions 20] [--kills 4]

50 chargers x 20 sessions against an `evgw serve` process (SQLite) that is killed with
SIGKILL `kills` times and restarted; every StopTransaction is sent twice and unanswered
messages are resent after reconnecting. Prints the counts as JSON and exits non-zero unless
there are exactly chargers x sessions completed transactions and CDRs, no holds, no credit
CDRs, a zero trial balance and the exact receivable (0.10 EUR per session).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import trio

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.integration.billing_chaos import run_chaos


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chargers", type=int, default=50)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument("--gap", type=float, default=2.0, help="seconds between kills")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = trio.run(
            lambda: run_chaos(
                Path(tmp),
                chargers=args.chargers,
                sessions=args.sessions,
                kills=args.kills,
                gap_s=args.gap,
            )
        )
    report = {
        "sessions": result.sessions,
        "completed": result.completed,
        "cdrs": result.cdrs,
        "credit_cdrs": result.credit_cdrs,
        "holds": result.holds,
        "kills": result.kills,
        "duplicate_stops": result.duplicate_stops,
        "trial_balance": {k: str(v) for k, v in result.trial_balance.items()},
        "receivable_eur": str(result.receivable),
        "seconds": round(result.seconds, 1),
        "ok": result.ok,
    }
    print(json.dumps(report, indent=2))
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
