//! The priced session as JSON (decimals as strings, exact), for the binding layer.

use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Map, Value};

use super::money::OCPI_PLACES;
use super::price::{Line, Money, Period, Priced};
use super::tariff::{Dim, Tariff};

fn dec(d: Decimal) -> Value {
    Value::String(d.normalize().to_string())
}

fn ocpi(d: Decimal) -> Value {
    dec(d.round_dp_with_strategy(OCPI_PLACES, RoundingStrategy::MidpointAwayFromZero))
}

fn money(m: Money) -> Value {
    json!({"excl_vat": ocpi(m.excl_vat), "incl_vat": ocpi(m.incl_vat)})
}

fn hours(ms: i64) -> Decimal {
    Decimal::from(ms) / Decimal::from(3_600_000)
}

fn kwh(mwh: i64) -> Decimal {
    Decimal::new(mwh, 6)
}

fn period(p: &Period) -> Value {
    let mut elements = Map::new();
    for (dim, e) in Dim::ALL.iter().zip(p.elements) {
        if let Some(e) = e {
            elements.insert(dim.as_str().into(), json!(e));
        }
    }
    json!({
        "start_ms": p.start_ms,
        "end_ms": p.end_ms,
        "phase": p.phase.as_str(),
        "energy_kwh": dec(kwh(p.energy_mwh)),
        "hours": dec(hours(p.duration_ms())),
        "power_kw": ocpi(p.power_kw),
        "elements": elements,
    })
}

fn line(l: &Line) -> Value {
    let (quantity, unit) = match l.dim {
        Dim::Energy => (kwh(l.quantity), "kWh"),
        Dim::Time | Dim::Parking => (hours(l.quantity), "h"),
        Dim::Flat => (Decimal::ONE, "session"),
    };
    json!({
        "period": l.period,
        "type": l.dim.as_str(),
        "bucket": format!("{:?}", l.bucket).to_lowercase(),
        "element": l.element,
        "price": dec(l.price),
        "vat": l.vat.map(dec),
        "quantity": dec(quantity),
        "unit": unit,
        "rounded_up": l.rounded_up,
        "excl_vat": dec(l.excl_vat),
        "incl_vat": dec(l.incl_vat),
    })
}

pub fn to_json(tariff: &Tariff, p: &Priced) -> Value {
    json!({
        "tariff_id": tariff.id,
        "currency": tariff.currency.code,
        "periods": p.periods.iter().map(period).collect::<Vec<_>>(),
        "lines": p.lines.iter().map(line).collect::<Vec<_>>(),
        "total_fixed_cost": money(p.fixed),
        "total_energy_cost": money(p.energy),
        "total_time_cost": money(p.time),
        "total_parking_cost": money(p.parking),
        "total_reservation_cost": money(p.reservation),
        "total_cost_unrounded": {"excl_vat": dec(p.total.excl_vat), "incl_vat": dec(p.total.incl_vat)},
        "total_cost": {"excl_vat": dec(p.payable.excl_vat), "incl_vat": dec(p.payable.incl_vat)},
        "min_price_applied": p.min_price_applied,
        "max_price_applied": p.max_price_applied,
        "total_energy": dec(kwh(p.energy_mwh)),
        "total_time": dec(hours(p.charging_ms + p.parking_ms)),
        "total_parking_time": dec(hours(p.parking_ms)),
        "total_reservation_time": dec(hours(p.reservation_ms)),
    })
}
