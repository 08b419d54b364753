"""Policy plugins: hooks discovered through the `evgw.plugins` entry-point group and a config list.

A plugin is any object with some of the hook methods below (async, returning a decision or None
to defer). Each call is bounded by a timeout; an exception or a timeout is logged, counted in
`evgw_plugin_failures_total` and the default decision stands. Plugins are asked in load order;
the first non-None answer wins.

Hooks:
- ``async def authorize(request: AuthRequest) -> AuthDecision | None``
- ``async def boot(request: BootRequest) -> BootPolicy | None``
- ``async def transaction_cost(request: CostRequest) -> Decimal | None`` — the final cost of a
  2.x transaction, sent as TransactionEventResponse.totalCost on its Ended event (billing's
  hook; a component may add itself to ``ctx.plugins.plugins``)
- ``iso15118_ev_certificate`` / ``iso15118_certificate_status`` — see
  ``evgw.ocpp.control._iso15118`` (Get15118EVCertificate, GetCertificateStatus)

Built-in components that add themselves (after the configured plugins, so those win):
billing (``transaction_cost``), ocpp_control (``authorize``: a transaction starting on a
reserved EVSE for another token gets NotAtThisTime).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from decimal import Decimal
from importlib.metadata import entry_points
from typing import Any, TypeVar

import attrs
import trio

from evgw import metrics
from evgw.config import PluginConfig
from evgw.domain import BootPolicy, TokenStatus

log = logging.getLogger("evgw.plugins")

T = TypeVar("T")

ENTRY_POINT_GROUP = "evgw.plugins"


@attrs.frozen
class AuthDecision:
    status: TokenStatus
    expires_at: str | None = None  # RFC 3339; 1.6 expiryDate, 2.x cacheExpiryDateTime
    group_id: str | None = None  # 1.6 parentIdTag, 2.x groupIdToken.idToken
    group_type: str | None = None  # 2.x groupIdToken.type (default Central)
    evse_ids: tuple[int, ...] = ()  # 2.x: valid only on these EVSEs of the charger
    language: str | None = None  # 2.x language1 (RFC 5646)
    personal_message: str | None = None  # 2.x personalMessage (UTF8 text)
    max_cost: Decimal | None = None  # the session's cost limit (incl VAT) in `currency`
    currency: str | None = None
    account_id: str | None = None


@attrs.frozen
class AuthRequest:
    charger_id: str
    id_token: str
    token_type: str
    default: AuthDecision  # what evgw decided from its own token table
    evse_id: int | None = None  # the EVSE a transaction starts on (None: Authorize, unknown)


@attrs.frozen
class BootRequest:
    charger_id: str
    vendor: str
    model: str
    serial_number: str | None
    firmware_version: str | None
    default: BootPolicy


@attrs.frozen
class CostRequest:
    charger_id: str
    transaction_id: str  # evgw's id
    ocpp_transaction_id: str  # the charger's transactionId


class PluginLoadError(RuntimeError):
    """A configured plugin cannot be imported or instantiated."""


class PluginHost:
    def __init__(self, plugins: Sequence[object], timeout_s: float = 1.0) -> None:
        self.plugins = list(plugins)
        self.timeout_s = timeout_s

    async def decide(self, hook: str, request: Any, expected: type[T]) -> T | None:
        """The first plugin answer of type `expected` for `hook`, or None (use the default)."""
        for plugin in self.plugins:
            method = getattr(plugin, hook, None)
            if method is None:
                continue
            answer = await self._ask(plugin, hook, method, request)
            if isinstance(answer, expected):
                return answer
            if answer is not None:
                self._failed(plugin, hook, "bad_answer", f"returned {type(answer).__name__}")
        return None

    async def _ask(self, plugin: object, hook: str, method: Any, request: Any) -> object:
        answer: object = None
        try:
            with trio.move_on_after(self.timeout_s) as scope:
                answer = await method(request)
        except Exception:
            log.exception("plugin %s.%s raised; default decision used", _name(plugin), hook)
            metrics.PLUGIN_FAILURES.labels(hook, "exception").inc()
            return None
        if scope.cancelled_caught:
            self._failed(plugin, hook, "timeout", f"no answer within {self.timeout_s:g} s")
        return answer

    @staticmethod
    def _failed(plugin: object, hook: str, reason: str, text: str) -> None:
        log.warning("plugin %s.%s %s; default decision used", _name(plugin), hook, text)
        metrics.PLUGIN_FAILURES.labels(hook, reason).inc()


def _name(plugin: object) -> str:
    return getattr(plugin, "name", type(plugin).__name__)


def _instantiate(obj: Any, origin: str) -> object:
    try:
        return obj() if isinstance(obj, type) else obj
    except Exception as exc:
        raise PluginLoadError(f"plugin {origin}: cannot instantiate: {exc}") from exc


def _import_path(path: str) -> object:
    module_name, _, attr = path.partition(":")
    try:
        module = importlib.import_module(module_name)
        obj = getattr(module, attr) if attr else module
    except (ImportError, AttributeError) as exc:
        raise PluginLoadError(f"plugin {path!r}: {exc}") from exc
    return _instantiate(obj, path)


def load_plugins(config: PluginConfig) -> PluginHost:
    """Entry points of the `evgw.plugins` group (if enabled), then `modules` ("pkg.mod:Class")."""
    found: list[object] = []
    if config.entry_points:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                found.append(_instantiate(ep.load(), ep.name))
            except Exception as exc:
                raise PluginLoadError(f"plugin entry point {ep.name!r}: {exc}") from exc
    found.extend(_import_path(path) for path in config.modules)
    for plugin in found:
        log.info("plugin loaded: %s", _name(plugin))
    return PluginHost(found, config.timeout_s)
