"""OCPP 2.0.1 payload builders for the conformance-style tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

Payload = dict[str, Any]
V201 = "ocpp2.0.1"


def ts(minutes: float = 0) -> str:
    return (datetime(2026, 11, 26, 12, 0, tzinfo=UTC) + timedelta(minutes=minutes)).isoformat()


def boot(reason: str = "PowerUp") -> Payload:
    station = {"model": "Fast-2", "vendorName": "ACME", "firmwareVersion": "2.0.0"}
    return {"chargingStation": {**station, "serialNumber": "SN-1"}, "reason": reason}


def register_sample(wh: float, context: str, unit: str = "Wh") -> Payload:
    return {
        "value": wh,
        "context": context,
        "measurand": "Energy.Active.Import.Register",
        "unitOfMeasure": {"unit": unit},
    }


def meter_value(minutes: float, *samples: Payload) -> Payload:
    return {"timestamp": ts(minutes), "sampledValue": list(samples)}


def tx_event(
    event_type: str,
    seq_no: int,
    tx_id: str = "TX-1",
    *,
    minutes: float = 0,
    trigger: str = "Authorized",
    **extra: Any,
) -> Payload:
    info = {"transactionId": tx_id, **extra.pop("info", {})}
    return {
        "eventType": event_type,
        "timestamp": ts(minutes),
        "triggerReason": trigger,
        "seqNo": seq_no,
        "transactionInfo": info,
        **extra,
    }


def full_transaction(tx_id: str = "TX-1", token: str = "TAG1") -> list[Payload]:
    """Started (1000 Wh) -> Updated (2500 Wh) -> Ended (4000 Wh) on EVSE 1 connector 1."""
    return [
        tx_event(
            "Started",
            0,
            tx_id,
            idToken={"idToken": token, "type": "ISO14443"},
            evse={"id": 1, "connectorId": 1},
            meterValue=[meter_value(0, register_sample(1000, "Transaction.Begin"))],
            info={"chargingState": "Charging"},
        ),
        tx_event(
            "Updated",
            1,
            tx_id,
            minutes=10,
            trigger="MeterValuePeriodic",
            meterValue=[
                meter_value(
                    10,
                    register_sample(2.5, "Sample.Periodic", "kWh"),
                    {
                        "value": 7400,
                        "measurand": "Power.Active.Import",
                        "unitOfMeasure": {"unit": "W"},
                    },
                )
            ],
        ),
        tx_event(
            "Ended",
            2,
            tx_id,
            minutes=30,
            trigger="EVCommunicationLost",
            meterValue=[meter_value(30, register_sample(4000, "Transaction.End"))],
            info={"stoppedReason": "EVDisconnected"},
        ),
    ]
