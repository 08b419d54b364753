"""Authorization end to end over real sockets: accounts and their limits through the API,
typed tokens, EVSE restrictions, 2.x IdTokenInfo, offline starts under each policy, the cost
limit (2.1 transactionLimit, remote stop otherwise), prepaid debits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from evgw.testing import connect_charger

from tests.conformance.v201_frames import V201, full_transaction, meter_value, register_sample
from tests.conformance.v201_frames import tx_event as tx201
from tests.integration.authz_fixtures import authz_server, default_tariff, eventually
from tests.integration.gateway_fixtures import PASSWORD, register
from tests.integration.test_gateway_v16 import BOOT, ts

ACCOUNT = {"kind": "fleet", "name": "Depot", "currency": "EUR"}


def wh_value(wh: int, minutes: float) -> list[dict[str, Any]]:
    sampled = [{"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"}]
    return [{"timestamp": ts(minutes), "sampledValue": sampled}]


def problems(response: httpx.Response) -> set[str]:
    assert response.status_code == 422, response.text
    return {d["field"] for d in response.json()["error"]["details"]}


async def test_accounts_api_and_bad_amounts(nursery: trio.Nursery, tmp_path: Path) -> None:
    async with authz_server(nursery, tmp_path) as (_, api):
        body = {**ACCOUNT, "balance": "25.00", "max_session_cost": "10", "language": "de"}
        created = await api.put("/accounts/F1", json=body)
        assert created.status_code == 201, created.text
        assert created.json()["session_limit"] == "10"
        assert (await api.put("/accounts/F1", json={**body, "balance": "5"})).status_code == 200
        got = (await api.get("/accounts/F1")).json()
        assert (got["balance"], got["session_limit"], got["tokens"]) == ("5", "5", 0)
        assert [a["id"] for a in (await api.get("/accounts")).json()["items"]] == ["F1"]

        assert problems(await api.put("/accounts/F2", json={**ACCOUNT, "balance": "-1"})) == {
            "balance"
        }
        bad_cap = {**ACCOUNT, "max_session_cost": "-0.50"}
        assert problems(await api.put("/accounts/F2", json=bad_cap)) == {"max_session_cost"}
        assert problems(await api.put("/accounts/F2", json={**ACCOUNT, "currency": "EUX"})) == {
            "currency"
        }
        assert problems(await api.put("/accounts/F2", json={**ACCOUNT, "balance": "1.001"})) == {
            "balance"
        }
        assert problems(await api.put("/accounts/F2", json={**ACCOUNT, "kind": "robot"})) == {
            "kind"
        }
        assert (await api.get("/accounts/F2")).status_code == 404  # nothing half-saved

        tagged = {"status": "Accepted", "owner": "F1"}
        assert (await api.put("/tokens/T1", json=tagged)).status_code == 201
        assert (await api.delete("/accounts/F1")).status_code == 409  # a token belongs to it
        assert (await api.delete("/tokens/T1")).status_code == 204
        assert (await api.delete("/accounts/F1")).status_code == 204


async def test_token_types_and_shapes_on_put(nursery: trio.Nursery, tmp_path: Path) -> None:
    async with authz_server(nursery, tmp_path) as (_, api):
        ok = await api.put(
            "/tokens/AA:BB:CC:DD:EE:FF", json={"status": "Accepted", "type": "MacAddress"}
        )
        assert ok.status_code == 201, ok.text
        assert problems(
            await api.put("/tokens/X1", json={"status": "Accepted", "type": "Barcode"})
        ) == {"type"}
        assert problems(
            await api.put("/tokens/ZZ", json={"status": "Accepted", "type": "MacAddress"})
        ) == {"id"}
        assert problems(await api.put("/tokens/X1", json={"status": "NoCredit"})) == {"status"}
        assert (await api.get("/tokens/X1")).status_code == 404
        # EVSE restrictions
        assert (
            await api.put(
                "/tokens/AA:BB:CC:DD:EE:FF/evses",
                json={"evses": [{"charger_id": "CP1", "evse_id": 2}]},
            )
        ).status_code == 200
        bad = await api.put(
            "/tokens/AA:BB:CC:DD:EE:FF/evses",
            json={"evses": [{"charger_id": "CP1", "evse_id": -1}, {"x": 1}]},
        )
        assert problems(bad) == {"evses/0", "evses/1"}
        assert (await api.put("/tokens/NOPE/evses", json={"evses": []})).status_code == 404
        got = (await api.get("/tokens/AA:BB:CC:DD:EE:FF/evses")).json()
        assert got == {"evses": [{"charger_id": "CP1", "evse_id": 2}]}


async def test_v201_id_token_info_from_accounts_and_restrictions(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    async with authz_server(nursery, tmp_path) as (run, api):
        account = {**ACCOUNT, "language": "nl", "personal_message": "Welkom"}
        await api.put("/accounts/F1", json=account)
        await api.put("/accounts/EMPTY", json={**ACCOUNT, "balance": "0"})
        await api.put("/tokens/G1", json={"status": "Accepted", "type": "Local", "owner": "F1"})
        await api.put(
            "/tokens/1234", json={"status": "Accepted", "type": "KeyCode", "group_id": "G1"}
        )
        await api.put("/tokens/1234/evses", json={"evses": [{"charger_id": "CP1", "evse_id": 2}]})
        await api.put(
            "/tokens/5678", json={"status": "Accepted", "type": "KeyCode", "owner": "EMPTY"}
        )
        await api.put("/tokens/9999", json={"status": "Accepted", "type": "KeyCode"})
        await api.put("/tokens/9999/evses", json={"evses": [{"charger_id": "CP7"}]})
        url = run.charger_url("CP1")
        async with connect_charger(url, version=V201, user="CP1", password=PASSWORD) as cp:

            async def authorize(value: str, kind: str = "KeyCode") -> dict[str, Any]:
                reply = await cp.result("Authorize", {"idToken": {"idToken": value, "type": kind}})
                return dict(reply["idTokenInfo"])

            assert await authorize("1234") == {
                "status": "Accepted",
                "groupIdToken": {"idToken": "G1", "type": "Local"},
                "evseId": [2],
                "language1": "nl",
                "personalMessage": {"format": "UTF8", "content": "Welkom", "language": "nl"},
            }
            assert (await authorize("1234", "ISO14443"))["status"] == "Invalid"  # type differs
            assert (await authorize("5678"))["status"] == "NoCredit"
            assert (await authorize("9999"))["status"] == "NotAtThisLocation"
            # a malformed IdToken (the type is not a 2.0.1 IdTokenEnumType): a CALLERROR
            reply = await cp.call("Authorize", {"idToken": {"idToken": "1", "type": "Barcode"}})
            assert reply[0] == 4
            reply = await cp.call("Authorize", {"idToken": {"type": "KeyCode"}})
            assert reply[0] == 4


async def test_v21_unknown_type_is_invalid_and_limit_is_a_transaction_limit(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    async with authz_server(nursery, tmp_path) as (run, api):
        await api.put("/accounts/F1", json={**ACCOUNT, "max_session_cost": "12.5"})
        await api.put("/tokens/TAG9", json={"status": "Accepted", "owner": "F1"})
        url = run.charger_url("CP1")
        async with connect_charger(url, version="ocpp2.1", user="CP1", password=PASSWORD) as cp:
            # 2.1 types are free strings: an unknown type is answered Invalid, not an error
            reply = await cp.result("Authorize", {"idToken": {"idToken": "TAG9", "type": "Bogus"}})
            assert reply == {"idTokenInfo": {"status": "Invalid"}}
            started, _, _ = full_transaction("TX-L", "TAG9")
            reply = await cp.result("TransactionEvent", started)
            assert reply["idTokenInfo"]["status"] == "Accepted"
            assert reply["transactionLimit"] == {"maxCost": 12.5}


@pytest.mark.parametrize(
    ("policy", "state", "flagged", "billed"),
    [
        ("bill", "billed", False, True),
        ("bill_and_flag", "flagged", True, True),
        ("hold", "held", True, False),
    ],
)
async def test_v16_offline_start_with_unknown_token(
    nursery: trio.Nursery,
    tmp_path: Path,
    policy: str,
    state: str,
    flagged: bool,
    billed: bool,
) -> None:
    async with authz_server(nursery, tmp_path, offline_policy=policy) as (run, api):
        await default_tariff(api)
        url = run.charger_url("CP1")
        async with connect_charger(url, user="CP1", password=PASSWORD) as cp:
            await cp.result("BootNotification", BOOT)
            start = {"connectorId": 1, "idTag": "STRANGER", "meterStart": 5000, "timestamp": ts()}
            reply = await cp.result("StartTransaction", start)
            assert reply["idTagInfo"] == {"status": "Invalid"}
            assert (await cp.result("StartTransaction", start)) == reply  # a retry: the same
            stop = {"transactionId": reply["transactionId"], "meterStop": 9000, "timestamp": ts(30)}
            await cp.result("StopTransaction", stop)
        (tx,) = (await api.get("/transactions")).json()["items"]
        assert tx["status"] == "completed"  # never lost
        assert ("offline_unauthorized" in tx["flags"]) is flagged
        record = (await api.get(f"/transactions/{tx['id']}/authorization")).json()
        assert (record["policy"], record["state"], record["auth_status"]) == (
            policy,
            state,
            "Invalid",
        )
        listed = (await api.get("/offline-sessions")).json()["items"]
        assert [r["transaction_id"] for r in listed] == [tx["id"]]

        async def cdrs() -> list[dict[str, Any]]:
            return list((await api.get("/cdrs")).json()["items"])

        if billed:
            (cdr,) = await eventually(cdrs)
            assert cdr["cdr"]["total_cost"]["incl_vat"] == 2.0  # 4 kWh x 0.50: priced
            return
        holds = (await api.get("/billing/holds")).json()["items"]
        assert [(h["transaction_id"], h["reason"]) for h in holds] == [
            (tx["id"], "offline_authorization")
        ]
        await trio.sleep(0.5)  # a billing sweep passes: still nothing billed
        assert await cdrs() == []
        bad = await api.post(f"/offline-sessions/{tx['id']}/release", json={"bill": "yes"})
        assert problems(bad) == {"bill"}
        released = await api.post(f"/offline-sessions/{tx['id']}/release", json={"bill": True})
        assert released.json()["state"] == "released"
        again = await api.post(f"/offline-sessions/{tx['id']}/release", json={"bill": True})
        assert again.status_code == 409
        (cdr,) = await eventually(cdrs)
        assert cdr["cdr"]["total_cost"]["incl_vat"] == 2.0


async def test_v201_offline_transaction_event(nursery: trio.Nursery, tmp_path: Path) -> None:
    async with authz_server(nursery, tmp_path, offline_policy="hold") as (run, api):
        await api.put("/tokens/BLOCKED1", json={"status": "Blocked"})
        url = run.charger_url("CP1")
        async with connect_charger(url, version=V201, user="CP1", password=PASSWORD) as cp:
            online = full_transaction("TX-ON", "BLOCKED1")[0]  # not offline: no record
            assert (await cp.result("TransactionEvent", online))["idTokenInfo"] == {
                "status": "Blocked"
            }
            # (on EVSE 2: identical start facts on one connector collide in the store)
            offline = {
                **full_transaction("TX-OFF", "BLOCKED1")[0],
                "offline": True,
                "evse": {"id": 2, "connectorId": 1},
            }
            assert (await cp.result("TransactionEvent", offline))["idTokenInfo"] == {
                "status": "Blocked"
            }
        items = (await api.get("/offline-sessions")).json()["items"]
        assert [(i["state"], i["auth_status"]) for i in items] == [("held", "Blocked")]
        txs = {
            t["ocpp_transaction_id"]: t for t in (await api.get("/transactions")).json()["items"]
        }
        assert txs["TX-OFF"]["flags"] == ["offline_unauthorized"]
        assert txs["TX-ON"]["flags"] == []
        assert (
            await api.get(f"/transactions/{txs['TX-ON']['id']}/authorization")
        ).status_code == 404


async def test_cost_limit_remote_stop_and_prepaid_debit(
    nursery: trio.Nursery, tmp_path: Path
) -> None:
    async with authz_server(nursery, tmp_path) as (run, api):
        await default_tariff(api)
        await api.put(
            "/accounts/D1",
            json={**ACCOUNT, "kind": "driver", "balance": "3.00", "max_session_cost": "10.00"},
        )
        await api.put("/tokens/PRE1", json={"status": "Accepted", "owner": "D1"})
        url = run.charger_url("CP1")
        async with connect_charger(url, user="CP1", password=PASSWORD) as cp:
            await cp.result("BootNotification", BOOT)
            start = {"connectorId": 1, "idTag": "PRE1", "meterStart": 1000, "timestamp": ts()}
            reply = await cp.result("StartTransaction", start)
            assert reply["idTagInfo"]["status"] == "Accepted"
            tx = reply["transactionId"]
            mv = {"connectorId": 1, "transactionId": tx, "meterValue": wh_value(5000, 5)}
            await cp.result("MeterValues", mv)  # 4 kWh x 0.50 = 2.00 < 3.00: charging on
            await trio.sleep(0.5)
            assert not [c for c in cp.received_calls if c[2] == "RemoteStopTransaction"]
            mv = {"connectorId": 1, "transactionId": tx, "meterValue": wh_value(7000, 10)}
            await cp.result("MeterValues", mv)  # 3.00: the prepaid balance is reached

            async def stopped() -> list[Any]:
                return [c for c in cp.received_calls if c[2] == "RemoteStopTransaction"]

            (call,) = await eventually(stopped)
            assert call[3] == {"transactionId": tx}
            await cp.result(
                "StopTransaction", {"transactionId": tx, "meterStop": 7200, "timestamp": ts(11)}
            )

            async def debited() -> bool:
                return (await api.get("/accounts/D1")).json()["balance"] != "3.00"

            await eventually(debited)
            assert (await api.get("/accounts/D1")).json()["balance"] == "-0.10"  # 6.2 kWh
            reply = await cp.result("Authorize", {"idTag": "PRE1"})
            assert reply["idTagInfo"] == {"status": "Blocked"}  # NoCredit in 1.6 terms
        assert len([c for c in cp.received_calls if c[2] == "RemoteStopTransaction"]) == 1


async def test_v201_evse_restriction_on_start(nursery: trio.Nursery, tmp_path: Path) -> None:
    async with authz_server(nursery, tmp_path) as (run, api):
        await register(run, "CP2")
        await api.put("/tokens/TAGX", json={"status": "Accepted"})
        await api.put("/tokens/TAGX/evses", json={"evses": [{"charger_id": "CP1", "evse_id": 2}]})
        url = run.charger_url("CP1")
        async with connect_charger(url, user="CP1", password=PASSWORD) as cp:
            await cp.result("BootNotification", BOOT)
            on2 = {"connectorId": 2, "idTag": "TAGX", "meterStart": 0, "timestamp": ts()}
            assert (await cp.result("StartTransaction", on2))["idTagInfo"]["status"] == "Accepted"
            on1 = {"connectorId": 1, "idTag": "TAGX", "meterStart": 0, "timestamp": ts(1)}
            assert (await cp.result("StartTransaction", on1))["idTagInfo"]["status"] == "Invalid"
        tx = tx201(
            "Started",
            0,
            "T",
            idToken={"idToken": "TAGX", "type": "ISO14443"},
            evse={"id": 1, "connectorId": 1},
            meterValue=[meter_value(0, register_sample(1, "Transaction.Begin"))],
        )
        async with connect_charger(
            run.charger_url("CP2"), version=V201, user="CP2", password=PASSWORD
        ) as cp2:
            reply = await cp2.result("TransactionEvent", tx)
            assert reply["idTokenInfo"]["status"] == "NotAtThisLocation"
