"""Bad frames on OCPP 2.0.1 and 2.1 connections: the 2.x CALLERROR spellings (S-19), a metric,
and the connection stays usable; transaction data is never refused."""

from __future__ import annotations

import json

import pytest
from evgw import metrics
from evgw.testing import connect_charger

from tests.conformance.v201_frames import ts
from tests.integration.gateway_fixtures import PASSWORD, Running, running

__all__ = ["running"]


def status(**over: object) -> str:
    payload = {"timestamp": ts(), "evseId": 1, "connectorId": 1, "connectorStatus": "Available"}
    payload.update(over)
    return json.dumps({k: v for k, v in payload.items() if v is not None})


# (frame, expected (message id, error code)); the codec's choice for a missing property is
# ProtocolError (docs/ocpp.md), for minItems OccurrenceConstraintViolation.
BAD_FRAMES_2X = [
    ("this is not json", ("-1", "FormatViolation")),
    ('{"a": 1}', ("-1", "FormatViolation")),
    ('[2, 123, "Heartbeat", {}]', ("-1", "RpcFrameworkError")),
    ('[5, "x"]', ("x", "MessageTypeNotSupported")),
    ('[2, "b1", "FooBar", {}]', ("b1", "NotImplemented")),
    (f'[2, "b2", "StatusNotification", {status(connectorStatus=None)}]', ("b2", "ProtocolError")),
    (f'[2, "b3", "StatusNotification", {status(evseId="1")}]', ("b3", "TypeConstraintViolation")),
    (
        f'[2, "b4", "StatusNotification", {status(connectorStatus="Broken")}]',
        ("b4", "PropertyConstraintViolation"),
    ),
    (f'[2, "b5", "StatusNotification", {status(extra=1)}]', ("b5", "FormatViolation")),
    (
        f'[2, "b6", "NotifyEvent", {{"generatedAt": "{ts()}", "seqNo": 0, "eventData": []}}]',
        ("b6", "OccurrenceConstraintViolation"),
    ),
    (
        '[2, "b8", "Reset", {"type": "Immediate"}]',
        ("b8", "NotSupported"),  # a CSMS-initiated action sent by the charger
    ),
]


@pytest.mark.parametrize("version", ["ocpp2.0.1", "ocpp2.1"])
@pytest.mark.parametrize(("frame", "expected"), BAD_FRAMES_2X)
async def test_bad_frame_gets_2x_callerror(
    running: Running, version: str, frame: str, expected: tuple[str, str]
) -> None:
    before = metrics.CALLERRORS.labels(expected[1], "out")._value.get()
    url = running.charger_url("CP1")
    async with connect_charger(url, version=version, user="CP1", password=PASSWORD) as cp:
        await cp.send_raw(frame)
        reply = await cp.next_reply()
        assert reply[0] == 4
        assert (reply[1], reply[2]) == expected
        assert len(reply[3]) <= 255
        assert isinstance(reply[4], dict)
        assert await cp.result("StatusNotification", json.loads(status())) == {}
    assert metrics.CALLERRORS.labels(expected[1], "out")._value.get() == before + 1


async def test_21_only_charger_message_is_not_supported(running: Running) -> None:
    url = running.charger_url("CP1")
    async with connect_charger(url, version="ocpp2.1", user="CP1", password=PASSWORD) as cp:
        settlement = {
            "pspRef": "p1",
            "status": "Settled",
            "settlementAmount": 1.5,
            "settlementTime": ts(),
        }
        reply = await cp.call("NotifySettlement", settlement)
        assert reply[:3] == [4, "m1", "NotSupported"]
        assert (await cp.result("Heartbeat", {}))["currentTime"]
