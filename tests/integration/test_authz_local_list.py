"""Local authorization lists pushed to chargers: the fleet simulator's 1.6 and 2.0.1 chargers
keep what evgw sends (Full split to their per-message limit, then Differential updates from
token changes); scripted chargers answer VersionMismatch / Failed / NotSupported / CALLERROR
and evgw resyncs; the sync state is in the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import trio
from evgw.testing import connect_charger
from evgw.testing.fleet import ChargerSpec, Fleet, Recorder
from evgw.testing.fleet._local_list import PER_MESSAGE, held_by

from tests.integration.authz_fixtures import authz_server, eventually
from tests.integration.gateway_fixtures import PASSWORD, register
from tests.integration.test_fleet_e2e import fleet_env, wait_for

FAST = {"local_list": {"enabled": True, "sync_interval_s": 0.1, "retry_s": 0.1}}


async def state_of(api: httpx.AsyncClient, charger_id: str) -> dict[str, Any]:
    return dict((await api.get(f"/local-lists/{charger_id}")).json())


async def test_simulated_chargers_keep_the_list(nursery: trio.Nursery, tmp_path: Path) -> None:
    async with authz_server(nursery, tmp_path, **FAST) as (run, api):
        tokens = [f"T{i:02d}" for i in range(45)]  # > PER_MESSAGE: a Full in 3 messages
        for tag in tokens:
            assert (await api.put(f"/tokens/{tag}", json={"status": "Accepted"})).status_code == 201
        specs = [
            ChargerSpec("LL16", 0, password=PASSWORD, ocpp_version="ocpp1.6"),
            ChargerSpec("LL201", 1, password=PASSWORD, ocpp_version="ocpp2.0.1"),
        ]
        for spec in specs:
            await register(run, spec.charger_id)
        rec, stop = Recorder(), trio.Event()
        fleet = Fleet(fleet_env(run, tmp_path, stop, rec), specs)
        async with trio.open_nursery() as inner:
            inner.start_soon(fleet.run)
            await wait_for(lambda: fleet.statistics().online == len(specs))

            async def synced(version: int) -> bool:
                states = [await state_of(api, s.charger_id) for s in specs]
                return all(s["state"] == "synced" and s["version"] == version for s in states)

            await eventually(lambda: synced(3))  # ceil(45 / 20) messages, one version each
            assert PER_MESSAGE == 20
            for charger in fleet.chargers:
                held = held_by(charger.model)
                assert held is not None
                assert (held.version, sorted(held.entries)) == (3, tokens)
            # token changes go as one Differential: a block, a removal, an addition
            await api.put("/tokens/T00", json={"status": "Blocked"})
            await api.delete("/tokens/T01")
            added = await api.put("/tokens/4711", json={"status": "Accepted", "type": "KeyCode"})
            assert added.status_code == 201

            def applied() -> bool:
                lists = [held_by(c.model) for c in fleet.chargers]
                return all(h is not None and "4711" in h.entries for h in lists)

            await wait_for(applied)  # one or more Differentials (the changes race the passes)
            v16, v201 = (held_by(c.model) for c in fleet.chargers)
            assert v16 is not None
            assert v201 is not None
            assert v16.entries["T00"] == {"idTag": "T00", "idTagInfo": {"status": "Blocked"}}
            assert v201.entries["4711"] == {
                "idToken": {"idToken": "4711", "type": "KeyCode"},
                "idTokenInfo": {"status": "Accepted"},
            }
            assert "T01" not in v16.entries
            assert "T01" not in v201.entries
            assert 4 <= v16.version <= 6

            async def in_step() -> bool:
                for charger, held in zip(fleet.chargers, (v16, v201), strict=True):
                    state = await state_of(api, charger.spec.charger_id)
                    if (state["state"], state["version"]) != ("synced", held.version):
                        return False
                return True

            await eventually(in_step)
            listed = (await api.get("/local-lists")).json()["items"]
            assert {(s["charger_id"], s["entries"]) for s in listed} == {
                ("LL16", 45),
                ("LL201", 45),
            }
            stop.set()
        assert rec.errors() == 0, rec.error_samples


class ScriptedList:
    """Answers of a 1.6 charger with small limits; `statuses` scripts SendLocalList answers."""

    def __init__(self, statuses: list[str]) -> None:
        self.statuses = statuses
        self.version = 0
        self.sent: list[dict[str, Any]] = []

    def configuration(self, _: dict[str, Any]) -> dict[str, Any]:
        keys = {
            "LocalAuthListEnabled": "true",
            "LocalAuthListMaxLength": "3",
            "SendLocalListMaxLength": "2",
        }
        return {
            "configurationKey": [{"key": k, "readonly": True, "value": v} for k, v in keys.items()]
        }

    def send(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.sent.append(payload)
        status = self.statuses.pop(0) if self.statuses else "Accepted"
        if status == "Accepted":
            self.version = payload["listVersion"]
        return {"status": status}


async def test_refusals_lead_to_a_full_resync(nursery: trio.Nursery, tmp_path: Path) -> None:
    async with authz_server(nursery, tmp_path, **FAST) as (run, api):
        for tag in ("A", "B", "C", "D"):
            await api.put(f"/tokens/{tag}", json={"status": "Accepted"})
        charger = ScriptedList(["Accepted", "Accepted", "VersionMismatch", "Failed"])
        async with connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
            cp.responses["GetConfiguration"] = charger.configuration
            cp.responses["GetLocalListVersion"] = lambda _: {"listVersion": charger.version}
            cp.responses["SendLocalList"] = charger.send

            async def state(name: str) -> dict[str, Any] | None:
                found = await state_of(api, "CP1")
                return found if found["state"] == name else None

            first = await eventually(lambda: state("synced"))
            # 4 tokens, the charger holds 3 (truncated), 2 per message: Full + Differential
            assert (first["version"], first["entries"], first["truncated"]) == (2, 3, True)
            assert [(m["updateType"], len(m["localAuthorizationList"])) for m in charger.sent] == [
                ("Full", 2),
                ("Differential", 1),
            ]
            assert [e["idTag"] for e in first["held"]] == ["A", "B", "C"]
            # a change: the Differential is refused (VersionMismatch), the Full after it
            # (Failed) too; then a Full is accepted
            await api.put("/tokens/A", json={"status": "Blocked"})
            await eventually(lambda: state("resync"))
            again = await eventually(lambda: state("synced"))
            kinds = [m["updateType"] for m in charger.sent[2:]]
            assert kinds[:2] == ["Differential", "Full"]
            assert kinds[2:] == ["Full", "Differential"]
            assert again["version"] == charger.version
            assert [e["idTagInfo"]["status"] for e in again["held"]] == [
                "Blocked",
                "Accepted",
                "Accepted",
            ]
            assert again["attempts"] == 0

            # the operator asks for a Full update
            before = len(charger.sent)
            assert (await api.post("/local-lists/CP1/resync")).status_code == 202

            async def resent() -> bool:
                return len(charger.sent) > before and bool(await state("synced"))

            await eventually(resent)
            assert charger.sent[before]["updateType"] == "Full"


async def test_not_supported_and_call_errors(nursery: trio.Nursery, tmp_path: Path) -> None:
    async with authz_server(nursery, tmp_path, **FAST) as (run, api):
        await api.put("/tokens/A", json={"status": "Accepted"})
        await register(run, "CP2")
        await register(run, "CP3")
        async with (
            connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp1,
            connect_charger(
                run.charger_url("CP2"), version="ocpp2.0.1", user="CP2", password=PASSWORD
            ) as cp2,
            connect_charger(run.charger_url("CP3"), user="CP3", password=PASSWORD) as cp3,
        ):
            off = {"key": "LocalAuthListEnabled", "readonly": True, "value": "false"}
            cp3.responses["GetConfiguration"] = lambda _: {"configurationKey": [off]}
            charger = ScriptedList(["NotSupported"])
            cp1.responses["GetConfiguration"] = charger.configuration
            cp1.responses["GetLocalListVersion"] = lambda _: {"listVersion": 0}
            cp1.responses["SendLocalList"] = charger.send
            enabled = {
                "attributeStatus": "Accepted",
                "attributeValue": "true",
                "component": {"name": "LocalAuthListCtrlr"},
                "variable": {"name": "Enabled"},
            }
            cp2.responses["GetVariables"] = lambda _: {"getVariableResult": [enabled]}
            cp2.responses["GetLocalListVersion"] = lambda _: {"versionNumber": 0}
            cp2.responses["SendLocalList"] = lambda _: {"bogus": 1}  # not a valid answer

            async def states() -> bool:
                s1, s2 = await state_of(api, "CP1"), await state_of(api, "CP2")
                s3 = await state_of(api, "CP3")
                return (s1["state"], s3["state"]) == ("not_supported", "disabled") and s2[
                    "attempts"
                ] >= 2

            await eventually(states)
            await trio.sleep(0.5)  # passes go by
            assert len(charger.sent) == 1  # NotSupported: not asked again
            # the list is off on CP3: its limits are read once per connection, nothing sent
            assert [c[2] for c in cp3.received_calls] == ["GetConfiguration"]
            s2 = await state_of(api, "CP2")
            assert s2["state"] == "failed"
            assert "InvalidReply" in s2["last_error"]
            assert s2["held"] == []


async def test_v201_bytes_per_message(nursery: trio.Nursery, tmp_path: Path) -> None:
    """A 2.0.1 charger's LocalAuthListCtrlr.BytesPerMessage bounds every SendLocalList."""
    async with authz_server(nursery, tmp_path, **FAST) as (run, api):
        for i in range(6):
            await api.put(f"/tokens/TOKEN-{i}", json={"status": "Accepted"})
        limits = {"Enabled": "true", "ItemsPerMessage": "50", "BytesPerMessage": "420"}
        results = [
            {
                "attributeStatus": "Accepted",
                "attributeValue": value,
                "component": {"name": "LocalAuthListCtrlr"},
                "variable": {"name": name},
            }
            for name, value in limits.items()
        ]
        sent: list[str] = []
        version = {"n": 0}

        def send(payload: dict[str, Any]) -> dict[str, Any]:
            sent.append(json.dumps([2, "x" * 36, "SendLocalList", payload], separators=(",", ":")))
            version["n"] = payload["versionNumber"]
            return {"status": "Accepted"}

        url = run.charger_url("CP1")
        async with connect_charger(url, version="ocpp2.0.1", user="CP1", password=PASSWORD) as cp:
            cp.responses["GetVariables"] = lambda _: {"getVariableResult": results}
            cp.responses["GetLocalListVersion"] = lambda _: {"versionNumber": version["n"]}
            cp.responses["SendLocalList"] = send

            async def synced() -> bool:
                return (await state_of(api, "CP1"))["state"] == "synced"

            await eventually(synced)
        assert len(sent) > 1
        assert all(len(frame) <= 420 for frame in sent), [len(f) for f in sent]
        assert (await state_of(api, "CP1"))["entries"] == 6
