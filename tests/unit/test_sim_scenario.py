"""Scenario files: every shipped one loads; unknown keys and impossible values name the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from evgw.testing.fleet import version_mix

from loadtests.harness import charger_specs
from loadtests.scenario import ScenarioError, load, parse

SCENARIOS = sorted((Path(__file__).parents[2] / "loadtests" / "scenarios").glob("*.toml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
@pytest.mark.parametrize("short", [False, True])
def test_shipped_scenarios_load(path: Path, short: bool) -> None:
    s = load(path, short=short)
    assert s[""]["kind"] in path.read_text()


def test_short_overrides_apply_only_when_asked() -> None:
    data = {"kind": "steady", "fleet": {"chargers": 9000}, "short": {"fleet": {"chargers": 90}}}
    assert parse(data)["fleet"]["chargers"] == 9000
    assert parse(data, short=True)["fleet"]["chargers"] == 90


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "kind: missing"),
        ({"kind": "soak"}, "kind: must be one of"),
        ({"kind": "steady", "colour": 1}, "colour: unknown key"),
        ({"kind": "steady", "fleet": {"charger": 10}}, "fleet.charger: unknown key"),
        ({"kind": "steady", "fleet": {"chargers": 0}}, "fleet.chargers: must be between 1"),
        ({"kind": "steady", "fleet": {"chargers": "ten"}}, "fleet.chargers: expected int"),
        ({"kind": "steady", "fleet": {"chargers": True}}, "fleet.chargers: expected int"),
        ({"kind": "steady", "fleet": {"speed": -1}}, "fleet.speed: must be > 0"),
        ({"kind": "steady", "fleet": {"start_hour": 24}}, "fleet.start_hour: must be an hour"),
        ({"kind": "steady", "fleet": {"sites": ["mars"]}}, "fleet.sites: unknown ['mars']"),
        ({"kind": "steady", "fleet": {"auth": "basic"}}, "fleet.auth: unknown key"),
        ({"kind": "steady", "fleet": {"security_profile": 4}}, "fleet.security_profile: must be"),
        (
            {"kind": "steady", "fleet": {"ocpp_versions": {"ocpp2.1": 1.0}}},
            "fleet.ocpp_versions: unknown version 'ocpp2.1'",
        ),
        (
            {"kind": "steady", "fleet": {"ocpp_versions": {"ocpp1.6": 0.5, "ocpp2.0.1": 0.6}}},
            "fleet.ocpp_versions: the shares must add up to 1",
        ),
        (
            {"kind": "steady", "fleet": {"ocpp_versions": {"ocpp1.6": 1.5, "ocpp2.0.1": -0.5}}},
            "fleet.ocpp_versions: the share of 'ocpp1.6' must be",
        ),
        (
            {"kind": "steady", "fleet": {"ocpp_versions": "ocpp2.0.1"}},
            "fleet.ocpp_versions: expected a table",
        ),
        (
            {"kind": "steady", "targets": ["peer"], "fleet": {"ocpp_versions": {"ocpp2.0.1": 1}}},
            "targets: the peer speaks OCPP 1.6",
        ),
        (
            {"kind": "steady", "targets": ["evgw", "peer"], "fleet": {"security_profile": 2}},
            "targets: the peer speaks OCPP 1.6",
        ),
        ({"kind": "steady", "targets": ["steve"]}, "targets: unknown ['steve']"),
        ({"kind": "chaos", "faults": {"late_share": 1.5}}, "faults.late_share: must be between"),
        ({"kind": "chaos", "faults": {"meteor_every_s": 3}}, "faults.meteor_every_s: unknown"),
        ({"kind": "steady", "run": {"duration_s": 10, "warmup_s": 20}}, "run.warmup_s"),
        ({"kind": "throughput", "ramp": {"start_rate": 900, "max_rate": 100}}, "ramp.max_rate"),
        ({"kind": "steady", "fleet": {"ramp_s": float("nan")}}, "fleet.ramp_s: expected"),
        ({"kind": "steady", "short": {"flet": {}}}, "short.flet: unknown table"),
        ({"kind": "steady", "short": {"fleet": {"chargers": -5}}}, "fleet.chargers: must be"),
        ({"kind": "steady", "fleet": 3}, "fleet: expected a table"),
    ],
)
def test_bad_scenarios_are_rejected_naming_the_field(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=None) as caught:
        parse(data)
    assert message in str(caught.value)


def test_a_bad_file_names_the_file_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('kind = "steady"\n[fleet]\nchargers = 10\nconectors = 2\n')
    with pytest.raises(ScenarioError) as caught:
        load(path)
    assert str(caught.value).startswith(f"{path}: fleet.conectors: unknown key")


def test_not_toml_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("kind = \n")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load(path)


@pytest.mark.parametrize("n", [1, 7, 100, 1001])
def test_version_mix_has_the_shares_and_is_reproducible(n: int) -> None:
    shares = {"ocpp1.6": 0.3, "ocpp2.0.1": 0.7}
    mix = version_mix(n, shares, seed=5)
    assert len(mix) == n
    assert abs(mix.count("ocpp2.0.1") - 0.7 * n) <= 1
    assert mix == version_mix(n, shares, seed=5)
    if n > 10:
        assert mix != sorted(mix)  # spread over the fleet, not in blocks


@pytest.mark.parametrize(("profile", "password"), [(0, False), (1, True), (2, True), (3, False)])
def test_charger_specs_follow_the_security_profile_and_the_mix(
    profile: int, password: bool
) -> None:
    s = parse(
        {
            "kind": "steady",
            "fleet": {
                "chargers": 10,
                "security_profile": profile,
                "ocpp_versions": {"ocpp1.6": 0.2, "ocpp2.0.1": 0.8},
            },
        }
    )
    certs = {"LT00003": ("c.pem", "c.key")} if profile == 3 else {}
    specs = charger_specs(s, True, certs)
    assert [x.ocpp_version for x in specs].count("ocpp2.0.1") == 8
    assert all((x.password is not None) == password for x in specs)
    assert [x.client_cert for x in specs if x.client_cert] == list(certs.values())
