"""Store operations of billing: the tariff snapshot at start and the CDR issued exactly once.

Exactly once lives in the database: a unique index on (transaction, kind, pricing version)
and INSERT ... ON CONFLICT DO NOTHING, so duplicate stops, replays, restarts and several nodes
all end with one CDR. Everything is derived from the store (transactions, meter samples), not
from events.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

import attrs

from evgw._core import Tariff
from evgw.store import Db

from . import _ledger as ledger
from . import _metrics as metrics
from . import _ocmf as ocmf
from . import _tariffs as tariffs
from ._cdr import PricedSession, Snapshot, build, rfc3339
from ._config import BillingConfig
from ._metering import HOLDING_FLAGS, TxFacts, load_samples, meter

_TX_COLUMNS = (
    "id, charger_id, evse_id, connector_id, id_token, meter_start_wh, meter_stop_wh, "
    "started_at, stopped_at, status"
)


def load_tx(db: Db, tx_id: str) -> TxFacts | None:
    r = db.one(f"SELECT {_TX_COLUMNS} FROM transactions WHERE id = ?", (tx_id,))
    if r is None or r[7] is None:
        return None
    started = db.dt(r[7])
    assert started is not None
    return TxFacts(r[0], r[1], int(r[2]), int(r[3]), r[4], r[5], r[6], started, db.dt(r[8]), r[9])


def _place(db: Db, tx: TxFacts) -> tuple[tariffs.Place, str | None]:
    site = db.one("SELECT site_id FROM chargers WHERE id = ?", (tx.charger_id,))
    group = db.one("SELECT group_id FROM id_tokens WHERE id = ?", (tx.id_token,))
    site_id = None if site is None else site[0]
    place = tariffs.Place(
        tx.charger_id, tx.evse_id, tx.connector_id, site_id, None if group is None else group[0]
    )
    return place, site_id


def snapshot(db: Db, cfg: BillingConfig, tx_id: str, *, late: bool = False) -> Snapshot | None:
    """Freeze the tariff for a session (once); answer the frozen one."""
    found = read_snapshot(db, tx_id)
    if found is not None:
        return found
    tx = load_tx(db, tx_id)
    if tx is None:
        return None
    place, site_id = _place(db, tx)
    tz = cfg.site_time_zones.get(site_id or "", cfg.time_zone)
    t = tariffs.resolve(db, place)
    db.run(
        "INSERT INTO billing_sessions (transaction_id, tariff_id, tariff_version, tariff_sha256, "
        "tariff_body, time_zone, late_snapshot, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (transaction_id) DO NOTHING",
        (
            *(tx_id, None if t is None else t.id, None if t is None else t.version),
            *(None if t is None else t.sha256, None if t is None else tariffs.canonical(t.body)),
            *(tz, int(late), db.ts(datetime.now(UTC))),
        ),
    )
    return read_snapshot(db, tx_id)


def read_snapshot(db: Db, tx_id: str) -> Snapshot | None:
    r = db.one(
        "SELECT tariff_id, tariff_version, tariff_sha256, tariff_body, time_zone, late_snapshot "
        "FROM billing_sessions WHERE transaction_id = ?",
        (tx_id,),
    )
    if r is None or r[0] is None:
        return None
    return Snapshot(r[0], int(r[1]), r[2], json.loads(r[3]), r[4], bool(r[5]))


def hold(db: Db, tx_id: str, reason: str, detail: dict[str, Any]) -> None:
    db.run(
        "INSERT INTO billing_holds (transaction_id, reason, detail, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (transaction_id) DO NOTHING",
        (tx_id, reason, json.dumps(detail, sort_keys=True), db.ts(datetime.now(UTC))),
    )


def price_tx(
    db: Db,
    cfg: BillingConfig,
    tx: TxFacts,
    now: datetime,
    *,
    final: bool,
    snapshot: Snapshot | None = None,
    idle_tail_parking: bool = True,
) -> PricedSession | None:
    """Price a session from the store (None when it has no tariff). Running (not final): the
    session as of `now`, from the samples up to it."""
    snap = snapshot or read_snapshot(db, tx.id)
    if snap is None:
        return None
    started = time.perf_counter()
    until = tx.stopped_at or now
    samples = [s for s in load_samples(db, tx, until) if final or s.ts <= now]
    metered = meter(tx, samples, now, cfg.max_power_w, idle_tail_parking=idle_tail_parking)
    tariff = Tariff(tariffs.canonical(snap.body))
    text = tariff.price(snap.time_zone, list(metered.segments), final_=final, rounding=cfg.rounding)
    kind = "final" if final else "running"
    metrics.PRICING_SECONDS.labels(kind).observe(time.perf_counter() - started)
    return PricedSession(snap, metered, json.loads(text), tariff.exponent)


def issue(db: Db, cfg: BillingConfig, tx_id: str) -> str:
    """Issue the session's CDR once. Answers issued | exists | held | not_billable."""
    if db.one("SELECT 1 FROM billing_cdrs WHERE transaction_id = ? AND kind = 'cdr'", (tx_id,)):
        return "exists"
    tx = load_tx(db, tx_id)
    if tx is None or tx.status != "completed":
        return "not_billable"
    if tx.stopped_at is None:
        hold(db, tx_id, "no_stop_time", {})
        return "held"
    now = datetime.now(UTC)
    if snapshot(db, cfg, tx_id, late=True) is None:
        hold(db, tx_id, "no_tariff", {})
        return "held"
    p = price_tx(db, cfg, tx, now, final=True)
    assert p is not None
    released = released_reason(db, tx_id)
    verdict = ocmf.check_session([s.value for s in p.metered.signed], meter_keys(db))
    if released is None and _held_for_review(db, tx_id, p, verdict):
        return "held"
    body = build(cfg, tx_id, tx, p)
    body["evgw"]["signed_data_check"] = verdict.status
    if released is not None:
        body["evgw"]["released"] = released
    return _insert(db, tx_id, body, kind="cdr", version=1, credit_of=None)


