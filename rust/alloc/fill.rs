//! Weighted progressive filling (max-min fair in x/w) from the admitted start levels.
//!
//! Every active connector rises as x = lb + w·λ. A row's value is affine in λ (A + K·λ), so
//! the λ at which it saturates is closed-form: linear for wye/power rows, the positive root of
//! a quadratic for phasor rows. A min-heap of events (a row saturates, a connector reaches its
//! upper bound) drives λ; a saturated row freezes its rising members.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use super::complex::C64;
use super::demand::Bounds;
use super::problem::{Row, RowKind, Rows};

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

/// The filling's per-row and per-connector arrays, kept between ticks by an
/// [`Allocator`](super::Allocator).
#[derive(Clone, Debug, Default)]
pub struct FillBuffers {
    a: Vec<C64>,
    k: Vec<C64>,
    version: Vec<u32>,
    /// Linear rows with non-negative coefficients: freezing only delays their saturation,
    /// so a stale heap entry is a safe early alarm, refreshed when popped.
    lazy: Vec<bool>,
    rising: Vec<bool>,
    /// The limits: the result of `fill_in`.
    pub x: Vec<f64>,
    /// Per row, the most its rising members can still add.
    reach: Vec<f64>,
    heap: Vec<Reverse<Event>>,
    caps: Vec<(f64, u32)>,
}

struct Filler<'a, R: Rows> {
    problem: &'a R,
    bounds: &'a [Option<Bounds>],
    a: Vec<C64>,
    k: Vec<C64>,
    version: Vec<u32>,
    lazy: Vec<bool>,
    rising: Vec<bool>,
    x: Vec<f64>,
    reach: Vec<f64>,
    lambda: f64,
    /// Row saturations (connectors reaching their bound are in `caps`, sorted once).
    heap: BinaryHeap<Reverse<Event>>,
    caps: Vec<(f64, u32)>,
    next_cap: usize,
}

/// Limits for the admitted connectors (start level > 0; 0 for the rest), left in
/// `buffers.x`; `values` are the row values with every admitted connector at its start level.
pub fn fill_in(
    problem: &impl Rows,
    bounds: &[Option<Bounds>],
    start: &[f64],
    values: &[C64],
    buffers: &mut FillBuffers,
) {
    let mut f = Filler::new(problem, bounds, start, values, buffers);
    f.run();
    f.into_buffers(buffers);
}

/// A kept buffer, taken out and reset to `len` copies of `value`.
fn refill<T: Clone>(v: &mut Vec<T>, len: usize, value: T) -> Vec<T> {
    let mut v = std::mem::take(v);
    v.clear();
    v.resize(len, value);
    v
}

fn index(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 rows and connectors")
}

impl<'a, R: Rows> Filler<'a, R> {
    fn new(
        problem: &'a R,
        bounds: &'a [Option<Bounds>],
        start: &[f64],
        values: &[C64],
        b: &mut FillBuffers,
    ) -> Self {
        let rows = problem.rows().len();
        let n = start.len();
        let mut a = std::mem::take(&mut b.a);
        a.clear();
        a.extend_from_slice(values);
        let mut lazy = std::mem::take(&mut b.lazy);
        lazy.clear();
        lazy.extend((0..rows).map(|r| problem.monotone(r)));
        let mut caps = std::mem::take(&mut b.caps);
        caps.clear();
        let mut heap = std::mem::take(&mut b.heap);
        heap.clear();
        let mut f = Self {
            problem,
            bounds,
            a,
            k: refill(&mut b.k, rows, C64::ZERO),
            version: refill(&mut b.version, rows, 0),
            lazy,
            rising: refill(&mut b.rising, n, false),
            x: refill(&mut b.x, n, 0.0),
            reach: refill(&mut b.reach, rows, 0.0),
            lambda: 0.0,
            heap: BinaryHeap::from(heap),
            caps,
            next_cap: 0,
        };
        f.start(start);
        f
    }

    fn into_buffers(self, b: &mut FillBuffers) {
        b.a = self.a;
        b.k = self.k;
        b.version = self.version;
        b.lazy = self.lazy;
        b.rising = self.rising;
        b.x = self.x;
        b.reach = self.reach;
        b.heap = self.heap.into_vec();
        b.caps = self.caps;
    }

