//! 6 A admission: who charges this tick. Each admitted connector gets its lower bound
//! (≥ 6 A) in every row it loads; the rest are paused. Order: priority class, then
//! hysteresis tiers that keep charging EVs charging and rotate paused ones slowly.

use std::cmp::Ordering;

use super::complex::C64;
use super::demand::{Bounds, Demand, Settings};
use super::problem::Problem;

/// Tiers inside a priority class (lower first).
fn tier(d: &Demand, s: &Settings) -> u8 {
    let settled = d.state_age_s >= s.rotate_after_s;
    match (d.is_charging(), settled) {
        (true, false) => 0,  // charging, not yet due for rotation: keep
        (false, true) => 1,  // waited a full rotation period: may preempt tier 2
        (true, true) => 2,   // charged a full period: yields to tier 1
        (false, false) => 3, // just paused or just arrived: only if room is left
    }
}

fn order(a: &Demand, b: &Demand, s: &Settings) -> Ordering {
    let key = |d: &Demand| (d.priority, tier(d, s));
    key(a).cmp(&key(b)).then_with(|| {
        if a.is_charging() {
            a.state_age_s.total_cmp(&b.state_age_s) // the most recent starter stays
        } else {
            b.state_age_s.total_cmp(&a.state_age_s) // the longest waiter goes first
        }
    })
}

/// Admitted flags and the row values with every admitted connector at its lower bound.
pub fn admit(
    problem: &Problem,
    bounds: &[Option<Bounds>],
    demands: &[Demand],
    s: &Settings,
) -> (Vec<bool>, Vec<C64>) {
    let mut candidates: Vec<usize> = (0..demands.len())
        .filter(|&i| bounds[i].is_some())
        .collect();
    candidates.sort_by(|&a, &b| order(&demands[a], &demands[b], s).then(a.cmp(&b)));
    let mut values: Vec<C64> = problem.rows.iter().map(|r| r.base).collect();
    let mut admitted = vec![false; demands.len()];
    for i in candidates {
        let lb = bounds[i].expect("candidates have bounds").lb;
        let terms = problem.conn_terms(i);
        let fits = terms.iter().all(|t| {
            let row = &problem.rows[t.index as usize];
            row.fits(values[t.index as usize] + t.coeff.scale(lb))
        });
        if fits {
            admitted[i] = true;
            for t in terms {
                values[t.index as usize] += t.coeff.scale(lb);
            }
        }
    }
    (admitted, values)
}
