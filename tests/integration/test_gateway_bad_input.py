"""Bad frames and bad handshakes: the specified CALLERROR or refusal; process stays up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import trio
from evgw import metrics
from evgw.testing import basic_auth_header, connect_charger, wait_until
from trio_websocket import ConnectionRejected, open_websocket_url

from tests.integration.gateway_fixtures import (
    PASSWORD,
    Running,
    register,
    running,
    server_config,
    start_server,
)

__all__ = ["running"]

STATUS_OK = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}

# (frame text, expected reply: (message id, error code) or None when it must be ignored)
BAD_FRAMES_16 = [
    ("this is not json", ("-1", "FormationViolation")),
    ('{"a": 1}', ("-1", "FormationViolation")),
    ('[2, 123, "Heartbeat", {}]', ("-1", "FormationViolation")),
    ('[5, "x"]', None),
    ('[2, "b1", "FooBar", {}]', ("b1", "NotImplemented")),
    (
        '[2, "b2", "StatusNotification", {"connectorId": 1, "errorCode": "NoError"}]',
        ("b2", "ProtocolError"),
    ),
    (
        '[2, "b3", "StatusNotification", {"connectorId": "1", "errorCode": "NoError", '
        '"status": "Available"}]',
        ("b3", "TypeConstraintViolation"),
    ),
    (
        '[2, "b4", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", '
        '"status": "Broken"}]',
        ("b4", "PropertyConstraintViolation"),
    ),
    (
        '[2, "b5", "StatusNotification", {"connectorId": 1, "errorCode": "NoError", '
        '"status": "Available", "extra": 1}]',
        ("b5", "FormationViolation"),
    ),
    (
        '[2, "b6", "MeterValues", {"connectorId": 1, "meterValue": []}]',
        ("b6", "OccurenceConstraintViolation"),
    ),
    (
        '[2, "b7", "Authorize", {"idTag": "' + "X" * 21 + '"}]',
        ("b7", "PropertyConstraintViolation"),
    ),
    ('[2, "b8", "RemoteStartTransaction", {"idTag": "A"}]', ("b8", "NotSupported")),
]


@pytest.mark.parametrize(("frame", "expected"), BAD_FRAMES_16)
async def test_bad_frame_gets_specified_callerror(
    running: Running, frame: str, expected: tuple[str, str] | None
) -> None:
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        await cp.send_raw(frame)
        if expected is None:
            with pytest.raises(trio.TooSlowError):
                await cp.next_reply(timeout=0.3)
        else:
            reply = await cp.next_reply()
            assert reply[0] == 4
            assert (reply[1], reply[2]) == expected
            assert len(reply[3]) <= 255
            assert isinstance(reply[4], dict)
        # the connection is still usable afterwards
        assert await cp.result("StatusNotification", STATUS_OK) == {}


async def test_oversized_frame(nursery: trio.Nursery, tmp_path: Path) -> None:
    run = await start_server(nursery, server_config(tmp_path, max_frame_bytes=2048))
    await register(run, "CP1")
    async with connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        big = json.dumps([2, "big1", "DataTransfer", {"vendorId": "v", "data": "x" * 5000}])
        await cp.send_raw(big)
        reply = await cp.next_reply()
        assert reply[:3] == [4, "big1", "FormationViolation"]
        assert await cp.result("Heartbeat", {})
    run.server.stop()


async def test_binary_frame_is_dropped_connection_stays(running: Running) -> None:
    before = metrics.DROPPED_FRAMES.labels("binary")._value.get()
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        await cp.send_raw(b'[2, "x", "Heartbeat", {}]')
        assert await cp.result("Heartbeat", {})
    assert metrics.DROPPED_FRAMES.labels("binary")._value.get() == before + 1


async def test_callresult_for_unknown_id_is_dropped(running: Running) -> None:
    before = metrics.DROPPED_FRAMES.labels("unmatched_reply")._value.get()
    async with connect_charger(running.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        await cp.send_raw('[3, "never-sent", {}]')
        await cp.send_raw('[4, "never-sent-2", "GenericError", "", {}]')
        assert await cp.result("Heartbeat", {})
    assert metrics.DROPPED_FRAMES.labels("unmatched_reply")._value.get() == before + 2


async def test_flood_is_throttled_not_dropped(nursery: trio.Nursery, tmp_path: Path) -> None:
    run = await start_server(
        nursery, server_config(tmp_path, messages_per_second=50.0, message_burst=5)
    )
    await register(run, "CP1")
    async with connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        started = trio.current_time()
        for i in range(30):
            await cp.send_raw(json.dumps([2, f"f{i}", "Heartbeat", {}]))
        replies = [await cp.next_reply() for _ in range(30)]
        elapsed = trio.current_time() - started
    assert [r[1] for r in replies] == [f"f{i}" for i in range(30)]
    assert elapsed >= 0.4  # 25 messages beyond the burst at 50/s
    run.server.stop()


async def _refusal(url: str, *, subprotocols: list[str], headers: list[tuple[bytes, bytes]]) -> int:
    with pytest.raises(ConnectionRejected) as info:
        async with open_websocket_url(url, subprotocols=subprotocols, extra_headers=headers):
            pass
    return int(info.value.status_code)


@pytest.mark.parametrize(
    ("path", "subprotocols", "user", "password", "status"),
    [
        ("/ocpp/CP1", [], "CP1", PASSWORD, 400),
        ("/ocpp/CP1", ["ocpp0.1"], "CP1", PASSWORD, 400),
        ("/ocpp/CP1", ["ocpp1.6"], "CP1", "wrong password", 401),
        ("/ocpp/CP1", ["ocpp1.6"], None, None, 401),
        ("/ocpp/CP1", ["ocpp1.6"], "CP2", PASSWORD, 401),
        ("/ocpp/NOBODY", ["ocpp1.6"], "NOBODY", PASSWORD, 404),
        ("/other/CP1", ["ocpp1.6"], "CP1", PASSWORD, 404),
        ("/ocpp/a%3Ab", ["ocpp1.6"], "a", PASSWORD, 404),
        ("/ocpp/" + "x" * 49, ["ocpp1.6"], "x", PASSWORD, 404),
        ("/ocpp/CP1/extra", ["ocpp1.6"], "CP1", PASSWORD, 404),
    ],
)
async def test_handshake_refusals(
    running: Running,
    path: str,
    subprotocols: list[str],
    user: str | None,
    password: str | None,
    status: int,
) -> None:
    headers = [basic_auth_header(user, password)] if user and password else []
    url = f"ws://127.0.0.1:{running.endpoints.ocpp_port}{path}"
    assert await _refusal(url, subprotocols=subprotocols, headers=headers) == status


async def test_failed_logins_are_throttled(nursery: trio.Nursery, tmp_path: Path) -> None:
    run = await start_server(nursery, server_config(tmp_path, auth_failures_per_minute=3))
    await register(run, "CP1")
    url = run.charger_url("CP1")
    bad = [basic_auth_header("CP1", "nope")]
    statuses = [await _refusal(url, subprotocols=["ocpp1.6"], headers=bad) for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    good = [basic_auth_header("CP1", PASSWORD)]
    assert await _refusal(url, subprotocols=["ocpp1.6"], headers=good) == 429
    run.server.stop()


async def test_second_connection_replaces_first(running: Running) -> None:
    url = running.charger_url("CP1")
    async with connect_charger(url, user="CP1", password=PASSWORD) as first:
        assert await first.result("Heartbeat", {})
        async with connect_charger(url, user="CP1", password=PASSWORD) as second:
            await wait_until(lambda: first.ws.closed is not None)
            assert first.ws.closed.code == 1008
            assert await second.result("Heartbeat", {})
            gateway = running.server.gateway
            assert gateway is not None
            assert len(gateway.registry) == 1
