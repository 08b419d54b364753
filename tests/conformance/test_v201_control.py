"""E14 GetTransactionStatus, O01-O05 display messages, N09/N10 customer information and the
M (ISO 15118) certificate hooks, over real sockets (named after the use cases they cover)."""

from __future__ import annotations

from typing import Any

import pytest
import trio
from evgw.ocpp.control._iso15118 import CertificateStatusAnswer, EVCertificateAnswer
from evgw.testing import wait_until

from tests.conformance.control_fixtures import admin_api, charger, eventually
from tests.conformance.v201_frames import full_transaction, ts
from tests.integration.gateway_fixtures import Running, running

__all__ = ["running"]

MESSAGE = {"priority": "NormalCycle", "message": {"format": "UTF8", "content": "Hello"}}


async def test_TC_E_29_TC_E_34_transaction_status_through_the_api(running: Running) -> None:
    async with charger(running) as cp, admin_api(running) as http:
        cp.responses["GetTransactionStatus"] = lambda p: {
            "ongoingIndicator": p.get("transactionId") == "TX-1",
            "messagesInQueue": True,
        }
        reply = await http.get(
            "/chargers/CP1/transaction-status", params={"transaction_id": "TX-1"}
        )
        assert reply.json() == {
            "transaction_id": "TX-1",
            "ongoing": True,
            "messages_in_queue": True,
        }
        assert cp.received_calls[-1][2:] == ["GetTransactionStatus", {"transactionId": "TX-1"}]
        cp.responses["GetTransactionStatus"] = lambda p: {"messagesInQueue": False}
        bare = (await http.get("/chargers/CP1/transaction-status")).json()
        assert bare == {"transaction_id": None, "ongoing": None, "messages_in_queue": False}
    async with charger(running, "ocpp1.6") as cp, admin_api(running) as http:
        reply = await http.get("/chargers/CP1/transaction-status")
        assert reply.status_code == 409  # a 2.x message
        assert (await http.get("/chargers/CP9/transaction-status")).status_code == 404


async def flags(http: Any) -> list[str]:
    return [f["kind"] for f in (await http.get("/flags")).json()["items"]]


@pytest.mark.parametrize(
    ("ongoing", "queued", "flagged"),
    [(False, False, True), (True, False, False), (False, True, False)],
)
async def test_E14_ended_missing_is_flagged_at_boot(
    running: Running, ongoing: bool, queued: bool, flagged: bool
) -> None:
    started = full_transaction()[0]
    async with charger(running) as cp:
        assert (await cp.call("TransactionEvent", started))[0] == 3
    async with charger(running) as cp, admin_api(running) as http:
        cp.responses["GetTransactionStatus"] = lambda p: {
            "ongoingIndicator": ongoing,
            "messagesInQueue": queued,
        }
        boot = {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"}
        await cp.result("BootNotification", boot)
        await wait_until(lambda: any(c[2] == "GetTransactionStatus" for c in cp.received_calls))
        asked = next(c for c in cp.received_calls if c[2] == "GetTransactionStatus")
        assert asked[3] == {"transactionId": "TX-1"}
        if flagged:

            async def seen() -> bool:
                return "ended_missing" in await flags(http)

            await eventually(seen)
        else:
            await trio.sleep(0.3)  # the answer is in: nothing more will come of it
        assert ("ended_missing" in await flags(http)) is flagged


async def test_O01_O05_set_list_and_clear_display_messages(running: Running) -> None:
    async with charger(running) as cp, admin_api(running) as http:
        reply = await http.post("/chargers/CP1/display-messages", json={"message": MESSAGE})
        assert reply.status_code == 201, reply.text
        sent = reply.json()["message"]
        assert cp.received_calls[-1][2:] == ["SetDisplayMessage", {"message": sent}]
        listed = (await http.get("/chargers/CP1/display-messages")).json()["items"]
        assert [(i["source"], i["message"]) for i in listed] == [("set", sent)]
        cleared = await http.delete(f"/chargers/CP1/display-messages/{sent['id']}")
        assert cleared.json() == {"status": "Accepted"}
        assert cp.received_calls[-1][2:] == ["ClearDisplayMessage", {"id": sent["id"]}]
        assert (await http.get("/chargers/CP1/display-messages")).json()["items"] == []
        cp.responses["SetDisplayMessage"] = lambda p: {"status": "NotSupportedPriority"}
        refused = await http.post("/chargers/CP1/display-messages", json={"message": MESSAGE})
        assert refused.status_code == 409
        assert refused.json()["status"] == "NotSupportedPriority"
        assert (await http.get("/chargers/CP1/display-messages")).json()["items"] == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"message": {**MESSAGE, "id": 5}}, 422),  # evgw gives the id
        ({"message": "Hello"}, 422),
        ({"message": {**MESSAGE, "priority": "Loud"}}, 422),  # the OCPP schema says no
        ({}, 422),
    ],
)
async def test_bad_display_message_requests(running: Running, body: Any, status: int) -> None:
    async with charger(running) as cp, admin_api(running) as http:
        reply = await http.post("/chargers/CP1/display-messages", json=body)
        assert reply.status_code == status, reply.text
        assert cp.received_calls == []
        bad_id = await http.delete("/chargers/CP1/display-messages/x1")
        assert bad_id.status_code == 422


