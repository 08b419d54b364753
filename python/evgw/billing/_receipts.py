"""Receipts (one per session, from its CDR) and monthly statements (per account), as JSON and
as printable HTML.

A receipt carries what NIST Handbook 44 §3.40 and NEVI (23 CFR 680.116) ask a charging
receipt to show: the energy delivered (kWh), the unit price per kWh, the time (start, end,
charging and parking duration), every other fee (session, time, parking) with its unit
price, the tax per rate, and the total; plus the station and port, the seller, a sequential
receipt number and the card payment when there was one. Lines are the CDR's priced lines
grouped by (component, unit price, VAT), rounded to the currency's minor unit; a min/max
price adjustment and a rounding line keep the sum equal to the CDR's payable total.
"""

from __future__ import annotations

import html
from collections import defaultdict
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from evgw._core import Tariff
from evgw.store import Db

from . import _issue as issue
from . import _payments as payments
from . import _tariffs as tariffs

_LABELS = {
    "ENERGY": "Energy",
    "FLAT": "Session fee",
    "TIME": "Charging time",
    "PARKING_TIME": "Parking time",
    "RESERVATION_TIME": "Reservation time",
}


def _unit(exponent: int) -> Decimal:
    return Decimal(1).scaleb(-exponent)


def _round(value: Decimal, exponent: int) -> Decimal:
    return value.quantize(_unit(exponent), rounding=ROUND_HALF_UP)


def _exponent(cdr: dict[str, Any]) -> int:
    """The currency's ISO 4217 exponent, as the engine knows it (from the frozen tariff)."""
    return Tariff(tariffs.canonical(cdr["tariffs"][0])).exponent


def _lines(cdr: dict[str, Any], exponent: int) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str, str | None, str], dict[str, Decimal]] = defaultdict(
        lambda: defaultdict(Decimal)
    )
    for line in cdr["evgw"]["lines"]:
        key = (line["type"], line["price"], line.get("vat"), line["unit"])
        g = groups[key]
        for field in ("quantity", "excl_vat", "incl_vat"):
            g[field] += Decimal(line[field])
    out = []
    for (kind, price, vat, unit), g in groups.items():
        if g["quantity"] == 0 and g["excl_vat"] == 0:
            continue
        out.append(
            {
                "description": _LABELS.get(kind, kind),
                "component": kind,
                "quantity": str(g["quantity"].quantize(Decimal("0.0001"))),
                "unit": unit,
                "unit_price_excl_vat": price,
                "vat_percent": vat,
                "amount_excl_vat": str(_round(g["excl_vat"], exponent)),
                "amount_incl_vat": str(_round(g["incl_vat"], exponent)),
                "_excl": g["excl_vat"],
                "_incl": g["incl_vat"],
            }
        )
    return out


def _taxes(lines: list[dict[str, Any]], exponent: int) -> list[dict[str, str]]:
    by_rate: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in lines:
        rate = line["vat_percent"] or "none"
        by_rate[rate][0] += line["_excl"]
        by_rate[rate][1] += line["_incl"] - line["_excl"]
    return [
        {
            "name": "VAT" if rate != "none" else "no VAT",
            "rate_percent": None if rate == "none" else rate,  # type: ignore[dict-item]
            "base": str(_round(base, exponent)),
            "amount": str(_round(tax, exponent)),
        }
        for rate, (base, tax) in sorted(by_rate.items())
    ]


def _adjustments(
    cdr: dict[str, Any], lines: list[dict[str, Any]], exponent: int
) -> list[dict[str, str]]:
    """Min/max price (unrounded totals vs the lines) and rounding (payable vs rounded lines)."""
    out = []
    unrounded = cdr["evgw"].get("total_cost_unrounded") or {}
    sum_excl = sum((line["_excl"] for line in lines), Decimal(0))
    sum_incl = sum((line["_incl"] for line in lines), Decimal(0))
    capped_excl = Decimal(str(unrounded.get("excl_vat", sum_excl)))
    capped_incl = Decimal(str(unrounded.get("incl_vat", sum_incl)))
    if capped_excl != sum_excl or capped_incl != sum_incl:
        out.append(
            {
                "description": "Minimum / maximum price adjustment",
                "amount_excl_vat": str(_round(capped_excl - sum_excl, exponent)),
                "amount_incl_vat": str(_round(capped_incl - sum_incl, exponent)),
            }
        )
    shown = sum((Decimal(line["amount_incl_vat"]) for line in lines), Decimal(0))
    shown += sum((Decimal(a["amount_incl_vat"]) for a in out), Decimal(0))
    total = Decimal(str(cdr["total_cost"]["incl_vat"]))
    if _round(total, exponent) != shown:
        diff = str(_round(total - shown, exponent))
        out.append({"description": "Rounding", "amount_excl_vat": "0", "amount_incl_vat": diff})
    return out


