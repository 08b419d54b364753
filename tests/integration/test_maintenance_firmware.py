"""Firmware campaigns end to end: a real server, the fleet simulator downloading images from
evgw's single-use URLs and rebooting into them, trio's MockClock (autojump) for the waits;
scripted chargers for sequences the simulator never sends (out of order, stuck)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import trio
import trio.testing
from evgw.testing import connect_charger
from evgw.testing.fleet import Fleet, Ocpp16, Ocpp201, Recorder, SimClock, fleet_specs

from tests.integration.gateway_fixtures import PASSWORD, Running, register
from tests.integration.maintenance_fixtures import calls, client, poll, serve, wait_call
from tests.integration.test_fleet_e2e import fleet_env
from tests.integration.test_gateway_v16 import BOOT

SIM = {"vendor": "evgw-sim", "model": "SimCharger"}
# calls answered over real sockets may wait a few virtual seconds while time jumps
SLOW_CALLS = {"call_timeout_s": 60.0}
# slower periodic loops than the other maintenance tests: virtual time jumps only to the next
# timer, so fewer timers let it cover the stage timeouts in few jumps
FIRMWARE: dict[str, Any] = {
    "flush_interval_s": 1.0,
    "detection": {"check_interval_s": 5.0, "offline_floor_s": 3600.0},
    "firmware": {"tick_s": 1.0},
}


@pytest.fixture
def clock(mock_clock: trio.testing.MockClock) -> trio.testing.MockClock:
    """Virtual time that jumps whenever every task waits for 50 ms of real time (the
    sockets and store threads still run in real time)."""
    mock_clock.autojump_threshold = 0.05
    return mock_clock


async def catalogue(api: httpx.AsyncClient, version: str, body: bytes, **extra: Any) -> str:
    reply = await api.post("/firmware/images", json={**SIM, "version": version, **extra})
    assert reply.status_code == 201, reply.text
    image_id: str = reply.json()["id"]
    put = await api.put(f"/firmware/images/{image_id}/file", content=body)
    assert put.status_code == 200, put.text
    assert put.json()["size"] == len(body)
    return image_id


async def start_campaign(api: httpx.AsyncClient, image_id: str, **extra: Any) -> dict[str, Any]:
    body = {"name": "spring update", "image_id": image_id, **extra}
    reply = await api.post("/firmware/campaigns", json=body)
    assert reply.status_code == 201, reply.text
    campaign: dict[str, Any] = reply.json()
    return campaign


async def until_state(api: httpx.AsyncClient, cid: str, *states: str) -> dict[str, Any]:
    try:
        body: dict[str, Any] = await poll(
            api, f"/firmware/campaigns/{cid}", lambda b: b["state"] in states, timeout=60
        )
    except trio.TooSlowError:
        last = (await api.get(f"/firmware/campaigns/{cid}")).json()
        raise AssertionError(f"campaign still {last['state']}: {last['targets']}") from None
    return body


async def run_fleet(
    run: Running, tmp_path: Path, n: int, protocol: Any = None
) -> tuple[Fleet, trio.Event, Recorder]:
    specs = fleet_specs(n, prefix="FW", password=PASSWORD)
    for spec in specs:
        await register(run, spec.charger_id)
    stop, rec = trio.Event(), Recorder()
    env = fleet_env(run, tmp_path, stop, rec, protocol=protocol or Ocpp16())
    # the chargers' clocks at the real date: they wait for UpdateFirmware's retrieve date
    now = SimClock(datetime.now(UTC), speed=env.clock.speed)
    env = attrs.evolve(env, clock=now, call_timeout_s=60.0)
    return Fleet(env, specs), stop, rec


async def booted(run: Running, n: int) -> None:
    store = run.server.store
    assert store is not None
    with trio.fail_after(60):
        while True:
            chargers = [await store.get_charger(f"FW{i:05d}") for i in range(n)]
            if all(c is not None and c.model == "SimCharger" for c in chargers):
                return
            await trio.sleep(0.1)


@pytest.mark.parametrize("protocol", [Ocpp16, Ocpp201])
async def test_campaign_canary_then_waves_succeeds(
    clock: trio.testing.MockClock, nursery: trio.Nursery, tmp_path: Path, protocol: Any
) -> None:
    run = await serve(nursery, tmp_path, ocpp=SLOW_CALLS, **FIRMWARE)
    fleet, stop, rec = await run_fleet(run, tmp_path, 4, protocol())
    async with trio.open_nursery() as inner, await client(run) as api:
        inner.start_soon(fleet.run)
        await booted(run, 4)
        image = await catalogue(api, "2.0.0", b"EVGW-FW 2.0.0\n" + bytes(4096))
        campaign = await start_campaign(api, image, canary=1, wave_size=2)
        assert [(t["charger_id"], t["wave"]) for t in campaign["targets"]] == [
            ("FW00000", 0),
            ("FW00001", 1),
            ("FW00002", 1),
            ("FW00003", 2),
        ]
        done = await until_state(api, campaign["id"], "completed", "halted")
        assert done["state"] == "completed", done
        assert {t["state"] for t in done["targets"]} == {"succeeded"}
        # success came from the boot reporting the version read from the downloaded image
        notes = [h["note"] for h in done["targets"][0]["history"]]
        assert "booted with 2.0.0" in notes
        store = run.server.store
        assert store is not None
        for i in range(4):
            charger = await store.get_charger(f"FW{i:05d}")
            assert charger is not None
            assert charger.firmware_version == "2.0.0"
        stop.set()
    assert rec.errors() == 0, rec.error_samples


async def test_a_signed_image_goes_out_as_signed_update_firmware(
    clock: trio.testing.MockClock, nursery: trio.Nursery, tmp_path: Path
) -> None:
    run = await serve(nursery, tmp_path, ocpp=SLOW_CALLS, **FIRMWARE)
    fleet, stop, rec = await run_fleet(run, tmp_path, 1)
    async with trio.open_nursery() as inner, await client(run) as api:
        inner.start_soon(fleet.run)
        await booted(run, 1)
        signed = {"signature": "c2lnbmF0dXJl", "signing_certificate": "-----BEGIN CERTIFICATE-----"}
        image = await catalogue(api, "3.0.0", b"EVGW-FW 3.0.0\n", **signed)
        campaign = await start_campaign(api, image)
        done = await until_state(api, campaign["id"], "completed", "halted")
        assert done["state"] == "completed", done
        notes = [h["note"] for h in done["targets"][0]["history"]]
        assert "SignedUpdateFirmware accepted" in notes
        assert "SignatureVerified" in notes  # the security extension's status sequence
        assert "booted with 3.0.0" in notes
        stop.set()
    assert rec.errors() == 0, rec.error_samples


async def test_a_failed_canary_halts_the_campaign(
    clock: trio.testing.MockClock, nursery: trio.Nursery, tmp_path: Path
) -> None:
    run = await serve(nursery, tmp_path, ocpp=SLOW_CALLS, **FIRMWARE)
    fleet, stop, _ = await run_fleet(run, tmp_path, 3)
    async with trio.open_nursery() as inner, await client(run) as api:
        inner.start_soon(fleet.run)
        await booted(run, 3)
        image = await catalogue(api, "2.0.1", b"this is not an image for this charger")
        campaign = await start_campaign(api, image, canary=1, wave_size=5)
        halted = await until_state(api, campaign["id"], "halted", "completed")
        assert halted["state"] == "halted"
        assert halted["reason"].startswith("canary FW00000 failed")
        states = {t["charger_id"]: t["state"] for t in halted["targets"]}
        assert states == {"FW00000": "failed", "FW00001": "pending", "FW00002": "pending"}
        assert "the charger reported InstallationFailed" in [
            h["note"] for h in halted["targets"][0]["history"]
        ]
        await trio.sleep(3)  # halted: nothing more is sent
        again = (await api.get(f"/firmware/campaigns/{campaign['id']}")).json()
        assert again["counts"] == {"failed": 1, "pending": 2}
        aborted = await api.post(f"/firmware/campaigns/{campaign['id']}/abort")
        assert aborted.json()["state"] == "aborted"
        assert aborted.json()["counts"] == {"failed": 1, "skipped": 2}
        assert (await api.post(f"/firmware/campaigns/{campaign['id']}/resume")).status_code == 409
        stop.set()


async def test_out_of_order_and_stuck_status_sequences(
    clock: trio.testing.MockClock, nursery: trio.Nursery, tmp_path: Path
) -> None:
    run = await serve(nursery, tmp_path, ocpp=SLOW_CALLS, **FIRMWARE)
    for n in (1, 2):
        await register(run, f"CP{n}")
    async with (
        connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp1,
        connect_charger(run.charger_url("CP2"), user="CP2", password=PASSWORD) as cp2,
        await client(run) as api,
    ):
        for cp in (cp1, cp2):
            cp.responses["UpdateFirmware"] = lambda payload: {}
            await cp.result("BootNotification", BOOT)
        acme = {"vendor": "ACME", "model": "Fast-1", "version": "1.3.0"}
        image = (await api.post("/firmware/images", json=acme)).json()["id"]
        await api.put(f"/firmware/images/{image}/file", content=b"firmware")
        body = {"name": "acme", "image_id": image, "canary": 2, "install_timeout_s": 60}
        campaign = (await api.post("/firmware/campaigns", json=body)).json()
        await wait_call(cp1, "UpdateFirmware")
        await wait_call(cp2, "UpdateFirmware")
        location = calls(cp1, "UpdateFirmware")[0]["location"]
        assert location.startswith(f"{run.api_url}/files/firmware/")
        # CP1: Installing, then Downloading (out of order: ignored), then silence
        await cp1.result("FirmwareStatusNotification", {"status": "Installing"})
        await cp1.result("FirmwareStatusNotification", {"status": "Downloading"})
        # CP2: the full sequence, but it boots with the old version
        for status in ("Downloading", "Downloaded", "Installing", "Installed"):
            await cp2.result("FirmwareStatusNotification", {"status": status})
        await cp2.result("BootNotification", BOOT)
        before = trio.current_time()
        await trio.sleep(61)  # virtual: past CP1's install-stage timeout
        halted = await poll(
            api,
            f"/firmware/campaigns/{campaign['id']}",
            lambda b: b["counts"].get("failed") == 2,
            timeout=600,
        )
        assert halted["state"] == "halted"
        targets = {t["charger_id"]: t for t in halted["targets"]}
        cp1_notes = [h["note"] for h in targets["CP1"]["history"]]
        assert "out of order: Downloading after Installing" in cp1_notes
        assert cp1_notes[-1] == "stuck in Installing (stage timeout)"
        assert trio.current_time() - before >= 60
        assert targets["CP2"]["state"] == "failed"
        assert "booted with '1.2.3', not '1.3.0'" in [h["note"] for h in targets["CP2"]["history"]]
        # the image URL is single-use: the chargers never fetched it, a second GET is refused
        async with httpx.AsyncClient() as anyone:
            assert (await anyone.get(location)).status_code == 200
            assert (await anyone.get(location)).status_code == 410
            unknown = location.rsplit("/", 2)[0] + "/no-such-token/1.3.0"
            assert (await anyone.get(unknown)).status_code == 404


async def test_campaign_bad_input_and_controls(nursery: trio.Nursery, tmp_path: Path) -> None:
    run = await serve(nursery, tmp_path, ocpp=SLOW_CALLS, **FIRMWARE)
    await register(run, "CP1")
    async with (
        connect_charger(run.charger_url("CP1"), user="CP1", password=PASSWORD) as cp,
        await client(run) as api,
    ):
        cp.responses["UpdateFirmware"] = lambda payload: {}
        await cp.result("BootNotification", BOOT)
        other = (await api.post("/firmware/images", json={**SIM, "version": "9"})).json()["id"]
        await api.put(f"/firmware/images/{other}/file", content=b"x")
        zero = await api.post("/firmware/campaigns", json={"name": "none", "image_id": other})
        assert zero.status_code == 422
        assert "matches no charger" in zero.json()["error"]["details"][0]["message"]
        acme = {"vendor": "ACME", "model": "Fast-1", "version": "1.3.0"}
        image = (await api.post("/firmware/images", json=acme)).json()["id"]
        assert (await api.post("/firmware/images", json=acme)).status_code == 409
        no_file = await api.post("/firmware/campaigns", json={"name": "x", "image_id": image})
        assert no_file.status_code == 409
        assert (await api.put(f"/firmware/images/{image}/file", content=b"")).status_code == 422
        await api.put(f"/firmware/images/{image}/file", content=b"firmware")
        again = await api.put(f"/firmware/images/{image}/file", content=b"other")
        assert again.status_code == 409
        half_signed = {**acme, "version": "1.4", "signature": "c2ln"}
        assert (await api.post("/firmware/images", json=half_signed)).status_code == 422
        reversed_window = {"start": "2030-01-02T00:00:00Z", "end": "2030-01-01T00:00:00Z"}
        bad = {"name": "x", "image_id": image, "windows": [reversed_window]}
        assert (await api.post("/firmware/campaigns", json=bad)).status_code == 422
        window = {"start": "2030-01-01T02:00:00Z", "end": "2030-01-01T04:00:00Z"}
        body = {"name": "night", "image_id": image, "windows": [window]}
        campaign = (await api.post("/firmware/campaigns", json=body)).json()
        # the announced window is a scheduled-maintenance exclusion with the campaign as evidence
        found = await api.get(
            "/outage-exclusions",
            params={"from": "2030-01-01T00:00:00Z", "to": "2030-01-02T00:00:00Z"},
        )
        (exclusion,) = found.json()["items"]
        assert (exclusion["charger_id"], exclusion["cause"]) == ("CP1", "scheduled_maintenance")
        assert campaign["id"] in exclusion["evidence"]
        await trio.sleep(0.6)
        assert calls(cp, "UpdateFirmware") == []  # outside its window: nothing sent
        path = f"/firmware/campaigns/{campaign['id']}"
        assert (await api.post(path + "/pause")).json()["state"] == "paused"
        assert (await api.post(path + "/pause")).status_code == 409
        assert (await api.post(path + "/resume")).json()["state"] == "running"
        assert (await api.post("/firmware/campaigns/nope/pause")).status_code == 404