async def test_display_messages_need_2x(running: Running) -> None:
    async with charger(running, "ocpp1.6"), admin_api(running) as http:
        reply = await http.post("/chargers/CP1/display-messages", json={"message": MESSAGE})
        assert reply.status_code == 409
        assert reply.json()["error"]["code"] == "not_supported_by_version"


def shown(message_id: int, content: str) -> dict[str, Any]:
    return {
        "id": message_id,
        "priority": "AlwaysFront",
        "message": {"format": "ASCII", "content": content},
    }


async def test_O03_display_message_report_in_parts(running: Running) -> None:
    async with charger(running) as cp, admin_api(running) as http:
        reply = await http.post(
            "/chargers/CP1/display-message-reports", json={"priority": "AlwaysFront"}
        )
        assert reply.status_code == 202, reply.text
        request_id = reply.json()["request_id"]
        assert cp.received_calls[-1][3] == {"requestId": request_id, "priority": "AlwaysFront"}
        url = f"/chargers/CP1/display-message-reports/{request_id}"
        first = {"requestId": request_id, "tbc": True, "messageInfo": [shown(7, "A")]}
        await cp.result("NotifyDisplayMessages", first)
        assert (await http.get(url)).json()["status"] == "receiving"
        await cp.result(
            "NotifyDisplayMessages", {"requestId": request_id, "messageInfo": [shown(8, "B")]}
        )
        state = (await http.get(url)).json()
        assert state["status"] == "complete"
        assert state["result"] == [[shown(7, "A")], [shown(8, "B")]]
        listed = (await http.get("/chargers/CP1/display-messages")).json()["items"]
        assert [(i["source"], i["message"]["id"]) for i in listed] == [
            ("reported", 7),
            ("reported", 8),
        ]
        unknown = await http.post("/chargers/CP1/display-message-reports", json={"colour": "red"})
        assert unknown.status_code == 422
        assert (await http.get("/chargers/CP1/display-message-reports/999999")).status_code == 404


async def test_O03_a_retried_display_message_part_is_kept_once(running: Running) -> None:
    """NotifyDisplayMessages parts carry no seqNo: a part sent again (its CALLRESULT lost)
    must not count as the next part nor show its messages twice."""
    async with charger(running) as cp, admin_api(running) as http:
        reply = await http.post("/chargers/CP1/display-message-reports", json={})
        request_id = reply.json()["request_id"]
        url = f"/chargers/CP1/display-message-reports/{request_id}"
        first = {"requestId": request_id, "tbc": True, "messageInfo": [shown(7, "A")]}
        last = {"requestId": request_id, "messageInfo": [shown(8, "B")]}
        await cp.result("NotifyDisplayMessages", first)
        await cp.result("NotifyDisplayMessages", first)  # retried
        assert (await http.get(url)).json()["parts"] == 1
        await cp.result("NotifyDisplayMessages", last)
        await cp.result("NotifyDisplayMessages", last)  # retried after completion
        state = (await http.get(url)).json()
        assert (state["status"], state["parts"]) == ("complete", 2)
        assert state["result"] == [[shown(7, "A")], [shown(8, "B")]]
        listed = (await http.get("/chargers/CP1/display-messages")).json()["items"]
        assert [i["message"]["id"] for i in listed] == [7, 8]


def customer_part(request_id: int, seq_no: int, data: str, tbc: bool) -> dict[str, Any]:
    return {"requestId": request_id, "seqNo": seq_no, "data": data, "tbc": tbc, "generatedAt": ts()}


