"""OCPP 2.0.1 simulated stations against a real evgw Server (in-process, real sockets, seconds):
sessions land in the store with the energy the stations metered, a remote start/stop and a
reset work; then a mixed 1.6 / 2.0.1 fleet over TLS (profile 2 with Basic auth, profile 3 with
a client certificate generated for that station)."""

from __future__ import annotations

from pathlib import Path

import trio
from evgw.testing.fleet import (
    ChargerSpec,
    Fleet,
    Ocpp201,
    Recorder,
    SimCharger,
    client_context,
    fleet_specs,
)
from evgw.testing.fleet._events import Tx

from tests.integration.gateway_fixtures import (
    PASSWORD,
    Running,
    add_token,
    register,
    server_config,
    start_server,
)
from tests.integration.test_fleet_e2e import fleet_env, wait_for
from tests.integration.test_gateway_tls import tls_section
from tests.tls_pki import issue, make_ca

CHARGERS = 3


async def remote_start(running: Running, charger: SimCharger) -> Tx:
    """RequestStartTransaction on the charger's first free EVSE."""
    gateway = running.server.gateway
    assert gateway is not None
    cid = next(c.id for c in charger.model.connectors.values() if c.ev is None)
    body = {"idToken": {"idToken": "TAG1", "type": "Central"}, "remoteStartId": 42, "evseId": cid}
    reply = await gateway.call(charger.spec.charger_id, "RequestStartTransaction", body)
    assert reply == {"status": "Accepted"}
    tx = charger.model.connectors[cid].tx
    assert tx is not None
    assert tx.ocpp_id is not None
    return tx


async def remote_session(running: Running, charger: SimCharger) -> None:
    """Remote start, charge a little, RequestStopTransaction: the stored energy is what the
    station's register advanced."""
    gateway = running.server.gateway
    assert gateway is not None
    tx = await remote_start(running, charger)
    conn = charger.model.connectors[tx.connector_id]
    await trio.sleep(1.0)  # 300 simulated seconds of charging
    stop = {"transactionId": tx.ocpp_id}
    reply = await gateway.call(charger.spec.charger_id, "RequestStopTransaction", stop)
    assert reply == {"status": "Accepted"}
    metered = int(conn.register_wh) - tx.meter_start_wh
    assert metered > 100
    store = running.server.store
    assert store is not None

    async def stored() -> list[object]:
        txs = await store.list_transactions(charger_id=charger.spec.charger_id, limit=1000)
        return [t for t in txs if t.ocpp_transaction_id == tx.ocpp_id and t.status == "completed"]

    with trio.fail_after(10):
        while not (done := await stored()):  # noqa: ASYNC110  (the store has no event)
            await trio.sleep(0.05)
    (row,) = done
    assert row.energy_wh == metered  # type: ignore[attr-defined]
    assert row.stop_reason == "Remote"  # type: ignore[attr-defined]


async def reset_reboots(running: Running, fleet: Fleet, charger: SimCharger) -> None:
    gateway = running.server.gateway
    assert gateway is not None
    rec = fleet.env.recorder
    await remote_start(running, charger)
    booted = rec.outcomes[("BootNotification", "ok")]
    reply = await gateway.call(charger.spec.charger_id, "Reset", {"type": "Immediate"})
    assert reply == {"status": "Accepted"}
    await wait_for(lambda: rec.outcomes[("BootNotification", "ok")] > booted)
    assert isinstance(charger.protocol, Ocpp201)
    assert charger.protocol.boot_reason == "RemoteReset"


async def test_v201_stations_against_a_real_server(nursery: trio.Nursery, tmp_path: Path) -> None:
    running = await start_server(nursery, server_config(tmp_path))
    # the middle station has no EVs of its own: the remote sessions go there
    specs = fleet_specs(CHARGERS, prefix="V2", password=PASSWORD, sites=("jpl", None, "jpl"))
    for spec in specs:
        await register(running, spec.charger_id)
    await add_token(running, "TAG1")
    rec = Recorder()
    stop = trio.Event()
    fleet = Fleet(fleet_env(running, tmp_path, stop, rec, Ocpp201()), specs)
    async with trio.open_nursery() as inner:
        inner.start_soon(fleet.run)
        await wait_for(lambda: fleet.statistics().online == CHARGERS)
        await trio.sleep(1.5)  # the accelerated morning: EVs arrive, authorize, charge
        await remote_session(running, fleet.chargers[1])
        await reset_reboots(running, fleet, fleet.chargers[1])
        await trio.sleep(0.5)
        stop.set()
    assert rec.errors() == 0, rec.error_samples
    for action in ("BootNotification", "StatusNotification", "Authorize", "TransactionEvent"):
        assert rec.outcomes[(action, "ok")] > 0, action
    assert rec.events["reboots"] == 1
    assert rec.outcomes[("BootNotification", "ok")] == CHARGERS + 1  # no boot on a reconnect
    store = running.server.store
    assert store is not None
    txs = [t for s in specs for t in await store.list_transactions(charger_id=s.charger_id)]
    assert len(txs) >= 2
    assert all(t.ocpp_transaction_id for t in txs)
    completed = [t for t in txs if t.status == "completed"]
    assert "ImmediateReset" in [t.stop_reason for t in completed]
    assert all(t.energy_wh is not None and t.energy_wh >= 0 for t in completed)
    running.server.stop()


async def test_mixed_fleet_over_tls(nursery: trio.Nursery, tmp_path: Path) -> None:
    """Profile 2 (TLS + Basic auth) for a 1.6 and a 2.0.1 station, profile 3 (a client
    certificate made for it) for another 2.0.1 station."""
    ca = make_ca()
    ca_path, _ = ca.write(tmp_path, "ca")
    running = await start_server(nursery, server_config(tmp_path, tls=tls_section(tmp_path, ca)))
    cert = issue(ca, "TLS3").write(tmp_path, "TLS3")
    specs = [
        ChargerSpec("TLS1", 0, password=PASSWORD, ocpp_version="ocpp1.6"),
        ChargerSpec("TLS2", 1, password=PASSWORD, ocpp_version="ocpp2.0.1"),
        ChargerSpec("TLS3", 2, site=None, ocpp_version="ocpp2.0.1", client_cert=cert),
    ]
    for spec in specs:
        await register(running, spec.charger_id, profile=3 if spec.client_cert else 2)
    await add_token(running, "TAG1")
    port = running.endpoints.ocpp_tls_port
    rec, stop = Recorder(), trio.Event()
    env = fleet_env(
        running,
        tmp_path,
        stop,
        rec,
        ssl_context=client_context(ca_path),
        ca_file=ca_path,
    )
    env.url = f"wss://127.0.0.1:{port}/ocpp"
    fleet = Fleet(env, specs)
    async with trio.open_nursery() as inner:
        inner.start_soon(fleet.run)
        await wait_for(lambda: fleet.statistics().online == len(specs))
        await remote_session(running, fleet.chargers[2])
        stop.set()
    assert rec.errors() == 0, rec.error_samples
    assert not [k for k in rec.events if k.startswith("refused")]
    assert rec.outcomes[("StartTransaction", "ok")] + rec.outcomes[("TransactionEvent", "ok")] > 0
    running.server.stop()
