"""Remediation playbooks and tickets end to end: chargers over real sockets, a real server,
short timers (reference S-01, S-02, S-03, S-05, S-06)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio
from evgw.testing import connect_charger

from tests.integration.gateway_fixtures import PASSWORD, Running, add_token
from tests.integration.maintenance_fixtures import calls, client, poll, serve, status, wait_call
from tests.integration.test_gateway_v16 import BOOT


def tickets_with(kind: str) -> Any:
    return lambda body: [t for t in body["items"] if t["kind"] == kind]


async def audit(api: Any, charger: str = "CP1") -> list[tuple[str, str]]:
    body = (await api.get(f"/chargers/{charger}/remediation-audit")).json()
    return [(row["step"], row["outcome"]) for row in body["items"]]


async def finished(api: Any, charger: str = "CP1") -> list[tuple[str, str]]:
    body = await poll(
        api,
        f"/chargers/{charger}/remediation-audit",
        lambda b: any(r["step"] == "finished" for r in b["items"]),
    )
    return [(row["step"], row["outcome"]) for row in body["items"]]


async def test_s02_fault_cleared_by_soft_reset(nursery: trio.Nursery, tmp_path: Path) -> None:
    run = await serve(nursery, tmp_path)
    async with connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        await cp.result("BootNotification", BOOT)
        await cp.result("StatusNotification", status(1, "Available"))
        await cp.result("StatusNotification", status(1, "Faulted", "HighTemperature"))
        await wait_call(cp, "Reset")
        await cp.result("BootNotification", BOOT)  # the reboot
        await cp.result("StatusNotification", status(1, "Available"))
        async with await client(run) as api:
            steps = await finished(api)
            assert steps == [
                ("trigger_status", "still_down"),
                ("soft_reset", "sent"),
                ("wait_recovery", "recovered"),
                ("finished", "recovered"),
            ]
            assert calls(cp, "TriggerMessage") == [
                {"requestedMessage": "StatusNotification", "connectorId": 1}
            ]
            assert calls(cp, "Reset") == [{"type": "Soft"}]
            assert (await api.get("/tickets")).json()["items"] == []
            outages = await poll(api, "/outages", lambda b: b["items"] and b["items"][0]["end"])
            assert outages["items"][0]["cause"] == "hardware"


async def test_s01_fault_that_persists_opens_one_ticket(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    run = await serve(nursery, tmp_path)
    async with connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        cp.responses["GetDiagnostics"] = lambda payload: {"fileName": "diag-CP1.tar.gz"}
        await cp.result("BootNotification", BOOT)
        await cp.result("StatusNotification", status(1, "Available"))
        await cp.result("StatusNotification", status(1, "Faulted", "GroundFailure"))
        await wait_call(cp, "Reset")
        await cp.result("BootNotification", BOOT)
        await cp.result("StatusNotification", status(1, "Faulted", "GroundFailure"))
        async with await client(run) as api:
            body = await poll(api, "/tickets", tickets_with("fault"))
            (ticket,) = body["items"]
            assert (ticket["severity"], ticket["state"]) == ("high", "open")
            detail = await poll(
                api,
                f"/tickets/{ticket['id']}",
                lambda b: any(h["action"] == "diagnostics" for h in b["history"]),
            )
            opened, diagnostics = detail["history"]
            playbook = [(s["step"], s["outcome"]) for s in opened["detail"]["playbook"]]
            assert playbook == [
                ("trigger_status", "still_down"),
                ("soft_reset", "sent"),
                ("wait_recovery", "still_down"),
                ("hard_reset", "skipped"),  # the model is not allow-listed
            ]
            assert diagnostics["detail"]["reply"] == {"fileName": "diag-CP1.tar.gz"}
            (asked,) = calls(cp, "GetDiagnostics")  # a single-use upload URL on evgw
            assert asked["location"].startswith(f"{run.api_url}/files/upload/")
            assert calls(cp, "Reset") == [{"type": "Soft"}]  # exactly one reset
            # the ticket's life: who and when
            patch = await api.patch(f"/tickets/{ticket['id']}", json={"state": "acknowledged"})
            assert patch.status_code == 200
            assert patch.json()["updated_by"].startswith("tester")
            bad = await api.patch(f"/tickets/{ticket['id']}", json={"state": "closed"})
            assert bad.status_code == 409
            cost = {"state": "resolved", "repair_cost": "1250.00", "note": "GFCI replaced"}
            done = await api.patch(f"/tickets/{ticket['id']}", json=cost)
            assert (done.json()["state"], done.json()["repair_cost"]) == ("resolved", "1250.00")
            wrong = await api.patch(f"/tickets/{ticket['id']}", json={"repair_cost": "lots"})
            assert wrong.status_code == 422
            history = (await api.get(f"/tickets/{ticket['id']}")).json()["history"]
            assert [h["action"] for h in history][2:] == ["state", "state", "repair_cost", "note"]


async def test_s01_variant_dispatch_only_never_resets(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    run = await serve(nursery, tmp_path, remediation={"dispatch_only": ["GroundFailure"]})
    async with connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        await cp.result("BootNotification", BOOT)
        await cp.result("StatusNotification", status(1, "Faulted", "GroundFailure"))
        async with await client(run) as api:
            body = await poll(api, "/tickets", tickets_with("fault"))
            assert body["items"][0]["tags"] == ["dispatch_only"]
            assert await finished(api) == [
                ("dispatch_only", "ticket"),
                ("finished", "ticket"),
            ]
        assert calls(cp, "Reset") == calls(cp, "TriggerMessage") == []


async def test_s03_no_reset_while_a_session_charges(nursery: trio.Nursery, tmp_path: Path) -> None:
    run = await serve(nursery, tmp_path)
    await add_token(run, "TAG1")
    async with connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        await cp.result("BootNotification", BOOT)
        start = {
            "connectorId": 2,
            "idTag": "TAG1",
            "meterStart": 0,
            "timestamp": status(2, "x")["timestamp"],
        }
        tx = (await cp.result("StartTransaction", start))["transactionId"]
        await cp.result("StatusNotification", status(2, "Charging"))
        await cp.result("StatusNotification", status(1, "Faulted", "PowerSwitchFailure"))
        async with await client(run) as api:
            await poll(api, "/chargers/CP1/remediation-audit", lambda b: len(b["items"]) >= 2)
            assert await audit(api) == [
                ("trigger_status", "still_down"),
                ("soft_reset", "deferred"),
            ]
            await trio.sleep(0.3)
            assert calls(cp, "Reset") == []
            stop = {
                "transactionId": tx,
                "meterStop": 20_000,
                "timestamp": status(2, "x")["timestamp"],
            }
            await cp.result("StopTransaction", stop)
            await wait_call(cp, "Reset")
            # the charger sees the Reset before evgw has its reply and writes the audit row
            await poll(
                api,
                "/chargers/CP1/remediation-audit",
                lambda b: ("soft_reset", "sent") in [(r["step"], r["outcome"]) for r in b["items"]],
            )
            assert len(calls(cp, "Reset")) == 1


async def test_s05_reset_budget_exhausted_opens_a_ticket_at_once(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    run = await serve(nursery, tmp_path, remediation={"reset_budget_per_day": 1})
    async with connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        await cp.result("BootNotification", BOOT)
        await cp.result("StatusNotification", status(1, "Faulted", "OtherError"))
        await wait_call(cp, "Reset")
        await cp.result("BootNotification", BOOT)
        await cp.result("StatusNotification", status(1, "Available"))
        async with await client(run) as api:
            await finished(api)
            await cp.result("StatusNotification", status(1, "Faulted", "OtherError"))
            body = await poll(api, "/tickets", tickets_with("fault"))
            assert body["items"][0]["tags"] == ["reset_budget_exhausted"]
            assert len(calls(cp, "Reset")) == 1


async def test_s06_fleet_drop_is_one_platform_incident(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    rules = {"storm_min_chargers": 3, "storm_share": 0.3, "offline_ticket_s": 1.0}
    run = await serve(nursery, tmp_path, chargers=6, rules=rules)
    async with connect_charger(run.charger_url("CP6"), user="CP6", password=PASSWORD) as stays:
        await stays.result("BootNotification", BOOT)
        drop = trio.Event()
        async with trio.open_nursery() as group:
            for n in range(1, 6):
                await group.start(_connect_then_drop, run, f"CP{n}", drop)
            drop.set()  # five of six drop together
        async with await client(run) as api:
            body = await poll(api, "/tickets", tickets_with("platform"))
            await trio.sleep(1.2)  # past offline_ticket_s: still no per-charger tickets
            body = (await api.get("/tickets")).json()
            assert [(t["kind"], t["severity"]) for t in body["items"]] == [("platform", "critical")]


async def _connect_then_drop(
    run: Running,
    charger_id: str,
    drop: trio.Event,
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    url = run.charger_url(charger_id)
    async with connect_charger(url, user=charger_id, password=PASSWORD) as cp:
        await cp.result("BootNotification", BOOT)
        task_status.started()
        await drop.wait()


async def test_offline_too_long_opens_a_ticket(nursery: trio.Nursery, tmp_path: Path) -> None:
    run = await serve(nursery, tmp_path, rules={"offline_ticket_s": 0.2})
    async with connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        await cp.result("BootNotification", BOOT)
    async with await client(run) as api:
        body = await poll(api, "/tickets", tickets_with("offline"))
        assert body["items"][0]["charger_id"] == "CP1"


async def test_a_workflow_resumes_after_a_restart(nursery: trio.Nursery, tmp_path: Path) -> None:
    async with trio.open_nursery() as first:
        run = await serve(first, tmp_path, remediation={"recovery_timeout_s": 60})
        async with connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
            await cp.result("BootNotification", BOOT)
            await cp.result("StatusNotification", status(1, "Faulted", "OtherError"))
            await wait_call(cp, "Reset")
            async with await client(run) as api:
                await poll(
                    api,
                    "/chargers/CP1/remediation-audit",
                    lambda b: (
                        ("soft_reset", "sent") in [(r["step"], r["outcome"]) for r in b["items"]]
                    ),
                )
        run.server.stop()  # evgw restarts while the playbook waits for the charger
    run = await serve(nursery, tmp_path, remediation={"recovery_timeout_s": 5})
    async with connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp:
        await cp.result("BootNotification", BOOT)
        await cp.result("StatusNotification", status(1, "Available"))
        async with await client(run) as api:
            steps = await finished(api)
        assert steps[-2:] == [("wait_recovery", "recovered"), ("finished", "recovered")]
        assert [s for s in steps if s[0] == "soft_reset"] == [("soft_reset", "sent")]
        assert calls(cp, "Reset") == []
