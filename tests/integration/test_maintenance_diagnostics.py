"""Diagnostics collection end to end: GetDiagnostics / GetLog to evgw's single-use upload
URL, the fleet simulator really uploading, the file attached to a fault ticket, and the bad
uploads (too large, expired, reused, never sent)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from evgw.testing import ScriptedCharger, connect_charger
from evgw.testing.fleet import Fleet, Ocpp16, Ocpp201, Recorder, fleet_specs

from tests.integration.gateway_fixtures import PASSWORD, Running, register
from tests.integration.maintenance_fixtures import calls, client, poll, serve, status, wait_call
from tests.integration.test_fleet_e2e import fleet_env
from tests.integration.test_gateway_v16 import BOOT


async def finished(api: httpx.AsyncClient, diagnostics_id: str) -> dict[str, Any]:
    body: dict[str, Any] = await poll(
        api,
        f"/diagnostics/{diagnostics_id}",
        lambda b: b["state"] not in ("requested", "accepted", "uploading"),
    )
    return body


@pytest.mark.parametrize("protocol", [Ocpp16, Ocpp201])
async def test_the_simulator_uploads_its_diagnostics(
    nursery: trio.Nursery, tmp_path: Path, protocol: Any
) -> None:
    run = await serve(nursery, tmp_path)
    (spec,) = fleet_specs(1, prefix="DG", password=PASSWORD)
    await register(run, spec.charger_id)
    stop, rec = trio.Event(), Recorder()
    fleet = Fleet(fleet_env(run, tmp_path, stop, rec, protocol=protocol()), [spec])
    async with trio.open_nursery() as inner, await client(run) as api:
        inner.start_soon(fleet.run)
        await poll(api, "/chargers/DG00000", lambda b: b["connection"]["connected"])
        reply = await api.post("/chargers/DG00000/diagnostics")
        assert reply.status_code == 202, reply.text
        done = await finished(api, reply.json()["id"])
        assert done["state"] == "uploaded", done
        # (the collapse of progress notifications is checked in the raw-charger test below:
        # here the simulator's Uploading may be handled after the upload has finished it)
        listed = (await api.get("/chargers/DG00000/diagnostics")).json()["items"]
        assert [d["id"] for d in listed] == [done["id"]]
        file = await api.get(f"/diagnostics/{done['id']}/file")
        assert file.status_code == 200
        assert file.content.startswith(b"charger DG00000")
        assert done["size"] == len(file.content)
        assert done["sha256"] == hashlib.sha256(file.content).hexdigest()
        stop.set()
    assert rec.errors() == 0, rec.error_samples


async def _fault_ticket(run: Running, cp: ScriptedCharger, api: httpx.AsyncClient) -> str:
    """A fault that survives the soft reset: the playbook opens a ticket and asks for
    diagnostics; returns the upload location the charger was given."""
    cp.responses["GetDiagnostics"] = lambda payload: {"fileName": "diag.tar.gz"}
    await cp.result("BootNotification", BOOT)
    await cp.result("StatusNotification", status(1, "Faulted", "GroundFailure"))
    await wait_call(cp, "Reset")
    await cp.result("BootNotification", BOOT)
    await cp.result("StatusNotification", status(1, "Faulted", "GroundFailure"))
    await wait_call(cp, "GetDiagnostics")
    location: str = calls(cp, "GetDiagnostics")[0]["location"]
    return location


async def test_the_uploaded_file_is_attached_to_the_ticket(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    run = await serve(nursery, tmp_path)
    await register(run, "CP1")
    async with (
        connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp,
        await client(run) as api,
    ):
        location = await _fault_ticket(run, cp, api)
        await cp.result("DiagnosticsStatusNotification", {"status": "Uploading"})
        await cp.result("DiagnosticsStatusNotification", {"status": "Uploading"})
        body = b"log line\n" * 1000
        form = {"file": ("diag.tar.gz", body, "application/gzip")}
        async with httpx.AsyncClient() as charger_http:  # a multipart POST, as many chargers do
            sent = await charger_http.post(location, files=form)
        assert sent.status_code == 201, sent.text
        await cp.result("DiagnosticsStatusNotification", {"status": "Uploaded"})
        tickets = await poll(api, "/tickets", lambda b: b["items"])
        ticket_id = tickets["items"][0]["id"]
        detail = await poll(
            api,
            f"/tickets/{ticket_id}",
            lambda b: any(h["action"] == "attachment" for h in b["history"]),
        )
        (attachment,) = [h for h in detail["history"] if h["action"] == "attachment"]
        assert attachment["detail"]["filename"] == "diag.tar.gz"
        assert attachment["detail"]["size"] == len(body)
        assert attachment["detail"]["sha256"] == hashlib.sha256(body).hexdigest()
        path = attachment["detail"]["file"].removeprefix("/api/v1")
        assert (await api.get(path)).content == body
        # one request, its two Uploading notifications collapsed (no row or event each)
        (request,) = (await api.get("/chargers/CP1/diagnostics")).json()["items"]
        assert request["ticket_id"] == ticket_id
        assert [h["action"] for h in detail["history"]].count("attachment") == 1
        async with httpx.AsyncClient() as again:  # single use
            assert (await again.put(location, content=b"more")).status_code == 410


async def test_bad_uploads(nursery: trio.Nursery, tmp_path: Path) -> None:
    files = {"max_upload_bytes": 1000, "upload_ttl_s": 2.0}
    run = await serve(nursery, tmp_path, diagnostics={"timeout_s": 1.0}, files=files)
    await register(run, "CP1")
    async with (
        connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp,
        await client(run) as api,
        httpx.AsyncClient() as charger_http,
    ):
        cp.responses["GetDiagnostics"] = lambda payload: {"fileName": "d.log"}
        await cp.result("BootNotification", BOOT)

        async def ask() -> tuple[str, str]:
            reply = await api.post("/chargers/CP1/diagnostics")
            assert reply.status_code == 202, reply.text
            location = calls(cp, "GetDiagnostics")[-1]["location"]
            return reply.json()["id"], location

        # larger than the limit: 413, nothing kept, the request ends too_large
        big_id, big_url = await ask()
        too_big = await charger_http.put(big_url + "/d.log", content=bytes(1001))
        assert too_big.status_code == 413
        assert (await finished(api, big_id))["state"] == "too_large"
        assert not list((tmp_path / "maintenance-files" / "uploads").glob(f"{big_id}*"))
        # the limit exactly is fine
        ok_id, ok_url = await ask()
        assert (await charger_http.put(ok_url, content=bytes(1000))).status_code == 201
        assert (await finished(api, ok_id))["size"] == 1000
        # never uploaded: times out; its URL has expired by the time a late charger tries
        late_id, late_url = await ask()
        assert (await finished(api, late_id))["state"] == "timed_out"
        await trio.sleep(2.1)
        expired = await charger_http.put(late_url, content=b"late")
        assert (expired.status_code, expired.json()["error"]["message"]) == (
            410,
            "the link has expired",
        )
        # a charger that has nothing to upload (no fileName) and one that refuses GetLog
        cp.responses["GetDiagnostics"] = lambda payload: {}
        none_id, _ = await ask()
        assert (await finished(api, none_id))["state"] == "no_file"
        unknown = await charger_http.put(late_url.rsplit("/", 1)[0] + "/nope", content=b"x")
        assert unknown.status_code == 404
        assert (await api.post("/chargers/CP9/diagnostics")).status_code == 409
