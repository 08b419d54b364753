"""OpenAPI documentation and request fields of the control routes under /chargers/{id}."""

from __future__ import annotations

from evgw.api import Doc, Field, Kind, object_schema
from evgw.ocpp.control._api_common import CALL_ERRORS, any_object

TX_QUERY = (
    Field("transaction_id", Kind.STRING, "the charger's transactionId", minimum=1, maximum=36),
)
UPGRADE_FIELDS = (
    Field("profile", Kind.INTEGER, "the new security profile", required=True, minimum=1, maximum=3),
    Field(
        "csms_url",
        Kind.STRING,
        "2.x: wss:// URL without the charger id (default ocpp.tls.public_url)",
        minimum=6,
        maximum=512,
    ),
    Field(
        "configuration_slot",
        Kind.INTEGER,
        "2.x: network profile slot (default 1)",
        minimum=0,
        maximum=9,
    ),
)


def charger_docs() -> dict[tuple[str, str], object]:
    c = "/chargers/{id}"
    return {
        ("GET", f"{c}/transaction-status"): Doc(
            "GetTransactionStatus (2.x): is the transaction ongoing, are messages queued",
            response="TransactionStatusAtCharger",
            query=TX_QUERY,
            errors=CALL_ERRORS,
        ),
        ("GET", f"{c}/security-profile-upgrade"): Doc(
            "The registered security profile and a pending upgrade's target",
            response="SecurityProfileUpgradeState",
            errors=(404,),
        ),
        ("POST", f"{c}/security-profile-upgrade"): Doc(
            "Raise the security profile: 2.x SetNetworkProfile, NetworkConfigurationPriority,"
            " Reset OnIdle; 1.6 ChangeConfiguration SecurityProfile. The registration is raised"
            " when the charger connects at the new profile",
            response="SecurityProfileUpgrade",
            body="SecurityProfileUpgradeRequest",
            errors=CALL_ERRORS,
        ),
        ("DELETE", f"{c}/security-profile-upgrade"): Doc(
            "Forget a pending upgrade", 204, errors=(404,)
        ),
        ("GET", f"{c}/display-messages"): Doc(
            "Display messages evgw set or the charger reported",
            response="DisplayMessages",
            errors=(404,),
        ),
        ("POST", f"{c}/display-messages"): Doc(
            "SetDisplayMessage (2.x); evgw assigns the id; 201 when Accepted, 409 with the"
            " charger's status otherwise",
            201,
            "DisplayMessageSet",
            "DisplayMessageRequest",
            errors=CALL_ERRORS,
        ),
        ("DELETE", f"{c}/display-messages/{{message_id}}"): Doc(
            "ClearDisplayMessage (2.x)", response="OcppStatus", errors=CALL_ERRORS
        ),
        ("POST", f"{c}/display-message-reports"): Doc(
            "GetDisplayMessages (2.x) with optional id / priority / state filters; the"
            " NotifyDisplayMessages parts are assembled under the request id",
            202,
            "OcppRequest",
            "DisplayMessageFilter",
            errors=CALL_ERRORS,
        ),
        ("GET", f"{c}/display-message-reports/{{request_id}}"): Doc(
            "A display-message report's assembly", response="OcppRequestState", errors=(404,)
        ),
        ("POST", f"{c}/customer-information"): Doc(
            "CustomerInformation (2.x): report and/or clear what the charger holds about one"
            " customer (identifier, id_token or customer_certificate)",
            202,
            "OcppRequest",
            "CustomerInformationRequest",
            errors=CALL_ERRORS,
        ),
        ("GET", f"{c}/customer-information/{{request_id}}"): Doc(
            "The NotifyCustomerInformation parts assembled (result: the texts in seqNo order)",
            response="OcppRequestState",
            errors=(404,),
        ),
    }


def charger_schemas() -> dict[str, dict[str, object]]:
    return {
        "TransactionStatusAtCharger": any_object(
            "transaction_id, ongoing (null: not asked), messages_in_queue"
        ),
        "SecurityProfileUpgradeState": any_object("registered: profile; pending: target or null"),
        "SecurityProfileUpgradeRequest": object_schema(UPGRADE_FIELDS),
        "SecurityProfileUpgrade": any_object(
            "status; pending; steps: action and the charger's status"
        ),
        "DisplayMessages": any_object(
            "items: source (set|reported), message (MessageInfo), updated_at"
        ),
        "DisplayMessageRequest": any_object("message: an OCPP MessageInfo without id"),
        "DisplayMessageSet": any_object("status: the charger's answer; message: what was sent"),
        "DisplayMessageFilter": any_object(
            "optional OCPP GetDisplayMessages filters: id, priority, state"
        ),
        "OcppStatus": any_object("status: the charger's answer"),
        "OcppRequest": any_object("request_id; status: the charger's answer"),
        "OcppRequestState": any_object(
            "request_id, status, parts, missing_seq_nos, result, updated_at"
        ),
        "CustomerInformationRequest": any_object(
            "report, clear (booleans); exactly one of customer_identifier, id_token (OCPP IdToken),"
            " customer_certificate (OCPP CertificateHashData)"
        ),
    }
