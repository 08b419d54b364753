//! Topology + connector demands → rows (one per node and phase, plus power rows).

use std::fmt;

use super::complex::C64;
use super::demand::Demand;
use super::problem::{Problem, ProblemBuilder, Row, RowKind, Term};
use super::topology::{Topology, Wiring};

/// `phase` 0..=2 is L1..L3 (wye) or line a..c (delta); `POWER` is the node's W row;
/// `UNBALANCE + k` is the row `I_p − I_q ≤ limit` of `PAIRS[k]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowLabel {
    pub node: usize,
    pub phase: u8,
}

impl RowLabel {
    pub const POWER: u8 = 3;
    pub const UNBALANCE: u8 = 4;
}

/// The (p, q) of the unbalance rows `I_p − I_q ≤ U`, in row order.
pub const PAIRS: [(u8, u8); 6] = [(0, 1), (1, 0), (1, 2), (2, 1), (2, 0), (0, 2)];

/// A wye connector's coefficient in unbalance row k: +1 when it loads p and not q, −1 the
/// other way round, 0 when it loads both or neither.
pub fn unbalance_coeff(phases: u8, k: usize) -> f64 {
    let (p, q) = PAIRS[k];
    f64::from(phases >> p & 1) - f64::from(phases >> q & 1)
}

/// The rows of one node: L1..L3 (or lines a..c) and power, and the first of its six
/// consecutive unbalance rows.
#[derive(Clone, Copy, Debug)]
pub struct NodeRows {
    pub phase: [Option<usize>; 4],
    pub unbalance: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DemandError {
    UnknownNode { connector: usize, node: usize },
    BadPhases { connector: usize, phases: u8 },
}

impl fmt::Display for DemandError {
    #[cold]
    #[inline(never)]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownNode { connector, node } => {
                write!(f, "connector {connector}: unknown node {node}")
            }
            Self::BadPhases { connector, phases } => {
                write!(
                    f,
                    "connector {connector}: phase mask {phases:#05b} is not valid here"
                )
            }
        }
    }
}

impl std::error::Error for DemandError {}

/// The rows of one tick and the label of each row.
#[derive(Clone, Debug)]
pub struct Compiled {
    pub problem: Problem,
    pub labels: Vec<RowLabel>,
}

/// (phase or POWER, coefficient) of one ampere of a connector's current.
pub(super) type Loads = ([(u8, C64); 3], usize, f64);

pub fn compile(topology: &Topology, demands: &[Demand]) -> Result<Compiled, DemandError> {
    let (mut rows, labels, node_rows) = node_rows(topology);
    let depth = topology.depth().max(1);
    let mut conn_start = Vec::with_capacity(demands.len() + 1);
    let mut terms = Vec::with_capacity(demands.len() * depth * 4);
    for (i, d) in demands.iter().enumerate() {
        conn_start.push(terms.len());
        if d.node >= topology.nodes.len() {
            return Err(DemandError::UnknownNode {
                connector: i,
                node: d.node,
            });
        }
        let loads = loads(topology.wiring, d.phases, topology.nodes[d.node].voltage).ok_or(
            DemandError::BadPhases {
                connector: i,
                phases: d.phases,
            },
        )?;
        if !d.active && !d.is_fixed() {
            continue;
        }
        for &node in topology.chain(d.node) {
            let mut sink = Sink {
                rows: &mut rows,
                terms: &mut terms,
                fixed_a: d.is_fixed().then_some(d.fixed_a),
            };
            sink.add(&node_rows[node], &loads, d.phases);
        }
    }
    conn_start.push(terms.len());
    Ok(Compiled {
        problem: ProblemBuilder::from_connectors(rows, conn_start, terms),
        labels,
    })
}

/// Where one connector's loads go: terms, or the rows' base for a fixed load.
struct Sink<'a> {
    rows: &'a mut [Row],
    terms: &'a mut Vec<Term>,
    fixed_a: Option<f64>,
}

impl Sink<'_> {
    fn put(&mut self, row: usize, coeff: C64) {
        match self.fixed_a {
            Some(amps) => self.rows[row].base += coeff.scale(amps),
            None => self.terms.push(Term {
                index: u32::try_from(row).expect("fewer than 2^32 rows"),
                coeff,
            }),
        }
    }

    fn add(&mut self, rows: &NodeRows, (terms, count, watts): &Loads, phases: u8) {
        for &(phase, coeff) in &terms[..*count] {
            if let Some(row) = rows.phase[phase as usize] {
                self.put(row, coeff);
            }
        }
        if let Some(row) = rows.phase[RowLabel::POWER as usize] {
            self.put(row, C64::real(*watts));
        }
        if let Some(first) = rows.unbalance {
            for k in 0..PAIRS.len() {
                let c = unbalance_coeff(phases, k);
                if c != 0.0 {
                    self.put(first + k, C64::real(c));
                }
            }
        }
    }
}

