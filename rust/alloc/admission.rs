//! 6 A admission: who charges this tick. Each admitted connector gets its lower bound
//! (≥ 6 A) in every row it loads; the rest are paused. Order: priority class, then
//! hysteresis tiers that keep charging EVs charging and rotate paused ones slowly.

use super::complex::C64;
use super::demand::{Bounds, Demand, Settings};
use super::problem::Rows;

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

/// Sort key: priority class, tier, then within a tier the most recent starter stays
/// (charging) and the longest waiter goes first (paused); the index breaks ties.
fn key(d: &Demand, s: &Settings, i: usize) -> (u16, f64, u32) {
    let class = u16::from(d.priority) << 8 | u16::from(tier(d, s));
    let age = if d.is_charging() {
        d.state_age_s
    } else {
        -d.state_age_s
    };
    (
        class,
        age,
        u32::try_from(i).expect("fewer than 2^32 connectors"),
    )
}

/// Admitted flags and the row values with every admitted connector at its lower bound.
pub fn admit(
    problem: &impl Rows,
    bounds: &[Option<Bounds>],
    demands: &[Demand],
    s: &Settings,
) -> (Vec<bool>, Vec<C64>) {
    let mut keyed: Vec<(u16, f64, u32)> = (0..demands.len())
        .filter(|&i| bounds[i].is_some())
        .map(|i| key(&demands[i], s, i))
        .collect();
    keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
    let candidates = keyed.iter().map(|k| k.2 as usize);
    let rows = problem.rows();
    let mut values: Vec<C64> = rows.iter().map(|r| r.base).collect();
    let mut admitted = vec![false; demands.len()];
    for i in candidates {
        let lb = bounds[i].expect("candidates have bounds").lb;
        if problem.conn_all(i, |r, c| rows[r].fits(values[r] + c.scale(lb))) {
            admitted[i] = true;
            problem.conn_each(i, |r, c| values[r] += c.scale(lb));
        }
    }
    (admitted, values)
}
