//! The invariant checker: every row within its limit (unless it is over with every managed
//! member at 0, an alarm rather than a violation), every limit 0 or in [max(6 A, min), max].

use super::demand::{Bounds, IEC_MIN_A};
use super::problem::{tolerance, RowKind, Rows};

#[derive(Clone, Debug, PartialEq)]
pub enum Violation {
    /// A row over its limit while some member that pushes it up still gets current.
    Row { row: usize, usage: f64, limit: f64 },
    /// A limit in (0, 6) A or below the connector's minimum.
    BelowMinimum { connector: usize, amps: f64 },
    /// A limit above the connector's upper bound (or any current for one that may not charge).
    AboveMaximum {
        connector: usize,
        amps: f64,
        max: f64,
    },
}

pub fn check(problem: &impl Rows, bounds: &[Option<Bounds>], x: &[f64]) -> Vec<Violation> {
    let mut found = Vec::new();
    for (i, &amps) in x.iter().enumerate() {
        if amps == 0.0 {
            continue;
        }
        let (lb, ub) = bounds[i].map_or((IEC_MIN_A, 0.0), |b| (b.lb.max(IEC_MIN_A), b.ub));
        if amps.is_nan() || amps < lb - 1e-9 {
            found.push(Violation::BelowMinimum { connector: i, amps });
        }
        if amps.is_nan() || amps > ub + tolerance(ub) {
            found.push(Violation::AboveMaximum {
                connector: i,
                amps,
                max: ub,
            });
        }
    }
    let values = problem.values(x);
    for (r, row) in problem.rows().iter().enumerate() {
        // a member pushes the row up when it gets current (linear rows: a positive
        // coefficient; a member with a negative one only helps)
        let linear = row.kind == RowKind::Linear;
        let loaded = !problem.row_all(r, |i, c| x[i] <= 0.0 || (linear && c.re <= 0.0));
        if loaded && !row.fits(values[r]) {
            let usage = row.usage(values[r]);
            found.push(Violation::Row {
                row: r,
                usage,
                limit: row.limit,
            });
        }
    }
    found
}
