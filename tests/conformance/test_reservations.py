"""H01-H04 reservations (2.0.1 ReserveNow / CancelReservation / ReservationStatusUpdate) and
the 1.6 Reservation profile, through /api/v1/reservations, over real sockets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import trio

from tests.conformance.control_fixtures import admin_api, charger, control, eventually
from tests.conformance.v201_frames import full_transaction
from tests.integration.gateway_fixtures import Running, add_token, register, running

__all__ = ["running"]


def later(minutes: float = 30) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()


def body(**kw: Any) -> dict[str, Any]:
    return {"charger_id": "CP1", "evse_id": 1, "id_token": "TAG1", "expires_at": later(), **kw}


async def reservation(http: httpx.AsyncClient, rid: int) -> dict[str, Any]:
    found: dict[str, Any] = (await http.get(f"/reservations/{rid}")).json()
    return found


async def test_H01_reserve_now_201(running: Running) -> None:
    async with charger(running) as cp, admin_api(running) as http:
        reply = await http.post("/reservations", json=body(group_id="G1", connector_type="cType2"))
        assert reply.status_code == 201, reply.text
        r = reply.json()
        assert (r["status"], r["charger_status"]) == ("active", "Accepted")
        action, payload = cp.received_calls[-1][2:]
        assert action == "ReserveNow"
        assert payload["id"] == r["id"]
        assert (payload["evseId"], payload["connectorType"]) == (1, "cType2")
        assert payload["idToken"] == {"idToken": "TAG1", "type": "ISO14443"}
        assert payload["groupIdToken"]["idToken"] == "G1"
        again = await http.post("/reservations", json=body())
        assert again.status_code == 409  # EVSE 1 is taken
        assert again.json()["error"]["code"] == "reserved"
        listed = (await http.get("/reservations", params={"charger_id": "CP1"})).json()["items"]
        assert [x["id"] for x in listed] == [r["id"]]


async def test_TC_049_16_reserve_any_connector(running: Running) -> None:
    async with charger(running, "ocpp1.6") as cp, admin_api(running) as http:
        reply = await http.post("/reservations", json=body(evse_id=None, group_id="G1"))
        assert reply.status_code == 201, reply.text
        payload = cp.received_calls[-1][3]
        assert payload["connectorId"] == 0  # any connector
        assert (payload["idTag"], payload["parentIdTag"]) == ("TAG1", "G1")
        assert payload["reservationId"] == reply.json()["id"]


@pytest.mark.parametrize("version", ["ocpp2.0.1", "ocpp1.6"])
@pytest.mark.parametrize("answer", ["Occupied", "Faulted", "Unavailable", "Rejected"])
async def test_TC_048_refused_reservation_is_kept_as_refused(
    running: Running, answer: str, version: str
) -> None:
    async with charger(running, version) as cp, admin_api(running) as http:
        cp.responses["ReserveNow"] = lambda p: {"status": answer}
        reply = await http.post("/reservations", json=body())
        assert reply.status_code == 409
        assert (reply.json()["status"], reply.json()["charger_status"]) == ("refused", answer)
        assert (await http.post("/reservations", json=body())).status_code == 409  # refused again


async def test_H02_cancel_reservation(running: Running) -> None:
    async with charger(running) as cp, admin_api(running) as http:
        rid = (await http.post("/reservations", json=body())).json()["id"]
        cp.responses["CancelReservation"] = lambda p: {"status": "Rejected"}
        refused = await http.delete(f"/reservations/{rid}")
        assert refused.json()["charger_status"] == "Rejected"
        assert (await reservation(http, rid))["status"] == "active"
        cp.responses["CancelReservation"] = lambda p: {"status": "Accepted"}
        done = await http.delete(f"/reservations/{rid}")
        assert cp.received_calls[-1][2:] == ["CancelReservation", {"reservationId": rid}]
        assert done.json()["reservation"]["status"] == "cancelled"
        assert (await http.delete(f"/reservations/{rid}")).status_code == 409  # not live


@pytest.mark.parametrize(("update", "status"), [("Expired", "expired"), ("Removed", "removed")])
async def test_H04_reservation_status_update(running: Running, update: str, status: str) -> None:
    async with charger(running) as cp, admin_api(running) as http:
        rid = (await http.post("/reservations", json=body())).json()["id"]
        msg = {"reservationId": rid, "reservationUpdateStatus": update}
        assert await cp.result("ReservationStatusUpdate", msg) == {}
        assert (await reservation(http, rid))["status"] == status
        unknown = {"reservationId": 999999, "reservationUpdateStatus": update}
        assert await cp.result("ReservationStatusUpdate", unknown) == {}  # logged, not refused


async def test_TC_047_16_reservations_expire_without_the_charger(running: Running) -> None:
    async with charger(running, "ocpp1.6"), admin_api(running) as http:
        rid = (await http.post("/reservations", json=body(expires_at=later(0.01)))).json()["id"]
        await trio.sleep(1.0)  # past its expiry (0.6 s)
        expired = await control(running).reservations.expire_due()
        assert [r.id for r in expired] == [rid]
        assert (await reservation(http, rid))["status"] == "expired"


def started_on(evse: int, token: str, tx_id: str, **info: Any) -> dict[str, Any]:
    event = full_transaction(tx_id, token)[0]
    return {**event, "evse": {"id": evse, "connectorId": 1}, **info}


async def test_H03_transaction_uses_the_reservation(running: Running) -> None:
    await add_token(running, "MEMBER", group_id="G1")
    await add_token(running, "TAG2")
    async with charger(running) as cp, admin_api(running) as http:
        by_id = (await http.post("/reservations", json=body())).json()["id"]
        by_group = (
            await http.post("/reservations", json=body(evse_id=2, id_token="X", group_id="G1"))
        ).json()["id"]
        other = (await http.post("/reservations", json=body(evse_id=3, id_token="X"))).json()["id"]
        await cp.result("TransactionEvent", started_on(1, "TAG1", "T1", reservationId=by_id))
        await cp.result("TransactionEvent", started_on(2, "MEMBER", "T2"))
        await cp.result("TransactionEvent", started_on(3, "TAG2", "T3"))  # not its token

        async def status(rid: int) -> str:
            return str((await reservation(http, rid))["status"])

        async def used() -> bool:
            return await status(by_id) == "used" and await status(by_group) == "used"

        async def conflict() -> bool:
            items = (await http.get("/flags")).json()["items"]
            return "reservation_conflict" in [f["kind"] for f in items]

        await eventually(used)
        assert (await reservation(http, by_id))["transaction_id"] is not None
        await eventually(conflict)
        assert await status(other) == "active"


async def test_H03_reserved_evse_starts_only_for_its_token_or_group(running: Running) -> None:
    await add_token(running, "MEMBER", group_id="G1")
    await add_token(running, "TAG2")
    async with charger(running) as cp, admin_api(running) as http:
        await http.post("/reservations", json=body(group_id="G1"))

        async def status(evse: int, token: str, tx_id: str) -> str:
            reply = await cp.result("TransactionEvent", started_on(evse, token, tx_id))
            return str(reply["idTokenInfo"]["status"])

        assert await status(1, "TAG2", "A") == "NotAtThisTime"  # the charger ends it
        assert await status(1, "MEMBER", "B") == "Accepted"  # the reserved group
        assert await status(2, "TAG2", "C") == "Accepted"  # another EVSE
        authorize = await cp.result(
            "Authorize", {"idToken": {"idToken": "TAG2", "type": "ISO14443"}}
        )
        assert authorize["idTokenInfo"]["status"] == "Accepted"  # no EVSE named: not refused


async def test_TC_046_16_another_tag_on_a_reserved_connector(running: Running) -> None:
    await add_token(running, "TAG2")
    async with charger(running, "ocpp1.6") as cp, admin_api(running) as http:
        await http.post("/reservations", json=body())

        async def status(connector: int, tag: str) -> str:
            start = {"connectorId": connector, "idTag": tag, "meterStart": 0, "timestamp": later(0)}
            return str((await cp.result("StartTransaction", start))["idTagInfo"]["status"])

        assert await status(1, "TAG2") == "Blocked"  # 1.6 spelling of NotAtThisTime
        assert await status(2, "TAG2") == "Accepted"
        assert await status(1, "TAG1") == "Accepted"


async def test_TC_046_16_start_transaction_with_reservation_id(running: Running) -> None:
    async with charger(running, "ocpp1.6") as cp, admin_api(running) as http:
        rid = (await http.post("/reservations", json=body())).json()["id"]
        start = {
            "connectorId": 1,
            "idTag": "TAG1",
            "meterStart": 0,
            "timestamp": later(0),
            "reservationId": rid,
        }
        await cp.result("StartTransaction", start)

        async def used() -> bool:
            return (await reservation(http, rid))["status"] == "used"

        await eventually(used)


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (body(expires_at=later(-1)), 422),  # in the past
        (body(expires_at="tomorrow"), 422),
        (body(evse_id=0), 422),
        (body(id_token=""), 422),
        (body(charger_id="NOPE"), 404),
        (body(charger_id="CP2"), 409),  # registered, not connected
        ({**body(), "colour": "red"}, 422),
    ],
)
async def test_bad_reservation_requests(running: Running, payload: Any, status: int) -> None:
    await register(running, "CP2")
    async with charger(running) as cp, admin_api(running) as http:
        reply = await http.post("/reservations", json=payload)
        assert reply.status_code == status, reply.text
        assert cp.received_calls == []
        assert (await http.get("/reservations")).json()["items"] == []
        assert (await http.get("/reservations/abc")).status_code == 404
        assert (await http.get("/reservations", params={"status": "weird"})).status_code == 422
