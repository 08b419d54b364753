"""The simulator answers every CSMS-initiated action of OCPP 1.6J and 2.0.1, each answer and
every frame it queues valid against the `ocpp` package's schemas."""

from __future__ import annotations

from pathlib import Path

import pytest
from evgw.testing.fleet import PROTOCOLS
from evgw.testing.fleet._protocol import CallRefused

from tests.unit.ocpp_schemas import csms_actions, violations
from tests.unit.sim_fake import FakeCharger
from tests.unit.sim_requests import LOCAL_CONTROLLER, REQUESTS

CASES = [(v, a) for v in sorted(REQUESTS) for a in sorted(REQUESTS[v])]


@pytest.mark.parametrize("version", sorted(REQUESTS))
def test_every_csms_action_has_a_request_example(version: str) -> None:
    assert set(REQUESTS[version]) == csms_actions(version)


@pytest.mark.parametrize(("version", "action"), CASES)
async def test_each_answer_is_schema_valid(tmp_path: Path, version: str, action: str) -> None:
    request = REQUESTS[version][action]
    assert violations(version, action, "request", request) == []
    cp = FakeCharger(tmp_path, PROTOCOLS[version]().for_charger())
    if action in LOCAL_CONTROLLER:
        with pytest.raises(CallRefused) as refused:
            cp.call(action, request)
        assert refused.value.code == "NotImplemented"
        return
    reply = cp.call(action, request)
    assert violations(version, action, "response", reply) == [], reply
    for message in cp.sent:
        frame = message.build()
        assert violations(version, message.action, "request", frame) == [], (message.action, frame)


@pytest.mark.parametrize("version", sorted(REQUESTS))
async def test_a_payload_the_schema_refuses_is_a_call_error(tmp_path: Path, version: str) -> None:
    cp = FakeCharger(tmp_path, PROTOCOLS[version]().for_charger())
    with pytest.raises(CallRefused) as refused:
        cp.call("CancelReservation", {})
    assert refused.value.code in ("FormationViolation", "FormatViolation")
