"""The per-connection configuration cache over a stand-in `call` (the gateway's own, with real
sockets, is exercised in tests/integration/test_config_cache.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import trio
from evgw.gateway import CallErrorReply, CallTimeout, ChargerNotConnected, ConnectionInfo
from evgw.gateway._config_cache import ConfigurationCache, parse

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Charger:
    """Answers GetConfiguration from `replies` in turn (an exception is raised), after `delay`."""

    def __init__(self, *replies: dict[str, Any] | Exception, delay: float = 0.0) -> None:
        self.replies, self.delay = list(replies), delay
        self.connected_at: datetime | None = T0
        self.asked: list[dict[str, Any]] = []

    async def call(
        self, charger_id: str, action: str, payload: dict[str, Any], timeout: float | None
    ) -> dict[str, Any]:
        assert action == "GetConfiguration"
        self.asked.append(payload)
        await trio.sleep(self.delay)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        return reply

    def connection(self, charger_id: str) -> ConnectionInfo | None:
        at = self.connected_at
        return None if at is None else ConnectionInfo(charger_id, "ocpp1.6", at, "", at)


def keys(**values: str | None) -> dict[str, Any]:
    return {
        "configurationKey": [
            {"key": k, "readonly": False, **({} if v is None else {"value": v})}
            for k, v in values.items()
        ]
    }


async def test_concurrent_askers_share_one_read() -> None:
    cp = Charger(keys(A="1"), delay=0.1)
    cache = ConfigurationCache(cp.call, cp.connection)
    results = []
    async with trio.open_nursery() as nursery:
        for _ in range(5):
            nursery.start_soon(lambda: _ask(cache, results))
    assert len(cp.asked) == 1
    assert cp.asked[0] == {}
    assert [r.get("A") for r in results] == ["1"] * 5
    assert (await cache.get("CP1")).get("A") == "1"
    assert len(cp.asked) == 1


async def _ask(cache: ConfigurationCache, results: list[Any]) -> None:
    results.append(await cache.get("CP1"))


@pytest.mark.parametrize(
    "failure",
    [CallTimeout("no answer"), CallErrorReply("NotSupported", "", {}), ChargerNotConnected("gone")],
)
async def test_a_failed_read_raises_and_is_not_kept(failure: Exception) -> None:
    cp = Charger(failure, keys(A="1"))
    cache = ConfigurationCache(cp.call, cp.connection)
    with pytest.raises(type(failure)):
        await cache.get("CP1")
    assert (await cache.get("CP1")).get("A") == "1"
    assert len(cp.asked) == 2


async def test_waiters_of_a_failed_read_get_the_failure() -> None:
    cp = Charger(CallTimeout("no answer"), keys(A="1"), delay=0.1)
    cache = ConfigurationCache(cp.call, cp.connection)
    outcomes: list[str] = []

    async def ask() -> None:
        try:
            await cache.get("CP1")
            outcomes.append("ok")
        except CallTimeout:
            outcomes.append("timeout")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(ask)
        nursery.start_soon(ask)
    assert outcomes == ["timeout", "timeout"]
    assert len(cp.asked) == 1


async def test_an_answer_without_the_key_is_kept() -> None:
    cp = Charger(keys(B="x", C=None))
    cache = ConfigurationCache(cp.call, cp.connection)
    config = await cache.get("CP1")
    assert not config.has("A")
    assert config.get("A") is None
    assert not config.flag("A")
    assert config.has("C")
    assert config.get("C") is None
    await cache.get("CP1")
    assert len(cp.asked) == 1


async def test_a_new_connection_reads_again_a_gone_one_raises() -> None:
    cp = Charger(keys(A="1"), keys(A="2"))
    cache = ConfigurationCache(cp.call, cp.connection)
    assert (await cache.get("CP1")).get("A") == "1"
    cp.connected_at = datetime(2026, 1, 2, tzinfo=UTC)
    assert (await cache.get("CP1")).get("A") == "2"
    cp.connected_at = None
    with pytest.raises(ChargerNotConnected):
        await cache.get("CP1")
    cache.forget("CP1")
    assert len(cp.asked) == 2


async def test_a_cancelled_read_is_not_kept() -> None:
    cp = Charger(keys(A="1"), delay=1.0)
    cache = ConfigurationCache(cp.call, cp.connection)
    with trio.move_on_after(0.05):
        await cache.get("CP1")
    cp.delay = 0.0
    assert (await cache.get("CP1")).get("A") == "1"
    assert len(cp.asked) == 2


def test_parse_ignores_malformed_items_and_flags_read_true_only() -> None:
    config = parse({"configurationKey": [{"key": "F", "value": "TRUE"}, {"value": "x"}, "junk"]})
    assert config.values == {"F": "TRUE"}
    assert config.flag("F")
    assert not parse({"configurationKey": [{"key": "F", "value": "yes"}]}).flag("F")
