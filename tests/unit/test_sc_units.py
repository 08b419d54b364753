"""Load management, sans-IO parts: meter readings (stale, missing phase, impossible), the
dispatch rules (reductions first, hysteresis, dwell, no identical resend, budget), safe
shares and phase masks."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest
from evgw.api import ApiError
from evgw.domain import MeterSample
from evgw.smartcharging._config import SmartChargingConfig
from evgw.smartcharging._dispatch import Change, Kind, SiteGate, decide, plan
from evgw.smartcharging._engine import SiteRuntime, phase_mask
from evgw.smartcharging._live import Live
from evgw.smartcharging._meter import phase_currents
from evgw.smartcharging._parse import parse_site

CFG = SmartChargingConfig()
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def amps(value: str, phase: str | None, unit: str = "A") -> MeterSample:
    return MeterSample(T0, "Current.Import", value, unit=unit, phase=phase)


@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        ([amps("10", "L1"), amps("11", "L2"), amps("12", "L3")], (10.0, 11.0, 12.0)),
        ([amps("16", "L1-N")], (16.0, math.nan, math.nan)),  # missing phases stay unknown
        ([amps("8", None)], (8.0, 8.0, 8.0)),
        ([amps("8000", "L2", unit="mA")], (math.nan, 8.0, math.nan)),
        ([amps("500", "L1")], None),  # above the breaker: impossible
        ([amps("-3", "L1")], None),
        ([amps("lots", "L1")], None),
        ([amps("5", "N")], None),  # neutral current is not a phase draw
        ([MeterSample(T0, "Power.Active.Import", "7000", unit="W")], None),
    ],
)
def test_phase_currents(samples: list[MeterSample], expected: tuple[float, ...] | None) -> None:
    got = phase_currents(samples, 32.0)
    if expected is None:
        assert got is None
    else:
        assert got is not None
        assert [(math.isnan(a), 0 if math.isnan(a) else a) for a in got] == [
            (math.isnan(b), 0 if math.isnan(b) else b) for b in expected
        ]


def test_measured_draw_window_and_staleness() -> None:
    live = Live(("CP1", 1), 32.0)
    live.start("tx", 0.0, 0.0)
    live.record(0.0, (20.0, math.nan, math.nan))
    live.record(30.0, (10.0, 10.0, 10.0))
    assert live.phases_in_use == 3
    assert live.measured(31.0, 60.0, 120.0) == 20.0
    assert live.measured(80.0, 60.0, 120.0) == 10.0  # the 20 A left the window
    assert math.isnan(live.measured(200.0, 60.0, 120.0))  # stale


def charging(sent: float | None, sent_at: float = 0.0) -> Live:
    live = Live(("CP1", 1), 32.0)
    live.start("tx", 0.0, 0.0)
    live.sent_a, live.sent_at = sent, sent_at
    return live


@pytest.mark.parametrize(
    ("sent", "target", "now", "expected"),
    [
        (None, 16.0, 1.0, Kind.FIRST),  # above the 10 A fallback
        (None, 8.0, 1.0, Kind.REDUCE),  # below it: a reduction, sent at once
        (16.0, 10.0, 1.0, Kind.REDUCE),  # at once, no dwell
        (16.0, 16.0, 1.0, None),  # identical: never resent ...
        (16.0, 16.0, 601.0, Kind.REFRESH),  # ... except the keep-alive
        (16.0, 20.0, 10.0, None),  # dwell not over
        (16.0, 20.0, 31.0, Kind.INCREASE),
        (20.0, 21.0, 31.0, None),  # under 10 %
        (6.0, 7.0, 31.0, Kind.INCREASE),  # 1 A is enough at 6 A
    ],
)
def test_decide(sent: float | None, target: float, now: float, expected: Kind | None) -> None:
    assert decide(charging(sent), target, now, CFG, 10.0) is expected


def test_nothing_is_sent_while_pending_offline_or_waiting_to_retry() -> None:
    live = charging(16.0)
    live.pending = True
    assert decide(live, 10.0, 1.0, CFG, 10.0) is None
    live.pending, live.online = False, False
    assert decide(live, 10.0, 1.0, CFG, 10.0) is None
    live.online = True
    live.set_fixed(32.0, "rejected", 1.0)
    assert decide(live, 10.0, 100.0, CFG, 10.0) is None
    assert decide(live, 10.0, 302.0, CFG, 10.0) is Kind.REDUCE


def test_plan_sends_reductions_first_within_the_budget() -> None:
    up = [Change(charging(6.0), "s", 20.0, Kind.INCREASE, 6.0) for _ in range(3)]
    down = [Change(charging(20.0), "s", 6.0, Kind.REDUCE, 20.0) for _ in range(2)]
    chosen = plan(up + down, 3, {}, 100.0, 5.0)
    assert [c.kind for c in chosen] == [Kind.REDUCE, Kind.REDUCE]  # no raise beside a reduction
    gates = {"s": SiteGate()}
    assert [c.kind for c in plan(up, 2, gates, 100.0, 5.0)] == [Kind.INCREASE] * 2  # budget
    gates["s"].unsettled = True
    assert [c.kind for c in plan(up, 3, gates, 100.0, 5.0)] == []
    gates["s"].unsettled = False
    gates["s"].last_reduction_at = 98.0
    assert [c.kind for c in plan(up, 3, gates, 100.0, 5.0)] == []  # within the response lag


def test_safe_share_and_masks() -> None:
    site, _ = parse_site(
        "s",
        {
            "nodes": [
                {"id": "grid", "parent": None, "limit_a": 100},
                {"id": "f", "parent": "grid", "limit_a": 40, "margin_a": 4},
            ],
            "chargers": [
                {"id": "A", "node": "f", "connectors": 2},
                {"id": "B", "node": "grid", "connectors": 2, "limit_a": 10},
            ],
        },
    )
    runtime = SiteRuntime(site, {})
    assert runtime.safe_share() == {"A": 18.0, "B": 0.0}  # (40 - 4) / 2; 10 / 2 < 6 A
    assert phase_mask("wye", 1, 2) == 0b100
    assert phase_mask("wye", 3, 1) == 0b111
    assert phase_mask("delta", 1, 2) == 0b101  # pair CA


def test_retry_after_a_refusal_waits_long_no_answer_backs_off() -> None:
    from evgw.smartcharging._dispatch import retry_after  # noqa: PLC0415

    live = Live(("CP1", 1), 32.0)
    live.start("tx", 0.0, None)
    live.failed(32.0, "unanswered", 5.0)
    assert (live.fixed_since, retry_after(live, CFG)) == (5.0, CFG.retry_unanswered_s)
    assert decide(live, 20.0, 5.0 + CFG.retry_unanswered_s - 0.1, CFG, 20.0) is None
    assert decide(live, 20.0, 5.0 + CFG.retry_unanswered_s, CFG, 20.0) is Kind.FIRST
    live.failed(32.0, "unanswered", 100.0)  # the retry restarts the clock, twice as long
    assert (live.fixed_since, retry_after(live, CFG)) == (100.0, 2 * CFG.retry_unanswered_s)
    for _ in range(10):
        live.failed(32.0, "unanswered", 100.0)
    assert retry_after(live, CFG) == CFG.retry_rejected_s
    live.failed(32.0, "rejected", 200.0)
    assert decide(live, 20.0, 200.0 + CFG.retry_rejected_s - 1, CFG, 20.0) is None  # no storm


def test_unbalance_limit_nan_in_a_config_file_is_refused_naming_the_field() -> None:
    body = {"nodes": [{"id": "grid", "parent": None, "limit_a": 100, "unbalance_a": math.nan}]}
    with pytest.raises(ApiError) as caught:
        parse_site("s", body)
    assert [d["field"] for d in caught.value.details] == ["nodes[0].unbalance_a"]


def test_unbalance_limit_caps_single_phase_evs_on_one_phase() -> None:
    site, _ = parse_site(
        "s",
        {
            "nodes": [{"id": "grid", "parent": None, "limit_a": 100, "unbalance_a": 10}],
            "chargers": [{"id": f"C{i}", "node": "grid", "phases": 1} for i in range(3)],
        },
    )
    lives: dict[tuple[str, int], Live] = {}
    runtime = SiteRuntime(site, lives)
    for live in lives.values():
        live.transaction_id = "t"
    allocation = runtime.tick(lives, 0.0, SmartChargingConfig())
    assert sorted(allocation.limits) == [0.0, 0.0, 10.0]  # all on L1: I_L1 - I_L2 <= 10
    assert not allocation.violations
