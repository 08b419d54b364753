"""Firmware campaigns in the store: the campaign with its spec, one row per targeted charger
(wave 0 = the canaries), target selection over the registered chargers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs

from evgw.store import Db

from ._firmware import Image, TargetState


@attrs.frozen
class Window:
    start: datetime
    end: datetime

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end


@attrs.frozen
class CampaignSpec:
    site_id: str | None = None
    current_version: str | None = None
    charger_ids: tuple[str, ...] = ()
    canary: int = 1
    wave_size: int = 10
    failure_threshold: float = 0.2
    min_decided: int = 3
    windows: tuple[Window, ...] = ()
    download_timeout_s: float = 3600.0
    install_timeout_s: float = 1800.0
    boot_timeout_s: float = 900.0

    def to_json(self) -> str:
        data = attrs.asdict(self, recurse=False)
        data["charger_ids"] = list(self.charger_ids)
        data["windows"] = [[w.start.isoformat(), w.end.isoformat()] for w in self.windows]
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> CampaignSpec:
        data = json.loads(text)
        data["charger_ids"] = tuple(data["charger_ids"])
        data["windows"] = tuple(
            Window(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in data["windows"]
        )
        return cls(**data)


@attrs.define
class Target:
    charger_id: str
    wave: int
    state: str
    request_id: int
    history: list[dict[str, Any]] = attrs.field(factory=list)
    deadline: float | None = None  # trio time; re-armed from the stage after a restart


@attrs.define
class Campaign:
    id: str
    name: str
    image: Image
    state: str  # running, paused, halted, aborted, completed
    spec: CampaignSpec
    targets: dict[str, Target]
    reason: str | None
    created_by: str
    created_at: datetime


def select_targets(db: Db, image: Image, spec: CampaignSpec) -> list[str]:
    """Registered chargers of the image's vendor and model, narrowed by site, current version
    and ids, that do not run the image's version already."""
    sql = (
        "SELECT id FROM chargers WHERE vendor = ? AND model = ?"
        " AND (firmware_version IS NULL OR firmware_version <> ?)"
    )
    params: list[Any] = [image.vendor, image.model, image.version]
    if spec.site_id is not None:
        sql += " AND site_id = ?"
        params.append(spec.site_id)
    if spec.current_version is not None:
        sql += " AND firmware_version = ?"
        params.append(spec.current_version)
    ids = [str(r[0]) for r in db.all(sql + " ORDER BY id", params)]
    if spec.charger_ids:
        wanted = set(spec.charger_ids)
        ids = [i for i in ids if i in wanted]
    return ids


def plan_waves(charger_ids: Sequence[str], canary: int, wave_size: int) -> list[tuple[str, int]]:
    """(charger, wave): the first `canary` chargers are wave 0, then waves of `wave_size`."""
    out = [(cid, 0) for cid in charger_ids[:canary]]
    rest = charger_ids[canary:]
    out += [(cid, 1 + i // wave_size) for i, cid in enumerate(rest)]
    return out


def insert_campaign(db: Db, c: Campaign) -> None:
    now = db.ts(c.created_at)
    db.run(
        "INSERT INTO mnt_campaigns (id, name, image_id, state, spec, reason, created_by,"
        " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
        (c.id, c.name, c.image.id, c.state, c.spec.to_json(), c.reason, c.created_by, now, now),
    )
    db.many(
        "INSERT INTO mnt_campaign_targets (campaign_id, charger_id, wave, state, detail,"
        " request_id, updated_at) VALUES (?,?,?,?,?,?,?)",
        [
            (c.id, t.charger_id, t.wave, t.state, "[]", t.request_id, now)
            for t in c.targets.values()
        ],
    )


def save_campaign_state(db: Db, c: Campaign, now: datetime) -> None:
    db.run(
        "UPDATE mnt_campaigns SET state = ?, reason = ?, updated_at = ? WHERE id = ?",
        (c.state, c.reason, db.ts(now), c.id),
    )


def save_targets(db: Db, campaign_id: str, targets: Sequence[Target], now: datetime) -> None:
    db.many(
        "UPDATE mnt_campaign_targets SET state = ?, detail = ?, updated_at = ?"
        " WHERE campaign_id = ? AND charger_id = ?",
        [
            (t.state, json.dumps(t.history[-50:]), db.ts(now), campaign_id, t.charger_id)
            for t in targets
        ],
    )


def load_campaigns(
    db: Db, images: dict[str, Image], campaign_id: str | None = None
) -> list[Campaign]:
    sql = (
        "SELECT id, name, image_id, state, spec, reason, created_by, created_at FROM mnt_campaigns"
    )
    params: tuple[Any, ...] = ()
    if campaign_id is not None:
        sql += " WHERE id = ?"
        params = (campaign_id,)
    out = []
    for row in db.all(sql + " ORDER BY created_at, id", params):
        image = images.get(str(row[2]))
        created = db.dt(row[7])
        if image is None or created is None:
            continue
        targets = {
            str(t[0]): Target(str(t[0]), int(t[1]), str(t[2]), int(t[4]), json.loads(t[3]))
            for t in db.all(
                "SELECT charger_id, wave, state, detail, request_id FROM mnt_campaign_targets"
                " WHERE campaign_id = ? ORDER BY wave, charger_id",
                (row[0],),
            )
        }
        spec = CampaignSpec.from_json(str(row[4]))
        out.append(
            Campaign(
                str(row[0]),
                str(row[1]),
                image,
                str(row[3]),
                spec,
                targets,
                row[5],
                str(row[6]),
                created,
            )
        )
    return out


def counts(c: Campaign) -> dict[str, int]:
    tally: dict[str, int] = {}
    for t in c.targets.values():
        key = t.state if t.state in {s.value for s in TargetState} else "in_progress"
        tally[key] = tally.get(key, 0) + 1
    return tally
