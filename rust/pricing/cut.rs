//! Segmentation: cut the session wherever a restriction could change its answer (segment
//! edges, local time-of-day and midnight boundaries, duration and kWh thresholds), so every
//! restriction is constant within a piece and can be evaluated at its start.

use chrono::{Duration, NaiveDate};

use super::clock::{crossing, local};
use super::session::Session;
use super::tariff::Tariff;

/// A piece of one segment between two cuts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    pub segment: usize,
    pub start_ms: i64,
    pub end_ms: i64,
    pub energy_mwh: i64,
    /// Session energy before this piece.
    pub cum_mwh: i64,
}

fn time_cuts(tariff: &Tariff, session: &Session, out: &mut Vec<i64>) {
    let mut minutes: Vec<u32> = vec![0];
    for e in &tariff.elements {
        let r = &e.restrictions;
        minutes.extend(r.start_min.iter().chain(r.end_min.iter()).map(|m| m % 1440));
    }
    minutes.sort_unstable();
    minutes.dedup();
    let first: NaiveDate = local(session.tz, session.segments[0].start_ms).date - Duration::days(1);
    let last = local(session.tz, session.end_ms()).date + Duration::days(1);
    let mut day = first;
    while day <= last {
        for &m in &minutes {
            let at = day.and_hms_opt(m / 60, m % 60, 0).expect("minutes < 1440");
            out.push(crossing(session.tz, at));
        }
        day += Duration::days(1);
    }
}

fn duration_cuts(tariff: &Tariff, session: &Session, out: &mut Vec<i64>) {
    let start = session.start_ms();
    for e in &tariff.elements {
        let r = &e.restrictions;
        out.extend(
            r.min_duration_s
                .iter()
                .chain(r.max_duration_s.iter())
                .map(|s| start + s * 1000),
        );
    }
}

/// kWh thresholds in mWh.
fn kwh_thresholds(tariff: &Tariff) -> Vec<i64> {
    let mut out: Vec<i64> = tariff
        .elements
        .iter()
        .flat_map(|e| [e.restrictions.min_kwh, e.restrictions.max_kwh])
        .flatten()
        .filter_map(|k| {
            i64::try_from(
                (k * rust_decimal::Decimal::from(1_000_000))
                    .ceil()
                    .mantissa(),
            )
            .ok()
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Cut instants inside `(start, end)`, sorted, without repeats (kWh cuts come later).
fn fixed_cuts(tariff: &Tariff, session: &Session) -> Vec<i64> {
    let mut cuts: Vec<i64> = session.segments.iter().map(|s| s.start_ms).collect();
    time_cuts(tariff, session, &mut cuts);
    duration_cuts(tariff, session, &mut cuts);
    let (start, end) = (session.segments[0].start_ms, session.end_ms());
    cuts.retain(|&t| t > start && t < end);
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// Energy flowed in `[s, t)` of a segment with `energy` over `[s, e)` (floor, exact at the end).
fn energy_until(energy: i64, s: i64, e: i64, t: i64) -> i64 {
    if t >= e || e <= s {
        return energy;
    }
    i64::try_from(i128::from(energy) * i128::from(t - s) / i128::from(e - s))
        .expect("part <= whole")
}

/// The instant within a segment at which session energy first reaches `threshold`.
fn kwh_crossing(energy: i64, s: i64, e: i64, need: i64) -> i64 {
    let num = i128::from(need) * i128::from(e - s);
    let den = i128::from(energy);
    s + i64::try_from((num + den - 1) / den).expect("inside the segment")
}

pub fn pieces(tariff: &Tariff, session: &Session) -> Vec<Piece> {
    let cuts = fixed_cuts(tariff, session);
    let thresholds = kwh_thresholds(tariff);
    let mut out = Vec::with_capacity(cuts.len() + session.segments.len());
    let mut cum = 0;
    for (i, seg) in session.segments.iter().enumerate() {
        let (s, e, energy) = (seg.start_ms, seg.end_ms, seg.energy_mwh);
        let mut inner: Vec<i64> = cuts.iter().copied().filter(|&t| t > s && t < e).collect();
        if energy > 0 {
            inner.extend(
                thresholds
                    .iter()
                    .filter(|&&k| k > cum && k < cum + energy)
                    .map(|&k| kwh_crossing(energy, s, e, k - cum))
                    .filter(|&t| t > s && t < e),
            );
            inner.sort_unstable();
            inner.dedup();
        }
        let mut at = s;
        let mut given = 0;
        for t in inner.into_iter().chain(std::iter::once(e)) {
            let upto = energy_until(energy, s, e, t);
            if t > at || out.is_empty() {
                out.push(Piece {
                    segment: i,
                    start_ms: at,
                    end_ms: t,
                    energy_mwh: upto - given,
                    cum_mwh: cum + given,
                });
            } else if let Some(last) = out.last_mut() {
                last.energy_mwh += upto - given; // an instantaneous segment joins the piece before
            }
            given = upto;
            at = t;
        }
        cum += energy;
    }
    out
}
