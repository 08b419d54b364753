//! The priced session as JSON text (decimals as strings, exact), for the binding layer.
//!
//! Written straight into a `String` (no intermediate `Value`): this runs once per priced
//! session and building a map per object cost more than the pricing itself.

use std::fmt::Write;

use rust_decimal::{Decimal, RoundingStrategy};

use super::money::OCPI_PLACES;
use super::price::{Line, Money, Period, Priced};
use super::tariff::{Dim, Tariff};

/// A JSON object/array writer that places the commas.
struct Out {
    text: String,
    fresh: bool,
}

impl Out {
    fn sep(&mut self) {
        if !self.fresh {
            self.text.push(',');
        }
        self.fresh = false;
    }

    fn key(&mut self, k: &str) {
        self.sep();
        self.text.push('"');
        self.text.push_str(k);
        self.text.push_str("\":");
        self.fresh = true;
    }

    fn open(&mut self, bracket: char) {
        self.sep();
        self.text.push(bracket);
        self.fresh = true;
    }

    fn close(&mut self, bracket: char) {
        self.text.push(bracket);
        self.fresh = false;
    }

    fn raw(&mut self, value: impl std::fmt::Display) {
        self.sep();
        write!(self.text, "{value}").expect("writing to a String");
    }

    fn string(&mut self, value: &str) {
        self.sep();
        self.text
            .push_str(&serde_json::Value::from(value).to_string());
    }

    fn dec(&mut self, d: Decimal) {
        self.sep();
        write!(self.text, "\"{}\"", d.normalize()).expect("writing to a String");
    }

    fn ocpi(&mut self, d: Decimal) {
        self.dec(d.round_dp_with_strategy(OCPI_PLACES, RoundingStrategy::MidpointAwayFromZero));
    }

    fn field_dec(&mut self, k: &str, d: Decimal) {
        self.key(k);
        self.dec(d);
    }

    fn money(&mut self, k: &str, m: Money, exact: bool) {
        self.key(k);
        self.open('{');
        for (name, value) in [("excl_vat", m.excl_vat), ("incl_vat", m.incl_vat)] {
            self.key(name);
            if exact {
                self.dec(value);
            } else {
                self.ocpi(value);
            }
        }
        self.close('}');
    }
}

fn hours(ms: i64) -> Decimal {
    Decimal::from(ms) / Decimal::from(3_600_000)
}

fn kwh(mwh: i64) -> Decimal {
    Decimal::new(mwh, 6)
}

fn period(o: &mut Out, p: &Period) {
    o.open('{');
    o.key("start_ms");
    o.raw(p.start_ms);
    o.key("end_ms");
    o.raw(p.end_ms);
    o.key("phase");
    o.string(p.phase.as_str());
    o.field_dec("energy_kwh", kwh(p.energy_mwh));
    o.field_dec("hours", hours(p.duration_ms()));
    o.key("power_kw");
    o.ocpi(p.power_kw);
    o.key("elements");
    o.open('{');
    for (dim, e) in Dim::ALL.iter().zip(p.elements) {
        if let Some(e) = e {
            o.key(dim.as_str());
            o.raw(e);
        }
    }
    o.close('}');
    o.close('}');
}

fn line(o: &mut Out, l: &Line) {
    let (quantity, unit) = match l.dim {
        Dim::Energy => (kwh(l.quantity), "kWh"),
        Dim::Time | Dim::Parking => (hours(l.quantity), "h"),
        Dim::Flat => (Decimal::ONE, "session"),
    };
    o.open('{');
    o.key("period");
    o.raw(l.period);
    o.key("type");
    o.string(l.dim.as_str());
    o.key("bucket");
    o.string(l.bucket.as_str());
    o.key("element");
    o.raw(l.element);
    o.field_dec("price", l.price);
    o.key("vat");
    match l.vat {
        Some(v) => o.dec(v),
        None => o.raw("null"),
    }
    o.field_dec("quantity", quantity);
    o.key("unit");
    o.string(unit);
    o.key("rounded_up");
    o.raw(l.rounded_up);
    o.field_dec("excl_vat", l.excl_vat);
    o.field_dec("incl_vat", l.incl_vat);
    o.close('}');
}

/// The priced session: periods, lines, OCPI totals (4 dp), the payable total and volumes.
pub fn to_json(tariff: &Tariff, p: &Priced) -> String {
    write_json(tariff, p, true)
}

/// Totals and volumes only (no periods, no lines): for bulk pricing.
pub fn totals_json(tariff: &Tariff, p: &Priced) -> String {
    write_json(tariff, p, false)
}

fn write_json(tariff: &Tariff, p: &Priced, detail: bool) -> String {
    let mut o = Out {
        text: String::with_capacity(4096),
        fresh: true,
    };
    o.open('{');
    o.key("tariff_id");
    o.string(&tariff.id);
    o.key("currency");
    o.string(&tariff.currency.code);
    if detail {
        o.key("periods");
        o.open('[');
        for x in &p.periods {
            period(&mut o, x);
        }
        o.close(']');
        o.key("lines");
        o.open('[');
        for x in &p.lines {
            line(&mut o, x);
        }
        o.close(']');
    }
    o.money("total_fixed_cost", p.fixed, false);
    o.money("total_energy_cost", p.energy, false);
    o.money("total_time_cost", p.time, false);
    o.money("total_parking_cost", p.parking, false);
    o.money("total_reservation_cost", p.reservation, false);
    o.money("total_cost_unrounded", p.total, true);
    o.money("total_cost", p.payable, true);
    o.key("min_price_applied");
    o.raw(p.min_price_applied);
    o.key("max_price_applied");
    o.raw(p.max_price_applied);
    o.field_dec("total_energy", kwh(p.energy_mwh));
    o.field_dec("total_time", hours(p.charging_ms + p.parking_ms));
    o.field_dec("total_parking_time", hours(p.parking_ms));
    o.field_dec("total_reservation_time", hours(p.reservation_ms));
    o.close('}');
    o.text
}
