"""Reset guardrails, the fleet storm guard, ticket transitions and playbook choice (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from evgw.maintenance._config import DetectionRules, MaintenanceConfig, Playbook, RemediationConfig
from evgw.maintenance._guard import ResetFacts, ResetVerdict, StormGuard, reset_verdict
from evgw.maintenance._remediate import choose_playbook
from evgw.maintenance._tickets import TRANSITIONS, Severity, TicketState, graver

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
CFG = RemediationConfig(reset_budget_per_day=2, reset_cooldown_s=1800)


def ago(minutes: float) -> datetime:
    return NOW - timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("resets", "sessions", "storm", "verdict"),
    [
        ((), 0, False, ResetVerdict.ALLOWED),
        ((ago(300),), 0, False, ResetVerdict.ALLOWED),
        ((ago(10),), 0, False, ResetVerdict.COOLING_DOWN),
        ((ago(300), ago(200)), 0, False, ResetVerdict.BUDGET_EXHAUSTED),
        ((), 1, False, ResetVerdict.SESSION_ACTIVE),
        ((), 1, True, ResetVerdict.STORM),
    ],
)
def test_reset_verdict(
    resets: tuple[datetime, ...], sessions: int, storm: bool, verdict: ResetVerdict
) -> None:
    assert reset_verdict(ResetFacts(NOW, resets, sessions, storm), CFG) is verdict


def test_storm_needs_a_share_and_a_minimum_within_the_window() -> None:
    guard = StormGuard(DetectionRules(storm_window_s=60, storm_share=0.3, storm_min_chargers=3))
    # 100 chargers: 30 % within a minute is more than 0.3 x 100 only at the 31st drop
    starts = [guard.dropped(NOW + timedelta(seconds=i), 100 - i - 1) for i in range(31)]
    assert starts.index(True) == 30
    assert starts.count(True) == 1
    assert guard.active(NOW + timedelta(seconds=31))
    assert not guard.active(NOW + timedelta(seconds=31 + 900))


def test_drops_spread_over_time_are_no_storm() -> None:
    guard = StormGuard(DetectionRules(storm_window_s=60, storm_share=0.3, storm_min_chargers=3))
    assert not any(guard.dropped(NOW + timedelta(minutes=2 * i), 10) for i in range(20))


@pytest.mark.parametrize(
    ("start", "end", "allowed"),
    [
        (TicketState.OPEN, TicketState.ACKNOWLEDGED, True),
        (TicketState.ACKNOWLEDGED, TicketState.IN_PROGRESS, True),
        (TicketState.IN_PROGRESS, TicketState.RESOLVED, True),
        (TicketState.RESOLVED, TicketState.CLOSED, True),
        (TicketState.RESOLVED, TicketState.OPEN, True),
        (TicketState.OPEN, TicketState.CLOSED, False),
        (TicketState.CLOSED, TicketState.OPEN, False),
        (TicketState.IN_PROGRESS, TicketState.ACKNOWLEDGED, False),
    ],
)
def test_ticket_transitions(start: TicketState, end: TicketState, allowed: bool) -> None:
    assert (end in TRANSITIONS[start]) is allowed


def test_graver_severity() -> None:
    assert graver(Severity.MEDIUM, Severity.CRITICAL) is Severity.CRITICAL
    assert graver(Severity.HIGH, Severity.LOW) is Severity.HIGH


def test_playbook_choice_by_error_code_and_model() -> None:
    books = (
        Playbook("gfci", error_codes=("GroundFailure",), steps=("ticket",)),
        Playbook("terra", models=("Terra",), steps=("soft_reset", "wait_recovery", "ticket")),
        Playbook("default"),
    )
    cfg = MaintenanceConfig(remediation=RemediationConfig(playbooks=books))
    assert choose_playbook(cfg, "GroundFailure", "Terra").name == "gfci"
    assert choose_playbook(cfg, "OtherError", "Terra").name == "terra"
    assert choose_playbook(cfg, None, "X").name == "default"
    empty = MaintenanceConfig(remediation=RemediationConfig(playbooks=()))
    assert choose_playbook(empty, None, "X").steps == ("ticket",)
