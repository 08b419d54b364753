"""Plugin host: first answer wins; exceptions, timeouts, wrong answers fall back to the default."""

from __future__ import annotations

import pytest
import trio
from evgw import metrics
from evgw.config import PluginConfig
from evgw.domain import TokenStatus
from evgw.plugins import AuthDecision, AuthRequest, PluginHost, PluginLoadError, load_plugins

DEFAULT = AuthDecision(TokenStatus.INVALID)
REQUEST = AuthRequest("CP1", "TAG", "ISO14443", DEFAULT)
ACCEPT = AuthDecision(TokenStatus.ACCEPTED)


class Accepts:
    async def authorize(self, request: AuthRequest) -> AuthDecision:
        return ACCEPT


class Defers:
    async def authorize(self, request: AuthRequest) -> None:
        return None


class Raises:
    async def authorize(self, request: AuthRequest) -> AuthDecision:
        raise RuntimeError("plugin bug")


class Hangs:
    async def authorize(self, request: AuthRequest) -> AuthDecision:
        await trio.sleep_forever()
        raise AssertionError("unreachable")


class WrongType:
    async def authorize(self, request: AuthRequest) -> str:
        return "Accepted"


def failures(reason: str) -> float:
    return float(metrics.PLUGIN_FAILURES.labels("authorize", reason)._value.get())


@pytest.mark.parametrize(
    ("plugins", "expected", "reason"),
    [
        ([Accepts()], ACCEPT, None),
        ([Defers(), Accepts()], ACCEPT, None),
        ([Defers()], None, None),
        ([Raises()], None, "exception"),
        ([Raises(), Accepts()], ACCEPT, "exception"),
        ([Hangs()], None, "timeout"),
        ([WrongType()], None, "bad_answer"),
        ([object()], None, None),
    ],
)
async def test_decide(
    plugins: list[object], expected: AuthDecision | None, reason: str | None
) -> None:
    before = failures(reason) if reason else 0.0
    host = PluginHost(plugins, timeout_s=0.05)
    assert await host.decide("authorize", REQUEST, AuthDecision) == expected
    if reason:
        assert failures(reason) == before + 1


def test_load_by_import_path() -> None:
    host = load_plugins(
        PluginConfig(modules=("tests.unit.test_plugins:Accepts",), entry_points=False)
    )
    assert isinstance(host.plugins[0], Accepts)


@pytest.mark.parametrize("path", ["no.such.module:X", "tests.unit.test_plugins:Missing"])
def test_bad_import_path_is_a_clear_error(path: str) -> None:
    with pytest.raises(PluginLoadError, match="plugin"):
        load_plugins(PluginConfig(modules=(path,), entry_points=False))