pub(super) fn node_rows(t: &Topology) -> (Vec<Row>, Vec<RowLabel>, Vec<NodeRows>) {
    let (mut rows, mut labels) = (Vec::new(), Vec::new());
    let mut index = Vec::with_capacity(t.nodes.len());
    node_rows_into(t, &mut rows, &mut labels, |r| index.push(r));
    (rows, labels, index)
}

/// The rows of every node into `rows` and `labels` (cleared first, buffers kept); `per_node`
/// gets each node's `NodeRows`, in node order.
pub(super) fn node_rows_into(
    t: &Topology,
    rows: &mut Vec<Row>,
    labels: &mut Vec<RowLabel>,
    mut per_node: impl FnMut(NodeRows),
) {
    rows.clear();
    labels.clear();
    let mut add = |kind, limit, base, node, phase| {
        rows.push(Row { kind, limit, base });
        labels.push(RowLabel { node, phase });
        rows.len() - 1
    };
    for (n, node) in t.nodes.iter().enumerate() {
        let mut phase_rows = [None; 4];
        for (p, slot) in phase_rows.iter_mut().take(3).enumerate() {
            if node.limit_a[p].is_finite() {
                let limit = node.limit_a[p] - node.margin_a;
                let unmanaged = node.unmanaged_a[p];
                let phase = u8::try_from(p).expect("p < 3");
                *slot = Some(match t.wiring {
                    Wiring::Wye => add(RowKind::Linear, limit, C64::real(unmanaged), n, phase),
                    // the unmanaged phasor's angle is unknown: take it off the limit (safe side)
                    Wiring::Delta => add(RowKind::Phasor, limit - unmanaged, C64::ZERO, n, phase),
                });
            }
        }
        if node.power_w.is_finite() {
            let phase_v = phase_voltage(t.wiring, node.voltage);
            let margin_w = node.margin_a * phase_v * 3.0;
            let unmanaged_w: f64 = node.unmanaged_a.iter().sum::<f64>() * phase_v;
            phase_rows[3] = Some(add(
                RowKind::Linear,
                node.power_w - margin_w,
                C64::real(unmanaged_w),
                n,
                RowLabel::POWER,
            ));
        }
        let mut unbalance = None;
        if node.unbalance_a.is_finite() {
            for (k, &(p, q)) in PAIRS.iter().enumerate() {
                let base = node.unmanaged_a[p as usize] - node.unmanaged_a[q as usize];
                let phase = RowLabel::UNBALANCE + u8::try_from(k).expect("k < 6");
                let row = add(RowKind::Linear, node.unbalance_a, C64::real(base), n, phase);
                unbalance.get_or_insert(row);
            }
        }
        per_node(NodeRows {
            phase: phase_rows,
            unbalance,
        });
    }
}

fn phase_voltage(wiring: Wiring, voltage: f64) -> f64 {
    match wiring {
        Wiring::Wye => voltage,
        Wiring::Delta => voltage / 3f64.sqrt(),
    }
}

/// Per-ampere row coefficients of a connector, or None for an impossible phase mask.
pub(super) fn loads(wiring: Wiring, phases: u8, voltage: f64) -> Option<Loads> {
    let none = (0u8, C64::ZERO);
    match (wiring, phases.count_ones(), phases & !0b111) {
        (_, _, extra) if extra != 0 => None,
        (Wiring::Wye, n @ 1..=3, _) => {
            let mut terms = [none; 3];
            let mut k = 0;
            for p in 0..3u8 {
                if phases & (1 << p) != 0 {
                    terms[k] = (p, C64::real(1.0));
                    k += 1;
                }
            }
            Some((terms, k, voltage * f64::from(n)))
        }
        (Wiring::Delta, 2, _) => Some(delta_pair(phases, voltage)),
        (Wiring::Delta, 3, _) => {
            let terms = [0.0, -120.0, 120.0].map(C64::polar_deg);
            Some((
                [(0, terms[0]), (1, terms[1]), (2, terms[2])],
                3,
                voltage * 3f64.sqrt(),
            ))
        }
        _ => None,
    }
}

/// A line-to-line load: +I on its first line, −I on its second, I at the pair's angle
/// (AB 30°, BC −90°, CA 150°).
fn delta_pair(phases: u8, voltage: f64) -> Loads {
    let (from, to, angle) = match phases {
        0b011 => (0u8, 1u8, 30.0),
        0b110 => (1, 2, -90.0),
        _ => (2, 0, 150.0),
    };
    let i = C64::polar_deg(angle);
    ([(from, i), (to, C64::ZERO - i), (0, C64::ZERO)], 2, voltage)
}
