"""CSMS-initiated calls through the gateway's Commander: correlation, errors, timeouts."""

from __future__ import annotations

import json

import pytest
import trio
from evgw.gateway import (
    CallErrorReply,
    CallTimeout,
    ChargerNotConnected,
    PayloadInvalid,
    UnknownAction,
)
from evgw.testing import connect_charger, wait_until

from tests.integration.gateway_fixtures import PASSWORD, Running, running

__all__ = ["running"]


async def test_remote_command_round_trip(running: Running) -> None:
    gateway = running.server.gateway
    assert gateway is not None
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        cp.responses["GetConfiguration"] = lambda p: {
            "configurationKey": [{"key": "HeartbeatInterval", "readonly": False, "value": "300"}]
        }
        reply = await gateway.call("CP1", "RemoteStartTransaction", {"idTag": "TAG1"})
        assert reply == {"status": "Accepted"}
        config = await gateway.call("CP1", "GetConfiguration", {"key": ["HeartbeatInterval"]})
        assert config["configurationKey"][0]["value"] == "300"
        assert [c[2] for c in cp.received_calls] == ["RemoteStartTransaction", "GetConfiguration"]
        info = gateway.connection("CP1")
        assert info is not None
        assert info.ocpp_version == "ocpp1.6"


async def test_command_errors(running: Running) -> None:
    gateway = running.server.gateway
    assert gateway is not None
    with pytest.raises(ChargerNotConnected):
        await gateway.call("CP1", "Reset", {"type": "Soft"})
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD):
        with pytest.raises(UnknownAction):
            await gateway.call("CP1", "BootNotification", {})
        with pytest.raises(UnknownAction):
            await gateway.call("CP1", "NoSuchAction", {})
        with pytest.raises(PayloadInvalid) as invalid:
            await gateway.call("CP1", "Reset", {"type": "Sideways"})
        assert invalid.value.violations[0]["code"] == "PropertyConstraintViolation"


async def test_charger_callerror_and_invalid_reply(running: Running) -> None:
    gateway = running.server.gateway
    assert gateway is not None
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:

        async def answer_with_error() -> None:
            await trio.sleep(0.05)
            frame = cp.received_calls[-1]
            await cp.send_raw(json.dumps([4, frame[1], "NotSupported", "nope", {}]))

        cp.auto_answer = False  # reply by hand with a CALLERROR
        async with trio.open_nursery() as nursery:
            nursery.start_soon(answer_with_error)
            with pytest.raises(CallErrorReply) as err:
                await gateway.call("CP1", "Reset", {"type": "Hard"})
        assert err.value.code == "NotSupported"


async def test_timeout_then_late_reply_is_dropped(running: Running) -> None:
    gateway = running.server.gateway
    assert gateway is not None
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        cp.auto_answer = False
        with pytest.raises(CallTimeout):
            await gateway.call("CP1", "Reset", {"type": "Soft"}, timeout=0.2)
        late_id = cp.received_calls[-1][1]
        # the next call must not be answered by the late reply of the first
        async with trio.open_nursery() as nursery:

            async def reply_late_then_right() -> None:
                await wait_until(lambda: len(cp.received_calls) >= 2)
                await cp.send_raw(json.dumps([3, late_id, {"status": "Rejected"}]))
                second = cp.received_calls[-1][1]
                await cp.send_raw(json.dumps([3, second, {"status": "Accepted"}]))

            nursery.start_soon(reply_late_then_right)
            assert await gateway.call("CP1", "Reset", {"type": "Soft"}) == {"status": "Accepted"}


async def test_disconnect_closes_with_policy_violation(running: Running) -> None:
    gateway = running.server.gateway
    assert gateway is not None
    assert await gateway.disconnect("CP1", "not connected") is False
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        assert await cp.result("Heartbeat", {})
        assert await gateway.disconnect("CP1", "registration deleted") is True
        await wait_until(lambda: cp.ws.closed is not None)
        assert cp.ws.closed is not None
        assert cp.ws.closed.code == 1008
        await wait_until(lambda: gateway.connection("CP1") is None)