def _held_for_review(db: Db, tx_id: str, p: PricedSession, verdict: ocmf.Verdict) -> bool:
    """Meter flags or a failed signature check hold the session from automatic billing."""
    holding = sorted(HOLDING_FLAGS.intersection(p.metered.flags))
    if holding:
        hold(db, tx_id, "meter", {"flags": holding})
        return True
    if verdict.status == "failed":
        hold(db, tx_id, "signature", {"problems": list(verdict.problems)})
        return True
    return False


def meter_keys(db: Db) -> dict[str, str]:
    """Meter serial -> public key (PEM or hex/base64 DER), for OCMF checks."""
    return {r[0]: r[1] for r in db.all("SELECT meter_serial, public_key FROM billing_meter_keys")}


def put_meter_key(db: Db, serial: str, public_key: str) -> None:
    db.run(
        "INSERT INTO billing_meter_keys (meter_serial, public_key, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (meter_serial) DO UPDATE SET public_key = excluded.public_key, "
        "updated_at = excluded.updated_at",
        (serial, public_key, db.ts(datetime.now(UTC))),
    )


def released_reason(db: Db, tx_id: str) -> str | None:
    r = db.one("SELECT reason FROM billing_releases WHERE transaction_id = ?", (tx_id,))
    return None if r is None else str(r[0])


def release(db: Db, tx_id: str, reason: str) -> bool:
    """Release a held session for billing (the next sweep issues its CDR, the hold's reason
    overridden and the release noted in the CDR). False when it is not held."""
    if db.one("SELECT 1 FROM billing_holds WHERE transaction_id = ?", (tx_id,)) is None:
        return False
    db.run(
        "INSERT INTO billing_releases (transaction_id, reason, released_at) VALUES (?, ?, ?) "
        "ON CONFLICT (transaction_id) DO NOTHING",
        (tx_id, reason, db.ts(datetime.now(UTC))),
    )
    db.run("DELETE FROM billing_holds WHERE transaction_id = ?", (tx_id,))
    return True


def _insert(
    db: Db, tx_id: str, body: dict[str, Any], *, kind: str, version: int, credit_of: str | None
) -> str:
    text = tariffs.canonical(body)
    total = body["total_cost"]
    row = db.one(
        "INSERT INTO billing_cdrs (id, transaction_id, kind, pricing_version, credit_of, currency, "
        "total_excl_vat, total_incl_vat, body, sha256, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (transaction_id, kind, pricing_version) DO NOTHING RETURNING id",
        (
            *(body["id"], tx_id, kind, version, credit_of, body["currency"]),
            *(str(total["excl_vat"]), str(total["incl_vat"]), text, tariffs.sha256(text)),
            db.ts(datetime.now(UTC)),
        ),
    )
    if row is None:
        return "exists"
    ledger.post_cdr(db, body)  # a credit CDR's totals are negative: it posts the reversal
    return "issued"


def _negate(m: dict[str, float]) -> dict[str, float]:
    return {k: -v for k, v in m.items()}


def credit_body(original: dict[str, Any], credit_id: str) -> dict[str, Any]:
    """All the original's data, totals negated, credit=true (OCPI 2.2.1 credit CDR)."""
    body = {**original, "id": credit_id, "credit": True, "credit_reference_id": original["id"]}
    for k, v in original.items():
        if k.startswith("total_") and k.endswith("_cost"):
            body[k] = _negate(v)
    body["last_updated"] = rfc3339(datetime.now(UTC))
    return body


class CorrectionRefused(Exception):
    pass


class CdrNotFound(CorrectionRefused):
    pass


