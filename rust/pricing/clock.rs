//! Local wall time in the location's time zone, DST-correct, and the instants at which a
//! local "HH:MM" boundary is crossed.
//!
//! Policy for the repeated hour after a fall-back transition (ocpi/ocpi#534): a boundary is
//! crossed once, at its first occurrence. During the second pass the effective wall time is
//! held just before the end of the repeated hour, so `local(t)` never goes backwards. In a
//! spring-forward gap a boundary that does not exist locally is crossed when the gap ends.

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// Wall time as the restrictions see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Local {
    pub date: NaiveDate,
    /// Milliseconds after local midnight.
    pub ms_of_day: i64,
    /// 0 = Monday .. 6 = Sunday.
    pub weekday: u32,
}

fn utc_ms(dt: &DateTime<Tz>) -> i64 {
    dt.timestamp_millis()
}

fn naive_at(tz: Tz, ms: i64) -> NaiveDateTime {
    match tz.timestamp_millis_opt(ms) {
        LocalResult::Single(dt) | LocalResult::Ambiguous(dt, _) => dt.naive_local(),
        LocalResult::None => {
            DateTime::from_timestamp_millis(ms).map_or(NaiveDateTime::MIN, |d| d.naive_utc())
        }
    }
}

fn offset_ms(tz: Tz, ms: i64) -> i64 {
    let naive = naive_at(tz, ms);
    let utc = DateTime::from_timestamp_millis(ms).map_or(NaiveDateTime::MIN, |d| d.naive_utc());
    (naive - utc).num_milliseconds()
}

/// The effective local wall time at UTC instant `ms` (monotonic in `ms`).
pub fn effective_naive(tz: Tz, ms: i64) -> NaiveDateTime {
    let naive = naive_at(tz, ms);
    match tz.from_local_datetime(&naive) {
        LocalResult::Ambiguous(first, _) if utc_ms(&first) != ms => {
            fold_end(tz, utc_ms(&first), ms)
        }
        _ => naive,
    }
}

/// In the second pass of a repeated hour: just before the wall time at which it ends.
#[cold]
#[inline(never)]
fn fold_end(tz: Tz, first_ms: i64, now_ms: i64) -> NaiveDateTime {
    let old = offset_ms(tz, first_ms);
    let (mut lo, mut hi) = (first_ms, now_ms); // offset(lo) == old, offset(hi) != old
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if offset_ms(tz, mid) == old {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    naive_at(tz, lo)
}

pub fn local(tz: Tz, ms: i64) -> Local {
    let n = effective_naive(tz, ms);
    let midnight = n
        .date()
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists as a naive time");
    Local {
        date: n.date(),
        ms_of_day: (n - midnight).num_milliseconds(),
        weekday: n.weekday().num_days_from_monday(),
    }
}

/// The first UTC instant at which the effective wall time reaches `target`.
pub fn crossing(tz: Tz, target: NaiveDateTime) -> i64 {
    match tz.from_local_datetime(&target) {
        LocalResult::Single(dt) | LocalResult::Ambiguous(dt, _) => utc_ms(&dt),
        LocalResult::None => gap_end(tz, target),
    }
}

#[cold]
#[inline(never)]
fn gap_end(tz: Tz, target: NaiveDateTime) -> i64 {
    let guess = target.and_utc().timestamp_millis();
    let day = 86_400_000;
    let (mut lo, mut hi) = (guess - day, guess + day); // local(lo) < target <= local(hi)
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if effective_naive(tz, mid) >= target {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}