def _number(db: Db, tx_id: str, cdr_id: str) -> int:
    row = db.one("SELECT number FROM billing_receipts WHERE transaction_id = ?", (tx_id,))
    if row is None:
        db.run(
            "INSERT INTO billing_receipts (transaction_id, cdr_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (transaction_id) DO NOTHING",
            (tx_id, cdr_id, db.ts(datetime.now(UTC))),
        )
        row = db.one("SELECT number FROM billing_receipts WHERE transaction_id = ?", (tx_id,))
    assert row is not None
    return int(row[0])


def _payment(db: Db, tx_id: str) -> dict[str, Any] | None:
    row = db.one("SELECT id FROM billing_adhoc WHERE transaction_id = ?", (tx_id,))
    p = payments.get(db, row[0] if row else tx_id)
    if p is None:
        return None
    unit = _unit(p.exponent)
    return {
        "method": "card",
        "state": p.state,
        "reference": p.reference,
        "authorized": str(Decimal(p.held_minor) * unit),
        "captured": str(Decimal(p.captured_minor) * unit),
        "refunded": str(Decimal(p.refunded_minor) * unit),
    }


def receipt(db: Db, cdr_id: str) -> dict[str, Any] | None:
    """The receipt of a live CDR (numbered on first request, in sequence); None if unknown."""
    found = issue.get_cdr(db, cdr_id)
    if found is None or found["kind"] != "cdr":
        return None
    cdr = found["cdr"]
    exponent = _exponent(cdr)
    lines = _lines(cdr, exponent)
    energy = [line for line in lines if line["component"] == "ENERGY"]
    total_time = Decimal(str(cdr["total_time"]))
    parking = Decimal(str(cdr.get("total_parking_time", 0)))
    total = cdr["total_cost"]
    out = {
        "receipt_number": _number(db, found["transaction_id"], cdr_id),
        "issued_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seller": {"country_code": cdr["country_code"], "party_id": cdr["party_id"]},
        "cdr_id": cdr_id,
        "transaction_id": found["transaction_id"],
        "station_id": cdr["cdr_location"]["id"],
        "evse_id": cdr["cdr_location"]["evse_id"],
        "connector_id": cdr["cdr_location"]["connector_id"],
        "start": cdr["start_date_time"],
        "end": cdr["end_date_time"],
        "charging_hours": str((total_time - parking).quantize(Decimal("0.0001"))),
        "parking_hours": str(parking.quantize(Decimal("0.0001"))),
        "energy_kwh": str(Decimal(str(cdr["total_energy"])).quantize(Decimal("0.0001"))),
        "price_per_kwh_excl_vat": [line["unit_price_excl_vat"] for line in energy],
        "currency": cdr["currency"],
        "lines": [{k: v for k, v in line.items() if not k.startswith("_")} for line in lines],
        "adjustments": _adjustments(cdr, lines, exponent),
        "taxes": _taxes(lines, exponent),
        "total_excl_vat": str(_round(Decimal(str(total["excl_vat"])), exponent)),
        "total_incl_vat": str(_round(Decimal(str(total["incl_vat"])), exponent)),
        "tariff": {"id": cdr["tariffs"][0].get("id"), "sha256": cdr["evgw"]["tariff_sha256"]},
        "payment": _payment(db, found["transaction_id"]),
    }
    out["tax_total"] = str(
        _round(Decimal(out["total_incl_vat"]) - Decimal(out["total_excl_vat"]), exponent)
    )
    return out


def statement(db: Db, account: str, month: str) -> dict[str, Any]:
    """An account's CDRs and credit CDRs that ended in `month` (YYYY-MM, UTC), with totals per
    currency. The account owns tokens (`id_tokens.owner`)."""
    start = datetime.strptime(month, "%Y-%m").replace(tzinfo=UTC)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    tokens = [r[0] for r in db.all("SELECT id FROM id_tokens WHERE owner = ?", (account,))]
    items: list[dict[str, Any]] = []
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    if tokens:
        marks = ", ".join("?" for _ in tokens)
        rows = db.all(
            f"SELECT {issue.CDR_COLUMNS} FROM billing_cdrs c WHERE c.transaction_id IN "
            f"(SELECT id FROM transactions WHERE id_token IN ({marks})) "
            "ORDER BY created_at, id",
            tuple(tokens),
        )
        for r in rows:
            view = issue.cdr_view(db, r)
            cdr = view["cdr"]
            ended = datetime.fromisoformat(cdr["end_date_time"].replace("Z", "+00:00"))
            if not start <= ended < end:
                continue
            excl, incl = (Decimal(str(cdr["total_cost"][k])) for k in ("excl_vat", "incl_vat"))
            totals[cdr["currency"]][0] += excl
            totals[cdr["currency"]][1] += incl
            items.append(
                {
                    "cdr_id": view["id"],
                    "kind": view["kind"],
                    "transaction_id": view["transaction_id"],
                    "token": cdr["cdr_token"]["uid"],
                    "start": cdr["start_date_time"],
                    "end": cdr["end_date_time"],
                    "energy_kwh": str(cdr["total_energy"]),
                    "currency": cdr["currency"],
                    "total_excl_vat": str(excl),
                    "total_incl_vat": str(incl),
                }
            )
    return {
        "account": account,
        "month": month,
        "tokens": tokens,
        "items": items,
        "totals": [
            {"currency": c, "total_excl_vat": str(e), "total_incl_vat": str(i), "vat": str(i - e)}
            for c, (e, i) in sorted(totals.items())
        ],
    }


