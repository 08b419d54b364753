//! One allocation tick: bounds → admission → filling → quantisation → repair → check.

use super::check::{check, Violation};
use super::compile::{DemandError, RowLabel};
use super::demand::{bounds, Bounds, Demand, Settings};
use super::fill::FillBuffers;
use super::problem::Rows;
use super::topology::Topology;
use super::tree::{TreeBuffers, TreeRows};
use super::{admission, fill, quantise};

/// Why a connector got its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Reason {
    /// No session, or the EV takes no current.
    Idle = 0,
    Charging = 1,
    /// Paused: 6 A did not fit in some row above it.
    NoCapacity = 2,
    /// Its load is not under control (profile rejected or not honoured): counted as fixed.
    Fixed = 3,
    /// Its maximum is below its minimum (or below 6 A): it cannot charge.
    Unusable = 4,
    /// Paused because a row above it is over its limit even with managed load at 0.
    Infeasible = 5,
}

#[derive(Clone, Debug)]
pub struct Allocation {
    /// Per connector, A per phase: 0 or ≥ 6 (fixed connectors: the load assumed).
    pub limits: Vec<f64>,
    pub reasons: Vec<Reason>,
    /// Per row: the value compared with the limit after allocation, and the limit.
    pub row_usage: Vec<f64>,
    pub row_limit: Vec<f64>,
    /// Rows over their limit with every managed member at 0 (raise an alarm).
    pub infeasible_rows: Vec<usize>,
    /// Invariant violations (checked when `check` is asked or in debug builds): always empty.
    pub violations: Vec<Violation>,
}

/// Allocation over a tree; also returns the label of every row.
pub fn allocate(
    topology: &Topology,
    demands: &[Demand],
    settings: &Settings,
    check: bool,
) -> Result<(Allocation, Vec<RowLabel>), DemandError> {
    let mut allocator = Allocator::default();
    let allocation = allocator.allocate(topology, demands, settings, check)?;
    Ok((allocation, allocator.tree.take_labels()))
}

/// Allocation over rows built by the caller (also used by the acnportal adapter).
pub fn allocate_rows(
    problem: &impl Rows,
    demands: &[Demand],
    settings: &Settings,
    want_check: bool,
) -> Allocation {
    let mut work = Work::default();
    work.run(problem, demands, settings, want_check)
}

/// The allocator with its working memory kept between ticks: the same results as
/// [`allocate`], without allocating the tree's and the filling's arrays afresh every tick.
#[derive(Clone, Debug, Default)]
pub struct Allocator {
    tree: TreeBuffers,
    work: Work,
}

impl Allocator {
    /// One tick over a tree (any tree: nothing is assumed about the previous call's).
    ///
    /// # Errors
    /// A connector under an unknown node, or with a phase mask the wiring cannot have.
    pub fn allocate(
        &mut self,
        topology: &Topology,
        demands: &[Demand],
        settings: &Settings,
        check: bool,
    ) -> Result<Allocation, DemandError> {
        let rows = TreeRows::build_in(topology, demands, std::mem::take(&mut self.tree))?;
        let allocation = self.work.run(&rows, demands, settings, check);
        self.tree = rows.into_buffers();
        Ok(allocation)
    }

    /// The label of every row of the last tick.
    pub fn labels(&self) -> &[RowLabel] {
        self.tree.labels()
    }
}

/// Working memory of the passes.
#[derive(Clone, Debug, Default)]
struct Work {
    bounds: Vec<Option<Bounds>>,
    fill: FillBuffers,
}

impl Work {
    fn run(
        &mut self,
        problem: &impl Rows,
        demands: &[Demand],
        settings: &Settings,
        want_check: bool,
    ) -> Allocation {
        self.bounds.clear();
        self.bounds
            .extend(demands.iter().map(|d| bounds(d, settings)));
        let bounds = &self.bounds;
        let (start, values) = admission::admit(problem, bounds, demands, settings);
        fill::fill_in(problem, bounds, &start, &values, &mut self.fill);
        let x = &mut self.fill.x;
        let mut values = quantise::quantise(problem, bounds, demands, x);
        quantise::repair(problem, bounds, demands, x, &mut values);
        let violations = if want_check || cfg!(debug_assertions) {
            check(problem, bounds, x)
        } else {
            Vec::new()
        };
        debug_assert!(violations.is_empty(), "allocator invariant: {violations:?}");
        let infeasible_rows = infeasible(problem);
        let reasons = reasons(problem, demands, bounds, x, &infeasible_rows);
        let limits = demands
            .iter()
            .zip(x.iter())
            .map(|(d, &amps)| if d.is_fixed() { d.fixed_a } else { amps })
            .collect();
        Allocation {
            limits,
            reasons,
            row_usage: problem
                .rows()
                .iter()
                .zip(&values)
                .map(|(r, &v)| r.usage(v))
                .collect(),
            row_limit: problem.rows().iter().map(|r| r.limit).collect(),
            infeasible_rows,
            violations,
        }
    }
}

fn infeasible(problem: &impl Rows) -> Vec<usize> {
    let rows = problem.rows();
    (0..rows.len())
        .filter(|&r| !rows[r].fits(rows[r].base))
        .collect()
}

fn reasons(
    problem: &impl Rows,
    demands: &[Demand],
    bounds: &[Option<Bounds>],
    x: &[f64],
    infeasible_rows: &[usize],
) -> Vec<Reason> {
    let mut over = vec![false; problem.rows().len()];
    for &r in infeasible_rows {
        over[r] = true;
    }
    let under_over =
        |i: usize| !infeasible_rows.is_empty() && !problem.conn_all(i, |r, _| !over[r]);
    demands
        .iter()
        .enumerate()
        .map(
            |(i, d)| match (d.active, d.is_fixed(), bounds[i], x[i] > 0.0) {
                (_, true, _, _) => Reason::Fixed,
                (false, _, _, _) => Reason::Idle,
                (_, _, None, _) => Reason::Unusable,
                (_, _, _, true) => Reason::Charging,
                _ if under_over(i) => Reason::Infeasible,
                _ => Reason::NoCapacity,
            },
        )
        .collect()
}
