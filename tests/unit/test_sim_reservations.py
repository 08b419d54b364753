"""Reservations on the simulated charger, 1.6 and 2.0.1: a reserved connector shows Reserved,
refuses a start by another token, serves the reserved one (the transaction names the
reservation), goes Available when cancelled or expired (2.0.1: ReservationStatusUpdate)."""

from __future__ import annotations

from typing import Any

from tests.unit.ocpp_schemas import violations
from tests.unit.sim_fake import FakeCharger, both_versions_cp, version

__all__ = ["both_versions_cp", "version"]

V16, V201 = "ocpp1.6", "ocpp2.0.1"
HOUR = "2026-01-01T01:00:00.000Z"  # FakeCharger's epoch + 3600 s


def reserve_payload(version: str, rid: int, tag: str, connector: int | None) -> dict[str, Any]:
    if version == V16:
        return {
            "connectorId": connector or 0,
            "expiryDate": HOUR,
            "idTag": tag,
            "reservationId": rid,
        }
    p: dict[str, Any] = {
        "id": rid,
        "expiryDateTime": HOUR,
        "idToken": {"idToken": tag, "type": "Central"},
    }
    return p | ({"evseId": connector} if connector else {})


def remote_start(version: str, tag: str, connector: int) -> tuple[str, dict[str, Any]]:
    if version == V16:
        return "RemoteStartTransaction", {"idTag": tag, "connectorId": connector}
    token = {"idToken": tag, "type": "Central"}
    return "RequestStartTransaction", {"idToken": token, "remoteStartId": 1, "evseId": connector}


def status_of(version: str, cp: FakeCharger, connector: int) -> str:
    """The last status the charger reported for `connector`."""
    key = "status" if version == V16 else "connectorStatus"
    id_key = "connectorId" if version == V16 else "evseId"
    found = [f[key] for f in cp.frames("StatusNotification") if f[id_key] == connector]
    return str(found[-1])


def call(version: str, cp: FakeCharger, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    assert violations(version, action, "request", payload) == []
    reply = cp.call(action, payload)
    assert violations(version, action, "response", reply) == []
    return reply


async def test_a_reserved_connector_serves_only_its_token(version: str, cp: FakeCharger) -> None:
    reply = call(version, cp, "ReserveNow", reserve_payload(version, 7, "R", 2))
    assert reply == {"status": "Accepted"}
    assert status_of(version, cp, 2) == "Reserved"
    assert call(version, cp, *remote_start(version, "OTHER", 2))["status"] == "Rejected"
    assert cp.model.start_tx(2, "OTHER", cp.now()) is None  # a local start is refused too
    assert not cp.plug(2)  # another driver cannot plug in at the reserved bay
    assert call(version, cp, *remote_start(version, "R", 2)) == {"status": "Accepted"}
    tx = cp.model.connectors[2].tx
    assert tx is not None
    assert tx.reservation_id == 7
    if version == V16:
        (start,) = cp.frames("StartTransaction")
        assert start["reservationId"] == 7
    else:
        started = [f for f in cp.frames("TransactionEvent") if f["eventType"] == "Started"]
        assert started[0]["reservationId"] == 7
    assert cp.model.held_reservations() == []  # used up
    assert call(version, cp, "CancelReservation", {"reservationId": 7}) == {"status": "Rejected"}


async def test_cancel_makes_the_connector_available(version: str, cp: FakeCharger) -> None:
    call(version, cp, "ReserveNow", reserve_payload(version, 3, "R", 1))
    assert status_of(version, cp, 1) == "Reserved"
    assert call(version, cp, "CancelReservation", {"reservationId": 3}) == {"status": "Accepted"}
    assert status_of(version, cp, 1) == "Available"
    assert call(version, cp, *remote_start(version, "OTHER", 1)) == {"status": "Accepted"}


async def test_a_reservation_expires(version: str, cp: FakeCharger) -> None:
    call(version, cp, "ReserveNow", reserve_payload(version, 4, "R", 1))
    cp.advance(3599.0)
    assert status_of(version, cp, 1) == "Reserved"
    cp.advance(1.0)
    assert status_of(version, cp, 1) == "Available"
    updates = cp.frames("ReservationStatusUpdate")
    if version == V201:
        assert updates == [{"reservationId": 4, "reservationUpdateStatus": "Expired"}]
        assert violations(version, "ReservationStatusUpdate", "request", updates[0]) == []
    else:
        assert updates == []  # 1.6 has no such message
    assert cp.model.held_reservations() == []


async def test_busy_faulted_and_unknown_connectors_refuse(version: str, cp: FakeCharger) -> None:
    call(version, cp, *remote_start(version, "T", 1))
    assert call(version, cp, "ReserveNow", reserve_payload(version, 1, "R", 1)) == {
        "status": "Occupied"
    }
    cp.model.fault(2, "GroundFailure", cp.now())
    assert call(version, cp, "ReserveNow", reserve_payload(version, 2, "R", 2)) == {
        "status": "Faulted"
    }
    assert call(version, cp, "ReserveNow", reserve_payload(version, 3, "R", 9)) == {
        "status": "Rejected"
    }
    assert cp.model.held_reservations() == []


async def test_the_same_id_replaces_a_reservation(version: str, cp: FakeCharger) -> None:
    call(version, cp, "ReserveNow", reserve_payload(version, 5, "R", 1))
    assert call(version, cp, "ReserveNow", reserve_payload(version, 5, "R", 2)) == {
        "status": "Accepted"
    }
    assert status_of(version, cp, 1) == "Available"
    assert status_of(version, cp, 2) == "Reserved"
    assert [r.connector_id for r in cp.model.held_reservations()] == [2]


async def test_a_reservation_of_any_connector_keeps_one_free(version: str, cp: FakeCharger) -> None:
    """Two connectors, one reserved 'anywhere': one other driver may start, not two."""
    assert call(version, cp, "ReserveNow", reserve_payload(version, 6, "R", None)) == {
        "status": "Accepted"
    }
    assert call(version, cp, *remote_start(version, "A", 1)) == {"status": "Accepted"}
    assert call(version, cp, *remote_start(version, "B", 2))["status"] == "Rejected"
    assert call(version, cp, *remote_start(version, "R", 2)) == {"status": "Accepted"}
    tx = cp.model.connectors[2].tx
    assert tx is not None
    assert tx.reservation_id == 6
    assert call(version, cp, "ReserveNow", reserve_payload(version, 8, "S", None)) == {
        "status": "Occupied"
    }
