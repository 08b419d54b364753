//! Admission: who charges this tick, and from which level the filling starts. Each admitted
//! connector gets its lower bound (≥ 6 A), or its need when urgent, in every row it loads;
//! the rest are paused. Order: priority class, then hysteresis tiers that keep charging EVs
//! charging and rotate paused ones slowly, with a need pass for urgent connectors; a charging
//! EV that draws (almost) nothing for a while (full, or tapering below its minimum) yields
//! its place to waiting ones.

use super::complex::C64;
use super::demand::{Bounds, Demand, Settings};
use super::problem::Rows;

/// Tiers inside a priority class (lower first).
fn tier(d: &Demand, s: &Settings) -> u8 {
    if d.is_idling(s) {
        return 4; // charging but drawing (almost) nothing: after every waiting EV
    }
    let settled = d.state_age_s >= s.rotate_after_s;
    match (d.is_charging(), settled) {
        (true, false) => 0,  // charging, not yet due for rotation: keep
        (false, true) => 1,  // waited a full rotation period: may preempt tier 2
        (true, true) => 2,   // charged a full period: yields to tier 1
        (false, false) => 3, // just paused or just arrived: only if room is left
    }
}

/// Sort key of the need pass: priority class, then the most urgent first (the largest
/// share of its maximum it needs to meet its departure target).
fn need_key(b: &Bounds, d: &Demand, i: usize) -> (u16, f64, u32) {
    let class = u16::from(d.priority) << 8 | NEED << 4;
    (class, -b.floor / b.ub, index(i))
}

/// Stages inside a priority class: charging EVs not yet due for rotation (or with a known
/// need: never due) keep their 6 A, then the need pass, then everyone else's 6 A.
const KEEP: u16 = 0;
const NEED: u16 = 1;
const REST: u16 = 2;

/// Sort key of the 6 A pass: priority class, stage, tier, then within a tier the most
/// recent starter stays (charging) and the longest waiter goes first (paused); the index
/// breaks ties.
fn key(d: &Demand, s: &Settings, i: usize) -> (u16, f64, u32) {
    let tier = tier(d, s);
    // with a known need the need pass orders by urgency: a charging EV keeps its 6 A (no
    // rotation, whose pauses cost energy and stability); rotation is for unknown needs
    let keep = tier == 0 || (tier == 2 && d.need_a.is_finite());
    let stage = if keep { KEEP } else { REST };
    let class = u16::from(d.priority) << 8 | stage << 4 | u16::from(tier);
    let age = if d.is_charging() {
        d.state_age_s
    } else {
        -d.state_age_s
    };
    (class, age, index(i))
}

/// A sort key as one integer, ordered as (class, `f64::total_cmp`, index) compare.
pub(super) fn packed((class, x, i): (u16, f64, u32)) -> u128 {
    let bits = x.to_bits();
    let ordered = if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    };
    u128::from(class) << 96 | u128::from(ordered) << 32 | u128::from(i)
}

fn index(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 connectors")
}

/// Per connector, the level it starts filling from (0 = paused), and the row values with
/// every admitted connector there. Per priority class: charging connectors not yet due for
/// rotation, or with a known need, keep their lower bound (hysteresis); then urgent connectors (a known need above
/// their lower bound) are raised to their need, most urgent first, where it fits; then
/// everyone not yet in gets its lower bound (≥ 6 A) where that fits.
pub fn admit(
    problem: &impl Rows,
    bounds: &[Option<Bounds>],
    demands: &[Demand],
    s: &Settings,
) -> (Vec<f64>, Vec<C64>) {
    // (packed sort key, level): the walk below reads no bounds
    let mut keyed: Vec<(u128, f64)> = Vec::with_capacity(demands.len());
    for (i, b) in bounds.iter().enumerate() {
        if let Some(b) = b {
            keyed.push((packed(key(&demands[i], s, i)), b.lb));
            if b.floor > b.lb {
                keyed.push((packed(need_key(b, &demands[i], i)), b.floor));
            }
        }
    }
    keyed.sort_unstable_by_key(|k| k.0);
    let rows = problem.rows();
    let mut values: Vec<C64> = rows.iter().map(|r| r.base).collect();
    let mut start = vec![0.0; demands.len()];
    for &(key, level) in &keyed {
        // the index: the key's low 32 bits
        let i = usize::try_from(key & u128::from(u32::MAX)).expect("a 32-bit index");
        // start is 0, lb or the floor (≥ lb): only a first admission or a raise goes on
        let up = level - start[i];
        if up <= 0.0 {
            continue;
        }
        if problem.try_add(i, up, &mut values) {
            start[i] = level;
        }
    }
    (start, values)
}
