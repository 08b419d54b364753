//! Which element prices a dimension at an instant: the first whose restrictions all hold and
//! that has a component of that dimension (per dimension, ocpi/ocpi#496).

use rust_decimal::Decimal;

use super::clock::Local;
use super::session::Phase;
use super::tariff::{Dim, Reservation, Restrictions, Tariff};

/// What the restrictions are evaluated against, at the start of a piece.
#[derive(Clone, Copy, Debug)]
pub struct Ctx {
    pub local: Local,
    pub cum_mwh: i64,
    pub since_start_ms: i64,
    pub power_kw: Decimal,
    pub current_a: Option<Decimal>,
    pub phase: Phase,
}

fn within_day(r: &Restrictions, ms_of_day: i64) -> bool {
    let at = |m: u32| i64::from(m) * 60_000;
    match (r.start_min, r.end_min) {
        (Some(s), Some(e)) if s < e => ms_of_day >= at(s) && ms_of_day < at(e),
        (Some(s), Some(e)) if s > e => ms_of_day >= at(s) || ms_of_day < at(e),
        (Some(_), Some(_)) | (None, None) => true, // equal bounds: the linter warns
        (Some(s), None) => ms_of_day >= at(s),
        (None, Some(e)) => ms_of_day < at(e),
    }
}

fn range<T: PartialOrd + Copy>(value: T, min: Option<T>, max: Option<T>) -> bool {
    min.is_none_or(|m| value >= m) && max.is_none_or(|m| value < m)
}

fn holds(r: &Restrictions, c: &Ctx) -> bool {
    let kwh = Decimal::new(c.cum_mwh, 6);
    within_day(r, c.local.ms_of_day)
        && (r.days == 0 || r.days & (1 << c.local.weekday) != 0)
        && r.start_date.is_none_or(|d| c.local.date >= d)
        && r.end_date.is_none_or(|d| c.local.date < d)
        && range(kwh, r.min_kwh, r.max_kwh)
        && range(c.power_kw, r.min_power, r.max_power)
        && c.current_a
            .is_none_or(|a| range(a, r.min_current, r.max_current))
        && range(
            c.since_start_ms,
            r.min_duration_s.map(|s| s * 1000),
            r.max_duration_s.map(|s| s * 1000),
        )
}

/// Does an element with this reservation restriction apply in this phase?
fn phase_fits(kind: Option<Reservation>, phase: Phase, want: Option<Reservation>) -> bool {
    match phase {
        Phase::Charging | Phase::Parking => kind.is_none(),
        Phase::Reservation | Phase::ReservationExpired => kind.is_some() && kind == want,
    }
}

/// The dimensions a phase can be billed in.
pub fn dims(phase: Phase) -> &'static [Dim] {
    match phase {
        Phase::Charging => &[Dim::Flat, Dim::Energy, Dim::Time],
        Phase::Parking => &[Dim::Flat, Dim::Energy, Dim::Parking],
        Phase::Reservation | Phase::ReservationExpired => &[Dim::Flat, Dim::Time],
    }
}

fn first(tariff: &Tariff, c: &Ctx, dim: Dim, want: Option<Reservation>) -> Option<usize> {
    tariff.elements.iter().position(|e| {
        phase_fits(e.restrictions.reservation, c.phase, want)
            && e.components.iter().any(|p| p.dim == dim)
            && holds(&e.restrictions, c)
    })
}

/// The element pricing `dim` now, if any (no match = free).
pub fn choose(tariff: &Tariff, c: &Ctx, dim: Dim) -> Option<usize> {
    match c.phase {
        Phase::Charging | Phase::Parking => first(tariff, c, dim, None),
        Phase::Reservation => first(tariff, c, dim, Some(Reservation::Reservation)),
        // An expired reservation: RESERVATION_EXPIRES elements first, then RESERVATION.
        Phase::ReservationExpired => first(tariff, c, dim, Some(Reservation::Expires))
            .or_else(|| first(tariff, c, dim, Some(Reservation::Reservation))),
    }
}