async def test_N09_customer_information_assembled_across_parts(running: Running) -> None:
    async with charger(running) as cp, admin_api(running) as http:
        body = {"report": True, "clear": True, "customer_identifier": "C-1"}
        reply = await http.post("/chargers/CP1/customer-information", json=body)
        assert reply.status_code == 202, reply.text
        rid = reply.json()["request_id"]
        sent = {"requestId": rid, "report": True, "clear": True, "customerIdentifier": "C-1"}
        assert cp.received_calls[-1][2:] == ["CustomerInformation", sent]
        url = f"/chargers/CP1/customer-information/{rid}"
        await cp.result("NotifyCustomerInformation", customer_part(rid, 2, "c", False))
        state = (await http.get(url)).json()
        assert (state["status"], state["missing_seq_nos"]) == ("receiving", [0, 1])
        await cp.result("NotifyCustomerInformation", customer_part(rid, 0, "a", True))
        await cp.result("NotifyCustomerInformation", customer_part(rid, 0, "a", True))  # repeat
        assert (await http.get(url)).json()["status"] == "receiving"  # 1 still missing
        await cp.result("NotifyCustomerInformation", customer_part(rid, 1, "b", True))
        state = (await http.get(url)).json()
        assert (state["status"], state["result"], state["parts"]) == (
            "complete",
            ["a", "b", "c"],
            3,
        )


@pytest.mark.parametrize(
    "body",
    [
        {"report": False, "clear": False, "customer_identifier": "C-1"},  # asks for nothing
        {"report": True, "clear": False},  # no customer named
        {
            "report": True,
            "clear": False,
            "customer_identifier": "C",
            "id_token": {"idToken": "T", "type": "Central"},
        },
        {"report": "yes", "clear": False, "customer_identifier": "C-1"},
        {"report": True, "clear": False, "customer_identifier": "C-1", "shoe_size": 9},
        {
            "report": True,
            "clear": False,
            "id_token": {"idToken": "T"},
        },  # IdToken without type: schema
    ],
)
async def test_bad_customer_information_requests(running: Running, body: Any) -> None:
    async with charger(running) as cp, admin_api(running) as http:
        reply = await http.post("/chargers/CP1/customer-information", json=body)
        assert reply.status_code == 422, reply.text
        assert cp.received_calls == []


async def test_N10_refused_customer_information(running: Running) -> None:
    async with charger(running) as cp, admin_api(running) as http:
        cp.responses["CustomerInformation"] = lambda p: {"status": "Invalid"}
        body = {"report": False, "clear": True, "customer_identifier": "C-1"}
        reply = await http.post("/chargers/CP1/customer-information", json=body)
        assert reply.json()["status"] == "Invalid"
        state = await http.get(f"/chargers/CP1/customer-information/{reply.json()['request_id']}")
        assert state.json()["status"] == "invalid"


EV_CERT = {
    "iso15118SchemaVersion": "urn:iso:15118:2:2013:MsgDef",
    "action": "Install",
    "exiRequest": "AAEC",
}
OCSP = {
    "hashAlgorithm": "SHA256",
    "issuerNameHash": "a1",
    "issuerKeyHash": "b2",
    "serialNumber": "01",
    "responderURL": "http://ocsp.example",
}


async def test_M_iso15118_without_a_provider_fails_with_a_reason(running: Running) -> None:
    async with charger(running) as cp:
        ev = await cp.result("Get15118EVCertificate", EV_CERT)
        assert ev["status"] == "Failed"
        assert ev["exiResponse"] == ""
        assert ev["statusInfo"]["reasonCode"] == "NoProvider"
        assert "iso15118_ev_certificate" in ev["statusInfo"]["additionalInfo"]
        status = await cp.result("GetCertificateStatus", {"ocspRequestData": OCSP})
        assert (status["status"], status["statusInfo"]["reasonCode"]) == ("Failed", "NoProvider")


class Provider:
    def __init__(self) -> None:
        self.seen: list[Any] = []

    async def iso15118_ev_certificate(self, request: Any) -> EVCertificateAnswer:
        self.seen.append(request)
        return EVCertificateAnswer("Accepted", "RESPONSE-" + request.exi_request)

    async def iso15118_certificate_status(self, request: Any) -> CertificateStatusAnswer | None:
        self.seen.append(request)
        if request.ocsp_request_data["serialNumber"] == "02":
            raise RuntimeError("responder down")
        return CertificateStatusAnswer("Accepted", "T0NTUA==")


async def test_M_iso15118_passed_to_the_provider_hook(running: Running) -> None:
    provider = Provider()
    assert running.server.router is not None
    running.server.router.services.plugins.plugins.append(provider)
    async with charger(running) as cp:
        ev = await cp.result("Get15118EVCertificate", EV_CERT)
        assert ev == {"status": "Accepted", "exiResponse": "RESPONSE-AAEC"}
        assert (provider.seen[0].charger_id, provider.seen[0].action) == ("CP1", "Install")
        status = await cp.result("GetCertificateStatus", {"ocspRequestData": OCSP})
        assert status == {"status": "Accepted", "ocspResult": "T0NTUA=="}
        assert provider.seen[1].ocsp_request_data == OCSP
        failing = await cp.result(
            "GetCertificateStatus", {"ocspRequestData": {**OCSP, "serialNumber": "02"}}
        )
        assert failing["status"] == "Failed"  # a failing provider: the default stands