    fn start(&mut self, start: &[f64]) {
        // per row, the most its rising members can still add (|c|·(ub − lb)): a row that
        // cannot reach its limit even then never saturates and stays out of the heap
        let reach = &mut self.reach;
        for i in (0..start.len()).filter(|&i| start[i] > 0.0) {
            let b = self.bounds[i].expect("admitted connectors have bounds");
            self.x[i] = start[i];
            if b.ub > start[i] {
                self.rising[i] = true;
                let (k, span) = (&mut self.k, b.ub - start[i]);
                self.problem.conn_each(i, |r, c| {
                    k[r] += c.scale(b.weight);
                    reach[r] += c.abs() * span;
                });
                self.caps.push(((b.ub - start[i]) / b.weight, index(i)));
            }
        }
        self.caps
            .sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        // one heapify instead of a push per row
        let mut events = std::mem::take(&mut self.heap).into_vec();
        let rows = self.problem.rows();
        events.extend((0..rows.len()).filter_map(|r| {
            if rows[r].fits(self.a[r]) && self.a[r].abs() + self.reach[r] <= rows[r].limit {
                return None;
            }
            let at = self.saturation(r);
            at.is_finite().then(|| {
                Reverse(Event {
                    at,
                    row: true,
                    index: index(r),
                    version: 0,
                })
            })
        }));
        self.heap = BinaryHeap::from(events);
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
        saturation(&self.problem.rows()[r], self.a[r], self.k[r], self.lambda)
    }

    /// Re-times stale entries of lazy rows in place at the top of the heap (one sift instead
    /// of a pop and a push) and drops stale entries of the others.
    fn refresh_top(&mut self) {
        while let Some(mut top) = self.heap.peek_mut() {
            let r = top.0.index as usize;
            if top.0.version == self.version[r] {
                return;
            }
            let at = if self.lazy[r] {
                saturation(&self.problem.rows()[r], self.a[r], self.k[r], self.lambda)
            } else {
                f64::INFINITY
            };
            if at.is_finite() {
                top.0.at = at;
                top.0.version = self.version[r];
            } else {
                std::collections::binary_heap::PeekMut::pop(top);
            }
        }
    }

    /// The next event: the earlier of the next row saturation and the next connector bound.
    fn next(&mut self) -> Option<Event> {
        self.refresh_top();
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
            if e.row {
                self.lambda = self.lambda.max(e.at);
                self.saturate(i);
            } else if self.rising[i] {
                self.lambda = self.lambda.max(e.at);
                self.freeze(i);
            }
        }
    }

    fn saturate(&mut self, r: usize) {
        let problem = self.problem;
        let linear = problem.rows()[r].kind == RowKind::Linear;
        problem.row_each(r, |i, c| {
            let pushes = if linear { c.re > 0.0 } else { !c.is_zero() };
            if pushes && self.rising[i] {
                self.freeze(i);
            }
        });
    }

    fn freeze(&mut self, i: usize) {
        let b = self.bounds[i].expect("rising connectors have bounds");
        self.rising[i] = false;
        let from = self.x[i];
        let x = b.weight.mul_add(self.lambda, from).min(b.ub);
        self.x[i] = x;
        let problem = self.problem;
        problem.conn_each(i, |r, c| {
            self.a[r] += c.scale(x - from);
            self.k[r] -= c.scale(b.weight);
            self.version[r] = self.version[r].wrapping_add(1);
            if !self.lazy[r] {
                self.schedule(r);
            }
        });
    }
}

/// The λ (≥ `lambda`) at which a row with value a + k·λ reaches its limit; infinite if never.
fn saturation(row: &Row, a: C64, k: C64, lambda: f64) -> f64 {
    let root = match row.kind {
        RowKind::Linear if k.re > 0.0 => (row.limit - a.re) / k.re,
        RowKind::Linear => f64::INFINITY,
        RowKind::Phasor => phasor_root(a, k, row.limit),
    };
    root.max(lambda)
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
