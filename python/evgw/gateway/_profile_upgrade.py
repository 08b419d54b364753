"""Security-profile upgrades, connection side (A05 / 1.6 whitepaper SecurityProfile).

While an upgrade to profile N is pending, a charger is admitted either at its registered
profile or at N (it may reconnect at either while it applies the new network profile). The
registration is raised to N only when the charger has connected at N; from then on a
connection below N is refused like any other. The pending row is written by the service
that sends the new profile (`evgw.ocpp.control._upgrade`).
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime

from evgw.gateway._profiles import Presented
from evgw.store import Store
from evgw.store._db import Db

log = logging.getLogger("evgw.gateway")


def put_upgrade(db: Db, charger_id: str, target: int) -> None:
    db.run(
        "INSERT INTO ocpp_profile_upgrades (charger_id, target_profile, requested_at)"
        " VALUES (?, ?, ?) ON CONFLICT (charger_id) DO UPDATE SET"
        " target_profile = excluded.target_profile, requested_at = excluded.requested_at",
        (charger_id, target, db.ts(datetime.now(UTC))),
    )


def drop_upgrade(db: Db, charger_id: str) -> None:
    db.run("DELETE FROM ocpp_profile_upgrades WHERE charger_id = ?", (charger_id,))


def get_upgrade(db: Db, charger_id: str) -> int | None:
    row = db.one(
        "SELECT target_profile FROM ocpp_profile_upgrades WHERE charger_id = ?", (charger_id,)
    )
    return None if row is None else int(row[0])


def channel_reaches(target: int, presented: Presented) -> bool:
    """The connection presents what profile `target` needs (Basic; TLS from 2; a client
    certificate for 3)."""
    if target >= 3:
        return presented.tls and presented.subject is not None
    basic = presented.basic_user is not None
    return basic and (presented.tls or target < 2)


def admission_profile(registered: int, target: int | None, presented: Presented) -> int:
    """The profile to check this connection against: the pending target when the connection
    is on its channel, else the registered one."""
    if target is not None and target > registered and channel_reaches(target, presented):
        return target
    return registered


def raise_profile(db: Db, charger_id: str, target: int) -> bool:
    """The charger connected at `target`: it becomes the registered profile."""
    if get_upgrade(db, charger_id) != target:
        return False  # cancelled or replaced meanwhile
    db.run(
        "UPDATE chargers SET security_profile = ?, updated_at = ? WHERE id = ?"
        " AND security_profile < ?",
        (target, db.ts(datetime.now(UTC)), charger_id, target),
    )
    drop_upgrade(db, charger_id)
    return True


async def admission(store: Store, charger_id: str, registered: int, presented: Presented) -> int:
    """The profile this connection is checked against (one store read only when the
    connection presents more than the registered profile needs)."""
    if registered >= 3 or not channel_reaches(registered + 1, presented):
        return registered
    target = await store.read(functools.partial(get_upgrade, charger_id=charger_id))
    return admission_profile(registered, target, presented)


async def confirm(store: Store, charger_id: str, profile: int, at: datetime) -> None:
    """The charger authenticated at the pending `profile`: raise its registration."""
    op = functools.partial(raise_profile, charger_id=charger_id, target=profile)
    if await store.write(op):
        log.warning(
            "%s: connected at security profile %d; registration raised", charger_id, profile
        )
        detail: dict[str, object] = {"profile": profile}
        await store.add_security_event(charger_id, "SecurityProfileRaised", detail, at)
