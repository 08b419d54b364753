//! Quantisation to the charger's step, a reallocation pass for the freed fractions, and a
//! repair pass for phasor rows (flooring one current can grow a line-current magnitude).

use super::complex::C64;
use super::demand::{Bounds, Demand};
use super::problem::{RowKind, Rows};

/// How many repair sweeps before the last resort (pausing a violated row's members).
const REPAIR_SWEEPS: usize = 4;

fn floor_to(x: f64, step: f64, lb: f64) -> f64 {
    let q = ((x + 1e-9) / step).floor() * step;
    // 0.1 A steps in binary floating point: keep a clean decimal
    let q = (q * 1e6).round() / 1e6;
    if q < lb {
        lb
    } else {
        q
    }
}

fn step(d: &Demand) -> f64 {
    if d.step_a.is_finite() && d.step_a > 0.0 {
        d.step_a
    } else {
        1.0
    }
}

/// Floors every limit to its step, then hands one step back to those that lost the most
/// while every row they load has room. Returns the row values.
pub fn quantise(
    problem: &impl Rows,
    bounds: &[Option<Bounds>],
    demands: &[Demand],
    x: &mut [f64],
) -> Vec<C64> {
    let raw = x.to_vec();
    for (i, b) in bounds.iter().enumerate() {
        if let (Some(b), true) = (b, x[i] > 0.0) {
            x[i] = floor_to(x[i], step(&demands[i]), b.lb).min(b.ub);
        }
    }
    let mut values = problem.values(x);
    // (loss, index, step, upper bound), read in connector order: the sort compares in place
    // and the pass below looks nothing up out of order but the rows
    let mut order: Vec<(f64, usize, f64, f64)> = (0..x.len())
        .filter(|&i| x[i] > 0.0)
        .map(|i| {
            (
                raw[i] - x[i],
                i,
                step(&demands[i]),
                bounds[i].map_or(0.0, |b| b.ub),
            )
        })
        .collect();
    order.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i, s, ub) in order {
        if x[i] + s <= ub + 1e-9 && problem.try_add(i, s, &mut values) {
            x[i] += s;
        }
    }
    values
}

fn add(problem: &impl Rows, values: &mut [C64], i: usize, amps: f64) {
    problem.conn_each(i, |r, c| values[r] += c.scale(amps));
}

/// Brings every violated row back within its limit by stepping its largest members down
/// (below the lower bound means 0). Rows infeasible with all members at 0 stay as they are.
/// After `REPAIR_SWEEPS` sweeps every step pauses a member, and sweeps repeat until one
/// changes nothing: signed rows (unbalance) can be pushed over again by pausing a member of
/// another row, so one last sweep is not enough; pausing only ever lowers, so it ends.
pub fn repair(
    problem: &impl Rows,
    bounds: &[Option<Bounds>],
    demands: &[Demand],
    x: &mut [f64],
    values: &mut [C64],
) {
    for sweep in 0.. {
        let mut changed = false;
        for r in 0..problem.rows().len() {
            while !problem.rows()[r].fits(values[r]) {
                let Some(i) = largest_member(problem, r, x) else {
                    break;
                };
                changed = true;
                let lb = bounds[i].map_or(0.0, |b| b.lb);
                let down = if sweep >= REPAIR_SWEEPS || x[i] - step(&demands[i]) < lb - 1e-9 {
                    x[i]
                } else {
                    step(&demands[i])
                };
                x[i] -= down;
                add(problem, values, i, -down);
            }
        }
        if !changed {
            return;
        }
    }
}

fn largest_member(problem: &impl Rows, r: usize, x: &[f64]) -> Option<usize> {
    let linear = problem.rows()[r].kind == RowKind::Linear;
    let mut largest: Option<usize> = None;
    problem.row_each(r, |i, c| {
        if x[i] > 0.0 && (!linear || c.re > 0.0) && largest.is_none_or(|l| x[i] >= x[l]) {
            largest = Some(i);
        }
    });
    largest
}