def _live(db: Db, cdr_id: str) -> tuple[str, int, dict[str, Any]]:
    r = db.one(
        "SELECT transaction_id, pricing_version, body FROM billing_cdrs "
        "WHERE id = ? AND kind = 'cdr'",
        (cdr_id,),
    )
    if r is None:
        raise CdrNotFound(f"no CDR {cdr_id!r}")
    tx_id, version = r[0], int(r[1])
    later = db.one(
        "SELECT 1 FROM billing_cdrs WHERE transaction_id = ? AND (pricing_version > ? "
        "OR (kind = 'credit' AND pricing_version = ?))",
        (tx_id, version, version),
    )
    if later:
        raise CorrectionRefused(f"CDR {cdr_id!r} was already corrected")
    return tx_id, version, json.loads(r[2])


def correct(
    db: Db, cfg: BillingConfig, cdr_id: str, tariff_body: dict[str, Any] | None
) -> tuple[str, str]:
    """Credit the CDR and issue a repriced one (from the store, with `tariff_body` when the
    frozen tariff itself was wrong). Never edits a CDR in place. Answers (credit, new) ids."""
    tx_id, version, original = _live(db, cdr_id)
    tx = load_tx(db, tx_id)
    snap = read_snapshot(db, tx_id)
    if tx is None or snap is None:
        raise CorrectionRefused(f"transaction {tx_id!r} cannot be repriced")
    if tariff_body is not None:
        text = tariffs.canonical({**tariff_body, "id": snap.tariff_id})
        snap = attrs.evolve(snap, body=json.loads(text), sha256=tariffs.sha256(text))
    p = price_tx(db, cfg, tx, datetime.now(UTC), final=True, snapshot=snap)
    assert p is not None
    credit_id, new_id = f"{cdr_id}-C", f"{tx_id}-{version + 1}"
    _insert(
        db,
        tx_id,
        credit_body(original, credit_id),
        kind="credit",
        version=version,
        credit_of=cdr_id,
    )
    _insert(db, tx_id, build(cfg, new_id, tx, p), kind="cdr", version=version + 1, credit_of=None)
    return credit_id, new_id


def unbilled(db: Db, limit: int = 200) -> list[str]:
    """Completed sessions with neither a CDR nor a hold."""
    rows = db.all(
        "SELECT t.id FROM transactions t WHERE t.status = 'completed' AND NOT EXISTS "
        "(SELECT 1 FROM billing_cdrs c WHERE c.transaction_id = t.id AND c.kind = 'cdr') "
        "AND NOT EXISTS (SELECT 1 FROM billing_holds h WHERE h.transaction_id = t.id) "
        "ORDER BY t.stopped_at LIMIT ?",
        (limit,),
    )
    return [r[0] for r in rows]


def unsnapshotted(db: Db, limit: int = 200) -> list[str]:
    rows = db.all(
        "SELECT t.id FROM transactions t WHERE t.status = 'active' AND NOT EXISTS "
        "(SELECT 1 FROM billing_sessions s WHERE s.transaction_id = t.id) LIMIT ?",
        (limit,),
    )
    return [r[0] for r in rows]


CDR_COLUMNS = "id, transaction_id, kind, pricing_version, credit_of, body, sha256, created_at"


def cdr_view(db: Db, r: tuple[Any, ...]) -> dict[str, Any]:
    created = db.dt(r[7])
    assert created is not None
    return {
        "id": r[0],
        "transaction_id": r[1],
        "kind": r[2],
        "pricing_version": int(r[3]),
        "credit_of": r[4],
        "sha256": r[6],
        "created_at": created.isoformat(),
        "cdr": json.loads(r[5]),
    }


def list_cdrs(db: Db, limit: int, offset: int) -> list[dict[str, Any]]:
    rows = db.all(
        f"SELECT {CDR_COLUMNS} FROM billing_cdrs ORDER BY created_at, id LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return [cdr_view(db, r) for r in rows]


def get_cdr(db: Db, cdr_id: str) -> dict[str, Any] | None:
    r = db.one(f"SELECT {CDR_COLUMNS} FROM billing_cdrs WHERE id = ?", (cdr_id,))
    return None if r is None else cdr_view(db, r)


def cdrs_of(db: Db, tx_id: str) -> list[dict[str, Any]]:
    rows = db.all(
        f"SELECT {CDR_COLUMNS} FROM billing_cdrs WHERE transaction_id = ? ORDER BY created_at, id",
        (tx_id,),
    )
    return [cdr_view(db, r) for r in rows]


def holds(db: Db, limit: int, offset: int) -> list[dict[str, Any]]:
    rows = db.all(
        "SELECT transaction_id, reason, detail, created_at FROM billing_holds "
        "ORDER BY created_at, transaction_id LIMIT ? OFFSET ?",
        (limit, offset),
    )
    return [
        {
            "transaction_id": r[0],
            "reason": r[1],
            "detail": json.loads(r[2]),
            "created_at": str(db.dt(r[3])),
        }
        for r in rows
    ]
