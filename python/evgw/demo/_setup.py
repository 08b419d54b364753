"""What the demo sets up before the fleet arrives: configuration, chargers, tokens, an operator
API token, and the time-of-use tariff every session is priced with (through the API, as an
operator would)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from evgw.domain import ChargerRegistration, IdToken, Role
from evgw.security import hash_password
from evgw.store import Store
from evgw.testing.fleet import ChargerSpec

DAY_S = 600.0  # one simulated day in ten real minutes
SPEED = 86_400.0 / DAY_S
START_HOUR = 5.0  # local time in Pasadena when the demo begins
UTC_OFFSET_H = -8.0  # Pasadena in winter (the fleet's clock runs in UTC)
TIME_ZONE = "America/Los_Angeles"
PASSWORD = "demo-charger-password"
TOKENS = tuple(f"DEMO{i:03d}" for i in range(40))
SITE_LIMIT_A = {"jpl": 60.0, "caltech": 40.0}  # per phase, 230/400 V: well below the peak
VOLTAGE = 230.0
#: software faults a reboot clears: remediation (soft reset) fixes these; the rest get tickets
RESET_CLEARS = ("EVCommunicationError", "OtherError", "PowerSwitchFailure")
#: safety trips: a technician is dispatched at once, never an automatic reset
DISPATCH_ONLY = ("GroundFailure", "OverCurrentFailure")

#: USD, California-style time of use: peak 16:00-21:00, a session fee, and an idle fee
#: (per hour parked, not charging) once a session has lasted 4 h.
TARIFF: dict[str, Any] = {
    "country_code": "US",
    "party_id": "EVG",
    "currency": "USD",
    "elements": [
        {
            "price_components": [{"type": "ENERGY", "price": 0.52, "step_size": 1}],
            "restrictions": {"start_time": "16:00", "end_time": "21:00"},
        },
        {"price_components": [{"type": "ENERGY", "price": 0.34, "step_size": 1}]},
        {"price_components": [{"type": "FLAT", "price": 0.50, "step_size": 1}]},
        {
            "price_components": [{"type": "PARKING_TIME", "price": 2.40, "step_size": 60}],
            "restrictions": {"min_duration": 4 * 3600},
        },
    ],
}


#: Load management's clocks are real seconds; the fleet's are SPEED times faster. Its
#: defaults (a 60 s measurement window, 15 min rotation, 30 s increase dwell) would be hours
#: of simulated time: tapering EVs would keep their allocation long after they stopped
#: drawing it. Scaled here, but never under what the meter period (900 s simulated ≈ 6 s
#: real) allows: the window must hold a reading.
METER_INTERVAL_S = 900.0
SMARTCHARGING_TIMING: dict[str, float] = {
    "tx_profile_duration_s": 30 * 86_400,  # a simulated day lasts DAY_S: outlive it
    "measure_window_s": 1.5 * METER_INTERVAL_S / SPEED,
    "stale_meter_s": 3.0 * METER_INTERVAL_S / SPEED,
    "yield_after_s": 3.0 * METER_INTERVAL_S / SPEED,
    "rotate_after_s": 900.0 / SPEED,
    "increase_dwell_s": 300.0 / SPEED,
}


def site_limits_kw() -> dict[str, float]:
    return {site: 3 * VOLTAGE * amps / 1000 for site, amps in SITE_LIMIT_A.items()}


def epoch() -> datetime:
    """13:00 UTC (05:00 in Pasadena) at or after now: the chargers' clocks never lag evgw's,
    so the TxProfiles evgw starts "now" are in force at once on the fast simulated clock."""
    now = datetime.now(UTC)
    start = now.replace(hour=13, minute=0, second=0, microsecond=0)
    return start if start >= now else start + timedelta(days=1)


def specs(chargers: int) -> list[ChargerSpec]:
    """Half at each site; every fourth charger speaks OCPP 2.0.1, the rest 1.6J."""
    half = (chargers + 1) // 2
    return [
        ChargerSpec(
            f"DEMO-{'JPL' if i < half else 'CAL'}-{i % half + 1:02d}",
            i,
            site="jpl" if i < half else "caltech",
            password=PASSWORD,
            ocpp_version="ocpp2.0.1" if i % 4 == 3 else "ocpp1.6",
        )
        for i in range(chargers)
    ]


def _sites(fleet: list[ChargerSpec]) -> list[dict[str, object]]:
    return [
        {
            "id": site,
            "name": f"demo {site}",
            "nodes": [{"id": "grid", "limit_a": limit}],
            # rotated wiring spreads single-phase EVs over the three phases
            "chargers": [
                {"id": s.charger_id, "node": "grid", "connectors": 2, "rotation": s.index % 3}
                for s in fleet
                if s.site == site
            ],
        }
        for site, limit in SITE_LIMIT_A.items()
    ]


def _maintenance() -> dict[str, object]:
    """Remediation on the demo's compressed clock (seconds, not hours)."""
    return {
        "detection": {"offline_floor_s": 120.0, "probe_timeout_s": 10.0, "check_interval_s": 5.0},
        "remediation": {
            "settle_s": 3.0,
            "recovery_timeout_s": 20.0,
            "reset_cooldown_s": 60.0,
            "reset_budget_per_day": 3,
            "defer_poll_s": 3.0,
            "defer_max_s": 60.0,
            "dispatch_only": list(DISPATCH_ONLY),
        },
    }


def config(db: str, spool: Path, fleet: list[ChargerSpec]) -> dict[str, object]:
    return {
        "smartcharging": {"sites": _sites(fleet), **SMARTCHARGING_TIMING},
        "billing": {"time_zone": TIME_ZONE, "sweep_interval_s": 2.0, "country_code": "US"},
        "maintenance": _maintenance(),
        "ocpp": {"listen": "127.0.0.1:0", "spool_dir": str(spool), "messages_per_second": 100.0},
        "api": {"listen": "127.0.0.1:0"},
        "store": {"url": db},
        "plugins": {"entry_points": False},
    }


async def register(store: Store, fleet: list[ChargerSpec]) -> None:
    secret = hash_password(PASSWORD)  # one KDF run, shared by the demo chargers
    for spec in fleet:
        registration = ChargerRegistration(
            id=spec.charger_id, password_hash=secret, site_id=spec.site
        )
        await store.put_charger(registration)
    for token in TOKENS:
        await store.put_token(IdToken(id=token))


async def operator_token(store: Store) -> str:
    from evgw.api import create_api_token  # noqa: PLC0415 - the API package is heavy

    return await create_api_token(store, Role.ADMIN, "evgw demo")


async def price_sessions(api: httpx.AsyncClient) -> None:
    """PUT the tariff and make it the default, as an operator would; fails loudly."""
    default = {"scope": "default", "target": "*", "tariff_id": "DEMO-TOU"}
    for method, path, body in (
        ("PUT", "/tariffs/DEMO-TOU", TARIFF),
        ("PUT", "/tariff-assignments", default),
    ):
        reply = await api.request(method, path, json=body)
        if reply.status_code >= 300:
            raise RuntimeError(f"demo: {method} {path} -> {reply.status_code}: {reply.text}")
