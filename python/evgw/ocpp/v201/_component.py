"""The OCPP component: device-model queries and Get/SetVariables split to the charger's limits
(API routes), and the charger-certificate signer (1.6 security extension and 2.x)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import trio

from evgw.components import Component, ComponentContext
from evgw.gateway._commands import ChargerNotConnected, CommandError
from evgw.gateway._rotation import drop_pending, put_pending
from evgw.ocpp._charger_ca import load_charger_ca
from evgw.ocpp.v201 import _device_model as dm
from evgw.ocpp.v201._signer import CertificateSigner
from evgw.ocpp.v201._variables import batches, limit
from evgw.security import generate_password, hash_password

if TYPE_CHECKING:
    from evgw.api import ApiExtension

Payload = dict[str, Any]

# kind -> (action, request list key, result list key)
EXCHANGES = {
    "get": ("GetVariables", "getVariableData", "getVariableResult"),
    "set": ("SetVariables", "setVariableData", "setVariableResult"),
}


# Answers that mean the charger took the new password (it may apply it after a reboot).
TAKEN = frozenset({"Accepted", "RebootRequired"})


def _password_call(version: str, password: str) -> tuple[str, Payload]:
    if version == "ocpp1.6":
        return "ChangeConfiguration", {"key": "AuthorizationKey", "value": password}
    item = {
        "component": {"name": "SecurityCtrlr"},
        "variable": {"name": "BasicAuthPassword"},
        "attributeValue": password,
    }
    return "SetVariables", {"setVariableData": [item]}


def _password_status(version: str, reply: Payload) -> str:
    if version == "ocpp1.6":
        return str(reply["status"])
    return str(reply["setVariableResult"][0]["attributeStatus"])


def _key(item: Payload) -> dm.VariableKey:
    return dm.VariableKey.of(item["component"], item["variable"], item.get("attributeType"))


class Ocpp201(Component):
    name = "ocpp201"

    def __init__(self, ctx: ComponentContext) -> None:
        self.ctx = ctx
        ca = load_charger_ca(ctx.config.ocpp.charger_ca)
        self.signer = CertificateSigner(ctx, ca) if ca is not None else None

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        if self.signer is not None:
            await self.signer.run()

    def api(self) -> ApiExtension | None:
        from evgw.ocpp.v201._api import device_model_api  # noqa: PLC0415  (api imports us)

        return device_model_api(self)

    async def _limits(self, charger_id: str, action: str) -> tuple[int | None, int | None]:
        def read(db: Any) -> tuple[str | None, str | None]:
            return (
                dm.variable_value(db, charger_id, "DeviceDataCtrlr", "ItemsPerMessage", action),
                dm.variable_value(db, charger_id, "DeviceDataCtrlr", "BytesPerMessage", action),
            )

        items, size = await self.ctx.store.read(read)
        return limit(items), limit(size)

    async def exchange_variables(
        self, charger_id: str, kind: str, items: list[Payload]
    ) -> tuple[list[Payload], int]:
        """Send `items` in as many Get/SetVariables as the limits need; answer (results in
        the order the charger gave them, number of messages). Accepted sets are stored."""
        action, request_key, result_key = EXCHANGES[kind]
        max_items, max_bytes = await self._limits(charger_id, action)
        results: list[Payload] = []
        messages = 0
        for batch in batches(items, max_items, max_bytes):
            reply = await self.ctx.commander.call(charger_id, action, {request_key: batch})
            results.extend(reply[result_key])
            messages += 1
        if kind == "set":
            await self._store_accepted(charger_id, items, results)
        return results, messages

    async def _store_accepted(
        self, charger_id: str, items: list[Payload], results: list[Payload]
    ) -> None:
        accepted = {_key(r) for r in results if r["attributeStatus"] == "Accepted"}
        chosen = [i for i in items if _key(i) in accepted]
        op = functools.partial(
            dm.apply_set_results, charger_id=charger_id, accepted=chosen, at=datetime.now(UTC)
        )
        await self.ctx.store.write(op)

    async def rotate_password(self, charger_id: str) -> str:
        """Send a new password (1.6 AuthorizationKey, 2.x BasicAuthPassword); its hash is
        pending until the charger connects with it. Answers the charger's status."""
        info = self.ctx.commander.connection(charger_id)
        if info is None:
            raise ChargerNotConnected(f"{charger_id} is not connected")
        password = generate_password(info.ocpp_version)
        digest = await trio.to_thread.run_sync(hash_password, password)
        store = self.ctx.store
        await store.write(
            functools.partial(put_pending, charger_id=charger_id, password_hash=digest)
        )
        action, payload = _password_call(info.ocpp_version, password)
        try:
            status = _password_status(
                info.ocpp_version, await self.ctx.commander.call(charger_id, action, payload)
            )
        except CommandError:
            await store.write(functools.partial(drop_pending, charger_id=charger_id))
            raise
        if status not in TAKEN:
            await store.write(functools.partial(drop_pending, charger_id=charger_id))
        detail: dict[str, object] = {"status": status, "action": action}
        await store.add_security_event(
            charger_id, "PasswordRotationSent", detail, datetime.now(UTC)
        )
        return status
