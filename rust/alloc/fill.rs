//! Weighted progressive filling (max-min fair in x/w) from the admitted lower bounds.
//!
//! Every active connector rises as x = lb + w·λ. A row's value is affine in λ (A + K·λ), so
//! the λ at which it saturates is closed-form: linear for wye/power rows, the positive root of
//! a quadratic for phasor rows. A min-heap of events (a row saturates, a connector reaches its
//! upper bound) drives λ; a saturated row freezes its rising members.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::complex::C64;
use super::demand::Bounds;
use super::problem::{Problem, RowKind};

#[derive(Clone, Copy, Debug)]
struct Event {
    at: f64,
    row: bool,
    index: u32,
    version: u32,
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    fn cmp(&self, other: &Self) -> Ordering {
        self.at
            .total_cmp(&other.at)
            .then(self.row.cmp(&other.row))
            .then(self.index.cmp(&other.index))
    }
}

struct Filler<'a> {
    problem: &'a Problem,
    bounds: &'a [Option<Bounds>],
    a: Vec<C64>,
    k: Vec<C64>,
    version: Vec<u32>,
    /// Linear rows with non-negative coefficients: freezing only delays their saturation,
    /// so a stale heap entry is a safe early alarm, refreshed when popped.
    lazy: Vec<bool>,
    rising: Vec<bool>,
    x: Vec<f64>,
    lambda: f64,
    /// Row saturations (connectors reaching their bound are in `caps`, sorted once).
    heap: BinaryHeap<Reverse<Event>>,
    caps: Vec<(f64, u32)>,
    next_cap: usize,
}

/// Limits for the admitted connectors (0 for the rest); `values` are the row values with
/// every admitted connector at its lower bound.
pub fn fill(
    problem: &Problem,
    bounds: &[Option<Bounds>],
    admitted: &[bool],
    values: Vec<C64>,
) -> Vec<f64> {
    let mut f = Filler::new(problem, bounds, admitted, values);
    f.run();
    f.x
}

fn index(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 rows and connectors")
}

impl<'a> Filler<'a> {
    fn new(
        problem: &'a Problem,
        bounds: &'a [Option<Bounds>],
        admitted: &[bool],
        a: Vec<C64>,
    ) -> Self {
        let rows = problem.rows.len();
        let lazy = (0..rows)
            .map(|r| {
                problem.rows[r].kind == RowKind::Linear
                    && problem
                        .row_terms(r)
                        .iter()
                        .all(|t| t.coeff.re >= 0.0 && t.coeff.im == 0.0)
            })
            .collect();
        let mut f = Self {
            problem,
            bounds,
            a,
            k: vec![C64::ZERO; rows],
            version: vec![0; rows],
            lazy,
            rising: vec![false; admitted.len()],
            x: vec![0.0; admitted.len()],
            lambda: 0.0,
            heap: BinaryHeap::with_capacity(rows),
            caps: Vec::with_capacity(admitted.len()),
            next_cap: 0,
        };
        f.start(admitted);
        f
    }

    fn start(&mut self, admitted: &[bool]) {
        for (i, _) in admitted.iter().enumerate().filter(|(_, &on)| on) {
            let b = self.bounds[i].expect("admitted connectors have bounds");
            self.x[i] = b.lb;
            if b.ub > b.lb {
                self.rising[i] = true;
                for t in self.problem.conn_terms(i) {
                    self.k[t.index as usize] += t.coeff.scale(b.weight);
                }
                self.caps.push(((b.ub - b.lb) / b.weight, index(i)));
            }
        }
        self.caps.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        for r in 0..self.problem.rows.len() {
            self.schedule(r);
        }
    }

    fn push(&mut self, at: f64, row: bool, i: usize, version: u32) {
        let index = index(i);
        self.heap.push(Reverse(Event {
            at,
            row,
            index,
            version,
        }));
    }

    fn schedule(&mut self, r: usize) {
        let at = self.saturation(r);
        if at.is_finite() {
            self.push(at, true, r, self.version[r]);
        }
    }

    /// The λ (≥ the current one) at which row r reaches its limit; infinite if never.
    fn saturation(&self, r: usize) -> f64 {
        let (a, k, row) = (self.a[r], self.k[r], &self.problem.rows[r]);
        let root = match row.kind {
            RowKind::Linear if k.re > 0.0 => (row.limit - a.re) / k.re,
            RowKind::Linear => f64::INFINITY,
            RowKind::Phasor => phasor_root(a, k, row.limit),
        };
        root.max(self.lambda)
    }

    /// The next event: the earlier of the next row saturation and the next connector bound.
    fn next(&mut self) -> Option<Event> {
        let cap = self.caps.get(self.next_cap).copied();
        match (self.heap.peek(), cap) {
            (Some(Reverse(e)), Some((at, _))) if e.at < at => self.heap.pop().map(|r| r.0),
            (_, Some((at, index))) => {
                self.next_cap += 1;
                Some(Event {
                    at,
                    row: false,
                    index,
                    version: 0,
                })
            }
            (_, None) => self.heap.pop().map(|r| r.0),
        }
    }

    fn run(&mut self) {
        while let Some(e) = self.next() {
            let i = e.index as usize;
            if !e.row {
                if self.rising[i] {
                    self.lambda = self.lambda.max(e.at);
                    self.freeze(i);
                }
            } else if e.version != self.version[i] {
                if self.lazy[i] {
                    self.schedule(i);
                }
            } else {
                self.lambda = self.lambda.max(e.at);
                self.saturate(i);
            }
        }
    }

    fn saturate(&mut self, r: usize) {
        let linear = self.problem.rows[r].kind == RowKind::Linear;
        for t in self.problem.row_terms(r) {
            let pushes = if linear {
                t.coeff.re > 0.0
            } else {
                !t.coeff.is_zero()
            };
            if pushes && self.rising[t.index as usize] {
                self.freeze(t.index as usize);
            }
        }
    }

    fn freeze(&mut self, i: usize) {
        let b = self.bounds[i].expect("rising connectors have bounds");
        self.rising[i] = false;
        let x = b.weight.mul_add(self.lambda, b.lb).min(b.ub);
        self.x[i] = x;
        for t in self.problem.conn_terms(i) {
            let r = t.index as usize;
            self.a[r] += t.coeff.scale(x - b.lb);
            self.k[r] -= t.coeff.scale(b.weight);
            self.version[r] = self.version[r].wrapping_add(1);
            if !self.lazy[r] {
                self.schedule(r);
            }
        }
    }
}

/// Largest t with |a + k·t| ≤ c (|a + k·t| is convex in t); infinite when k = 0.
fn phasor_root(a: C64, k: C64, c: f64) -> f64 {
    let qa = k.norm_sqr();
    if qa == 0.0 {
        return f64::INFINITY;
    }
    let b = 2.0 * a.dot(k);
    let cc = a.norm_sqr() - c * c;
    let disc = b.mul_add(b, -4.0 * qa * cc);
    if disc < 0.0 {
        return f64::NEG_INFINITY; // already outside: saturate now
    }
    (-b + disc.sqrt()) / (2.0 * qa)
}
