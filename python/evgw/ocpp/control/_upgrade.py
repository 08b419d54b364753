"""Security-profile upgrade, sending side (2.x A05 / B09, 1.6 whitepaper SecurityProfile).

2.x: SetNetworkProfile (the new profile in a configuration slot) → SetVariables
OCPPCommCtrlr.NetworkConfigurationPriority (that slot first) → Reset OnIdle. 1.6:
ChangeConfiguration SecurityProfile → Reset Hard (OCTT TC_083_CSMS). The upgrade is pending
from the first call; the gateway raises the registration when the charger connects at the new
profile (`evgw.gateway._upgrade`). A step the charger refuses ends the upgrade: nothing changes.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import attrs

from evgw.components import ComponentContext
from evgw.domain import ChargerRegistration
from evgw.gateway._commands import ChargerNotConnected, CommandError
from evgw.gateway._profile_upgrade import drop_upgrade, get_upgrade, put_upgrade
from evgw.ocpp.v201 import _device_model as dm

Payload = dict[str, Any]
PRIORITY = ("OCPPCommCtrlr", "NetworkConfigurationPriority")
PASSED = frozenset({"Accepted", "RebootRequired", "Scheduled"})


class UpgradeRefused(Exception):
    """The upgrade cannot be asked for (API: 409)."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code


@attrs.frozen
class UpgradeRequest:
    profile: int
    csms_url: str = ""  # wss:// base URL (2.x); "" = ocpp.tls.public_url
    slot: int = 1  # 2.x configurationSlot
    message_timeout_s: int = 30


@attrs.frozen
class UpgradeOutcome:
    status: str  # the last answer: Accepted, or the step's refusal
    pending: bool  # waiting for the charger to connect at the new profile
    steps: tuple[tuple[str, str], ...]  # (action, the charger's status)


def _priority(current: str | None, slot: int) -> str:
    others = [s for s in (current or "").split(",") if s.strip() and s.strip() != str(slot)]
    return ",".join([str(slot), *others])


def _set_priority(value: str) -> Payload:
    item = {"component": {"name": PRIORITY[0]}, "variable": {"name": PRIORITY[1]}}
    return {"setVariableData": [{**item, "attributeValue": value}]}


def _network_profile(version: str, request: UpgradeRequest, url: str) -> Payload:
    data: Payload = {
        "ocppTransport": "JSON",
        "ocppCsmsUrl": url,
        "messageTimeout": request.message_timeout_s,
        "securityProfile": request.profile,
        "ocppInterface": "Wired0",
    }
    if version == "ocpp2.0.1":
        data["ocppVersion"] = "OCPP20"
    return {"configurationSlot": request.slot, "connectionData": data}


def _status(action: str, reply: Payload) -> str:
    if action == "SetVariables":
        return str(reply["setVariableResult"][0]["attributeStatus"])
    return str(reply["status"])


class ProfileUpgrades:
    def __init__(self, ctx: ComponentContext) -> None:
        self.ctx = ctx

    def check(self, reg: ChargerRegistration, request: UpgradeRequest) -> str:
        """The URL to send, or UpgradeRefused when the upgrade cannot work."""
        tls = self.ctx.config.ocpp.tls
        if request.profile <= reg.security_profile:
            raise UpgradeRefused("not_higher", "the security profile can only be raised")
        if request.profile >= 2 and not tls.listen:
            raise UpgradeRefused("no_tls", "profiles 2 and 3 need the TLS listener (ocpp.tls)")
        if request.profile == 3 and not tls.client_ca:
            raise UpgradeRefused("no_client_ca", "profile 3 needs ocpp.tls.client_ca")
        if request.profile in (1, 2) and reg.password_hash is None:
            raise UpgradeRefused("no_password", "profiles 1 and 2 need a password set first")
        url = request.csms_url or tls.public_url
        if url and request.profile >= 2 and not url.startswith("wss://"):
            raise UpgradeRefused("not_wss", "profiles 2 and 3 need a wss:// URL")
        return url

    async def start(self, reg: ChargerRegistration, request: UpgradeRequest) -> UpgradeOutcome:
        url = self.check(reg, request)
        info = self.ctx.commander.connection(reg.id)
        if info is None:
            raise ChargerNotConnected(f"{reg.id} is not connected")
        if not info.ocpp_version.startswith("ocpp1") and not url:
            raise UpgradeRefused("no_url", "csms_url not given and ocpp.tls.public_url not set")
        calls = await self._calls(reg.id, info.ocpp_version, request, url)
        store = self.ctx.store
        await store.write(functools.partial(put_upgrade, charger_id=reg.id, target=request.profile))
        try:
            outcome = await self._send(reg.id, calls)
        except CommandError:
            await store.write(functools.partial(drop_upgrade, charger_id=reg.id))
            raise
        if not outcome.pending:
            await store.write(functools.partial(drop_upgrade, charger_id=reg.id))
        detail: dict[str, object] = {"profile": request.profile, "status": outcome.status}
        await store.add_security_event(reg.id, "SecurityProfileUpgradeSent", detail, _now())
        return outcome

    async def _calls(
        self, charger_id: str, version: str, request: UpgradeRequest, url: str
    ) -> list[tuple[str, Payload]]:
        if version == "ocpp1.6":
            change = {"key": "SecurityProfile", "value": str(request.profile)}
            return [("ChangeConfiguration", change), ("Reset", {"type": "Hard"})]
        op = functools.partial(
            dm.variable_value, charger_id=charger_id, component=PRIORITY[0], variable=PRIORITY[1]
        )
        current = await self.ctx.store.read(op)
        return [
            ("SetNetworkProfile", _network_profile(version, request, url)),
            ("SetVariables", _set_priority(_priority(current, request.slot))),
            ("Reset", {"type": "OnIdle"}),
        ]

    async def _send(self, charger_id: str, calls: list[tuple[str, Payload]]) -> UpgradeOutcome:
        steps: list[tuple[str, str]] = []
        for action, payload in calls:
            status = _status(action, await self.ctx.commander.call(charger_id, action, payload))
            steps.append((action, status))
            if status not in PASSED:
                return UpgradeOutcome(status, False, tuple(steps))
        return UpgradeOutcome("Accepted", True, tuple(steps))

    async def pending(self, charger_id: str) -> int | None:
        return await self.ctx.store.read(functools.partial(get_upgrade, charger_id=charger_id))

    async def cancel(self, charger_id: str) -> None:
        await self.ctx.store.write(functools.partial(drop_upgrade, charger_id=charger_id))


def _now() -> datetime:
    return datetime.now(UTC)
