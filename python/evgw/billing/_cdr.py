"""The CDR in OCPI 2.2.1 shape, from the priced session (Rust) and the transaction facts.

Money and volumes come from the engine as exact decimal strings; OCPI numbers carry 4
fractional digits, the payable `total_cost` the currency's minor unit.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs

from ._config import BillingConfig
from ._metering import Metered, TxFacts

_PLACES = Decimal("0.0001")


@attrs.frozen
class Snapshot:
    """The tariff frozen at session start."""

    tariff_id: str
    version: int
    sha256: str
    body: dict[str, Any]
    time_zone: str
    late: bool


@attrs.frozen
class PricedSession:
    """A session priced from the store with its frozen tariff."""

    snapshot: Snapshot
    metered: Metered
    priced: dict[str, Any]
    exponent: int


def rfc3339(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def number(text: str, places: Decimal = _PLACES) -> float:
    """An OCPI number: the decimal rounded half up, as JSON number text."""
    return float(Decimal(text).quantize(places, rounding="ROUND_HALF_UP"))


def _money(m: dict[str, str]) -> dict[str, float]:
    return {"excl_vat": number(m["excl_vat"]), "incl_vat": number(m["incl_vat"])}


def _dimensions(period: dict[str, Any]) -> list[dict[str, Any]]:
    hours = number(period["hours"])
    time_type = {"PARKING": "PARKING_TIME", "CHARGING": "TIME"}.get(
        period["phase"], "RESERVATION_TIME"
    )
    dims = [{"type": "ENERGY", "volume": number(period["energy_kwh"])}]
    dims.append({"type": time_type, "volume": hours})
    if period["phase"] == "CHARGING":
        dims.append({"type": "MAX_POWER", "volume": number(period["power_kw"])})
    return dims


def charging_periods(priced: dict[str, Any], tariff_id: str) -> list[dict[str, Any]]:
    """FLAT has no dimension: every period carries ENERGY and a time volume (ocpi/ocpi#426)."""
    return [
        {
            "start_date_time": rfc3339(_from_ms(p["start_ms"])),
            "dimensions": _dimensions(p),
            "tariff_id": tariff_id,
        }
        for p in priced["periods"]
    ]


def signed_data(metered: Metered) -> dict[str, Any] | None:
    """One SignedValue per signed record, plain_data exactly as received (ocpi/ocpi#550)."""
    if not metered.signed:
        return None
    values = []
    for s in metered.signed:
        nature = {"Transaction.Begin": "Start", "Transaction.End": "End"}.get(
            s.context or "", "Intermediate"
        )
        encoded = base64.b64encode(s.value.encode()).decode()
        values.append({"nature": nature, "plain_data": s.value, "signed_data": encoded})
    method = "OCMF" if metered.signed[0].value.startswith("OCMF|") else "UNKNOWN"
    return {"encoding_method": method, "signed_values": values}


def payable(total: dict[str, str], exponent: int) -> dict[str, float]:
    unit = Decimal(1).scaleb(-exponent)
    return {k: float(Decimal(total[k]).quantize(unit)) for k in ("excl_vat", "incl_vat")}


def build(cfg: BillingConfig, cdr_id: str, tx: TxFacts, session: PricedSession) -> dict[str, Any]:
    assert tx.stopped_at is not None
    snapshot, priced, metered = session.snapshot, session.priced, session.metered
    body: dict[str, Any] = {
        "country_code": cfg.country_code,
        "party_id": cfg.party_id,
        "id": cdr_id,
        "start_date_time": rfc3339(tx.started_at),
        "end_date_time": rfc3339(tx.stopped_at),
        "session_id": tx.id,
        "cdr_token": {
            "country_code": cfg.country_code,
            "party_id": cfg.party_id,
            "uid": tx.id_token or "",
            "type": "RFID",
            "contract_id": tx.id_token or "",
        },
        "auth_method": "WHITELIST",
        "cdr_location": {
            "id": tx.charger_id,
            "evse_uid": f"{tx.charger_id}*{tx.evse_id}",
            "evse_id": f"{tx.charger_id}*{tx.evse_id}",
            "connector_id": str(tx.connector_id),
        },
        "currency": priced["currency"],
        "tariffs": [snapshot.body],
        "charging_periods": charging_periods(priced, snapshot.tariff_id),
        "total_cost": payable(priced["total_cost"], session.exponent),
        "total_fixed_cost": _money(priced["total_fixed_cost"]),
        "total_energy": number(priced["total_energy"]),
        "total_energy_cost": _money(priced["total_energy_cost"]),
        "total_time": number(priced["total_time"]),
        "total_time_cost": _money(priced["total_time_cost"]),
        "total_parking_time": number(priced["total_parking_time"]),
        "total_parking_cost": _money(priced["total_parking_cost"]),
        "total_reservation_cost": _money(priced["total_reservation_cost"]),
        "last_updated": rfc3339(datetime.now(UTC)),
    }
    signed = signed_data(metered)
    if signed is not None:
        body["signed_data"] = signed
    body["evgw"] = {
        "tariff_version": snapshot.version,
        "tariff_sha256": snapshot.sha256,
        "time_zone": snapshot.time_zone,
        "lines": priced["lines"],
        "total_cost_unrounded": priced["total_cost_unrounded"],
        "meter_flags": list(metered.flags),
        "rejected_samples": [list(r) for r in metered.rejected],
    }
    return body
