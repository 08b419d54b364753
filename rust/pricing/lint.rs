//! The tariff linter, run on save: errors reject the tariff, warnings are reported.

use rust_decimal::Decimal;

use super::tariff::{Dim, Element, Restrictions, Tariff};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub code: &'static str,
    pub path: String,
    pub message: String,
}

struct Out(Vec<Finding>);

impl Out {
    fn error(&mut self, code: &'static str, path: String, message: String) {
        self.0.push(Finding {
            severity: Severity::Error,
            code,
            path,
            message,
        });
    }

    fn warn(&mut self, code: &'static str, path: String, message: String) {
        self.0.push(Finding {
            severity: Severity::Warning,
            code,
            path,
            message,
        });
    }
}

const WEEK_MIN: usize = 7 * 1440;

fn contradictions(r: &Restrictions, at: &str, out: &mut Out) {
    let mut pair = |name: &str, min: Option<Decimal>, max: Option<Decimal>| {
        if let (Some(a), Some(b)) = (min, max) {
            if a >= b {
                out.error(
                    "contradictory_restriction",
                    format!("{at}/restrictions"),
                    format!("min_{name} {a} >= max_{name} {b}: never holds"),
                );
            }
        }
    };
    pair("kwh", r.min_kwh, r.max_kwh);
    pair("current", r.min_current, r.max_current);
    pair("power", r.min_power, r.max_power);
    pair(
        "duration",
        r.min_duration_s.map(Decimal::from),
        r.max_duration_s.map(Decimal::from),
    );
    if let (Some(s), Some(e)) = (r.start_date, r.end_date) {
        if s >= e {
            out.error(
                "contradictory_restriction",
                format!("{at}/restrictions"),
                format!("start_date {s} >= end_date {e}: never holds"),
            );
        }
    }
    if let (Some(s), Some(e)) = (r.start_min, r.end_min) {
        if s == e % 1440 {
            out.error(
                "contradictory_restriction",
                format!("{at}/restrictions"),
                "start_time equals end_time: ambiguous (never or always)".into(),
            );
        } else if e < s && r.days != 0 {
            out.warn("wrap_with_weekdays", format!("{at}/restrictions"), "time window wraps past midnight with day_of_week: the weekday is the local date at each instant".into());
        }
    }
}

fn components(e: &Element, at: &str, out: &mut Out) {
    for (i, c) in e.components.iter().enumerate() {
        let path = format!("{at}/price_components/{i}");
        if e.components[..i].iter().any(|o| o.dim == c.dim) {
            out.error(
                "duplicate_dimension",
                path.clone(),
                format!("two {} components in one element", c.dim.as_str()),
            );
        }
        if c.step_size == 0 && c.dim != Dim::Flat {
            if c.price > Decimal::ZERO {
                out.error(
                    "step_size_zero",
                    format!("{path}/step_size"),
                    "step_size 0 with a non-zero price: use 1".into(),
                );
            } else {
                out.warn(
                    "step_size_zero",
                    format!("{path}/step_size"),
                    "step_size 0: read as 1 (no rounding)".into(),
                );
            }
        }
        if e.restrictions.reservation.is_some() && !matches!(c.dim, Dim::Flat | Dim::Time) {
            out.error(
                "reservation_dimension",
                path,
                "a reservation element prices FLAT and TIME only".into(),
            );
        }
    }
}

/// Only time-of-day and weekday restrictions: the elements whose weekly coverage we can map.
fn weekly_only(r: &Restrictions) -> bool {
    r == &Restrictions {
        start_min: r.start_min,
        end_min: r.end_min,
        days: r.days,
        ..Restrictions::default()
    }
}

fn covers(r: &Restrictions, minute_of_week: usize) -> bool {
    let (day, m) = (
        minute_of_week / 1440,
        u32::try_from(minute_of_week % 1440).expect("< 1440"),
    );
    let day_ok = r.days == 0 || r.days & (1 << day) != 0;
    let time_ok = match (r.start_min, r.end_min) {
        (Some(s), Some(e)) if s < e => m >= s && m < e,
        (Some(s), Some(e)) if s > e => m >= s || m < e,
        (Some(s), None) => m >= s,
        (None, Some(e)) => m < e,
        _ => true,
    };
    day_ok && time_ok
}

fn coverage(t: &Tariff, dim: Dim, out: &mut Out) {
    let elements: Vec<(usize, &Element)> = t
        .elements
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            e.restrictions.reservation.is_none() && e.components.iter().any(|c| c.dim == dim)
        })
        .collect();
    if elements.is_empty()
        || elements
            .iter()
            .any(|(_, e)| e.restrictions == Restrictions::default())
    {
        return;
    }
    out.warn(
        "no_default_element",
        "/elements".into(),
        format!(
            "no unrestricted element for {}: it is free whenever no element matches",
            dim.as_str()
        ),
    );
    let weekly: Vec<&(usize, &Element)> = elements
        .iter()
        .filter(|(_, e)| weekly_only(&e.restrictions))
        .collect();
    if weekly.len() != elements.len() {
        return; // other restrictions (power, kWh, ...): coverage is not a weekly map
    }
    let mut count = vec![0_u8; WEEK_MIN];
    for (_, e) in &weekly {
        for (m, c) in count.iter_mut().enumerate() {
            *c += u8::from(covers(&e.restrictions, m));
        }
    }
    if let Some(m) = count.iter().position(|&c| c == 0) {
        out.warn(
            "gap",
            "/elements".into(),
            format!(
                "{} has no price on day {} at {:02}:{:02} (free)",
                dim.as_str(),
                m / 1440 + 1,
                m % 1440 / 60,
                m % 60
            ),
        );
    }
    if let Some(m) = count.iter().position(|&c| c > 1) {
        out.warn(
            "overlap",
            "/elements".into(),
            format!(
                "{} elements overlap on day {} at {:02}:{:02}: the first one wins",
                dim.as_str(),
                m / 1440 + 1,
                m % 1440 / 60,
                m % 60
            ),
        );
    }
}

pub fn lint(t: &Tariff) -> Vec<Finding> {
    let mut out = Out(Vec::new());
    for (i, e) in t.elements.iter().enumerate() {
        let at = format!("/elements/{i}");
        components(e, &at, &mut out);
        contradictions(&e.restrictions, &at, &mut out);
    }
    for dim in [Dim::Energy, Dim::Time, Dim::Parking, Dim::Flat] {
        coverage(t, dim, &mut out);
    }
    if let (Some(min), Some(max)) = (&t.min_price, &t.max_price) {
        if min.excl_vat > max.excl_vat {
            out.error(
                "contradictory_price",
                "/min_price".into(),
                "min_price is above max_price".into(),
            );
        }
    }
    out.0
}