# -- HTML --------------------------------------------------------------------------------------

_STYLE = (
    "body{font-family:sans-serif;max-width:40em;margin:2em auto}"
    "table{width:100%;border-collapse:collapse}td,th{padding:.2em .4em;text-align:left}"
    "td.n,th.n{text-align:right}tr.total td{border-top:1px solid #000;font-weight:bold}"
    "@media print{body{margin:0}}"
)


def _page(title: str, body: str) -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def _row(*cells: object, cls: str = "") -> str:
    tds = "".join(
        f"<td class='n'>{html.escape(str(c))}</td>" if i else f"<td>{html.escape(str(c))}</td>"
        for i, c in enumerate(cells)
    )
    return f"<tr class='{cls}'>{tds}</tr>"


def receipt_html(r: dict[str, Any]) -> str:
    cur = r["currency"]
    facts = [
        ("Receipt number", r["receipt_number"]),
        ("Station / EVSE / connector", f"{r['station_id']} / {r['evse_id']} / {r['connector_id']}"),
        ("Start (UTC)", r["start"]),
        ("End (UTC)", r["end"]),
        ("Charging time (h)", r["charging_hours"]),
        ("Parking time (h)", r["parking_hours"]),
        ("Energy delivered (kWh)", r["energy_kwh"]),
        (
            "Price per kWh excl. VAT",
            ", ".join(f"{p} {cur}" for p in r["price_per_kwh_excl_vat"]) or "-",
        ),
    ]
    head = "<table>" + "".join(_row(k, v) for k, v in facts) + "</table>"
    rows = [
        _row(
            line["description"],
            f"{line['quantity']} {line['unit']}",
            f"{line['unit_price_excl_vat']} {cur}",
            f"{line['vat_percent'] or '-'} %",
            line["amount_excl_vat"],
            line["amount_incl_vat"],
        )
        for line in r["lines"]
    ]
    rows += [
        _row(a["description"], "", "", "", a["amount_excl_vat"], a["amount_incl_vat"])
        for a in r["adjustments"]
    ]
    rows += [
        _row(f"{t['name']} {t['rate_percent'] or ''} %", "", "", "", t["base"], t["amount"])
        for t in r["taxes"]
    ]
    rows.append(
        _row(f"Total ({cur})", "", "", "", r["total_excl_vat"], r["total_incl_vat"], cls="total")
    )
    table = (
        "<table><tr><th>Item</th><th class='n'>Quantity</th><th class='n'>Unit price</th>"
        "<th class='n'>VAT</th><th class='n'>Excl. VAT</th><th class='n'>Incl. VAT</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    pay = r.get("payment")
    paid = ""
    if pay:
        amount, state = html.escape(pay["captured"]), html.escape(pay["state"])
        paid = f"<p>Paid by card: {amount} {html.escape(cur)} ({state})</p>"
    return _page(f"Charging receipt {r['receipt_number']}", head + table + paid)


def statement_html(s: dict[str, Any]) -> str:
    rows = [
        _row(
            i["end"],
            i["cdr_id"] + (" (credit)" if i["kind"] == "credit" else ""),
            i["energy_kwh"],
            i["total_excl_vat"],
            i["total_incl_vat"],
        )
        for i in s["items"]
    ]
    rows += [
        _row(
            f"Total {t['currency']}", "", "", t["total_excl_vat"], t["total_incl_vat"], cls="total"
        )
        for t in s["totals"]
    ]
    table = (
        "<table><tr><th>Ended (UTC)</th><th class='n'>CDR</th><th class='n'>kWh</th>"
        "<th class='n'>Excl. VAT</th><th class='n'>Incl. VAT</th></tr>" + "".join(rows) + "</table>"
    )
    return _page(f"Statement {s['month']} for {s['account']}", table)
