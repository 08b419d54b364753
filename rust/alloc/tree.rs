//! The rows of a capacity tree, without term arrays: a connector's terms are its chain of
//! ancestors times a per-phase-mask coefficient table, and a row's members are the managed
//! connectors of its node's subtree, one contiguous range when connectors are grouped by the
//! depth-first order of their node. Building is O(connectors + nodes) and the passes walk
//! small dense arrays instead of two large term arrays.

use super::compile::{loads, node_rows_into, unbalance_coeff, DemandError, RowLabel};
use super::complex::C64;
use super::demand::Demand;
use super::problem::{Row, RowKind, Rows};
use super::topology::{Topology, Wiring};

const NONE: u32 = u32::MAX;

fn index(i: usize) -> u32 {
    u32::try_from(i).expect("fewer than 2^32 rows, nodes and connectors")
}

/// The buffers of `TreeRows`, kept between ticks by an [`Allocator`](super::Allocator) so a
/// tick allocates nothing once the sizes are stable.
#[derive(Clone, Debug, Default)]
pub struct TreeBuffers {
    rows: Vec<Row>,
    labels: Vec<RowLabel>,
    /// Per node: its rows for L1..L3 (or lines a..c), power, and the first of its six
    /// unbalance rows; NONE where unset.
    node_rows: Vec<[u32; 5]>,
    conn: Vec<Conn>,
    conn_watts: Vec<f64>,
    /// Managed connectors grouped by the preorder position of their node.
    members: Vec<u32>,
    /// Per preorder position: where its members start (one final entry).
    member_start: Vec<u32>,
    /// Scratch of the counting sort.
    next: Vec<u32>,
}

impl TreeBuffers {
    pub fn labels(&self) -> &[RowLabel] {
        &self.labels
    }

    pub fn take_labels(&mut self) -> Vec<RowLabel> {
        std::mem::take(&mut self.labels)
    }
}

/// The longest chain a connector record holds inline (deeper trees use the topology's).
const INLINE_DEPTH: usize = 7;

/// A connector as the passes see it: its phase mask when managed (0 for idle and fixed
/// ones: no terms) and its node's chain, root first, inline — one 32-byte record, so a fit
/// test that stops near the root touches one cache line of connector data.
#[derive(Clone, Copy, Debug)]
struct Conn {
    mask: u8,
    /// The length of `chain`; 0 when the chain is longer than `INLINE_DEPTH` (then
    /// `chain[0]` is the node and the topology's chain is used).
    len: u8,
    chain: [u32; INLINE_DEPTH],
}

impl Conn {
    fn new(topology: &Topology, node: usize, mask: u8) -> Self {
        let full = topology.chain(node);
        let mut chain = [NONE; INLINE_DEPTH];
        let len = if full.len() <= INLINE_DEPTH {
            for (slot, &n) in chain.iter_mut().zip(full.iter().rev()) {
                *slot = index(n);
            }
            u8::try_from(full.len()).expect("a short chain")
        } else {
            chain[0] = index(node);
            0
        };
        Self { mask, len, chain }
    }

    fn node(&self) -> usize {
        let at = usize::from(self.len.max(1)) - 1;
        self.chain[at] as usize
    }
}

pub struct TreeRows<'a> {
    topology: &'a Topology,
    b: TreeBuffers,
    /// Per-ampere coefficient per phase mask and phase.
    coef: [[C64; 3]; 8],
    /// Per phase mask and unbalance row: +1, −1 or 0.
    ucoef: [[f64; 6]; 8],
}

impl<'a> TreeRows<'a> {
    /// The rows of one tick; the same rows, in the same order, as `compile`.
    ///
    /// # Errors
    /// A connector under an unknown node, or with a phase mask the wiring cannot have.
    ///
    /// # Panics
    /// With 2^32 rows, nodes or connectors or more.
    pub fn build(topology: &'a Topology, demands: &[Demand]) -> Result<Self, DemandError> {
        Self::build_in(topology, demands, TreeBuffers::default())
    }

    /// `build` into buffers kept from an earlier tick (`into_buffers`).
    ///
    /// # Errors
    /// As `build`.
    ///
    /// # Panics
    /// As `build`.
    pub fn build_in(
        topology: &'a Topology,
        demands: &[Demand],
        mut b: TreeBuffers,
    ) -> Result<Self, DemandError> {
        b.node_rows.clear();
        let by_node = &mut b.node_rows;
        node_rows_into(topology, &mut b.rows, &mut b.labels, |r| {
            let p = r.phase.map(|slot| slot.map_or(NONE, index));
            by_node.push([p[0], p[1], p[2], p[3], r.unbalance.map_or(NONE, index)]);
        });
        let mut ucoef = [[0.0; 6]; 8];
        for (mask, slot) in ucoef.iter_mut().enumerate() {
            for (k, c) in slot.iter_mut().enumerate() {
                *c = unbalance_coeff(u8::try_from(mask).expect("mask < 8"), k);
            }
        }
        let mut coef = [[C64::ZERO; 3]; 8];
        for (mask, slot) in coef.iter_mut().enumerate().skip(1) {
            let mask = u8::try_from(mask).expect("mask < 8");
            if let Some((terms, count, _)) = loads(topology.wiring, mask, 1.0) {
                for &(phase, c) in &terms[..count] {
                    slot[phase as usize] = c;
                }
            }
        }
        b.conn.clear();
        b.conn_watts.clear();
        let mut t = Self {
            topology,
            b,
            coef,
            ucoef,
        };
        for (i, d) in demands.iter().enumerate() {
            if d.node >= topology.nodes.len() {
                return Err(DemandError::UnknownNode {
                    connector: i,
                    node: d.node,
                });
            }
            let voltage = topology.nodes[d.node].voltage;
            let (_, _, watts) =
                loads(topology.wiring, d.phases, voltage).ok_or(DemandError::BadPhases {
                    connector: i,
                    phases: d.phases,
                })?;
            let managed = d.active && !d.is_fixed();
            let mask = if managed { d.phases } else { 0 };
            t.b.conn.push(Conn::new(topology, d.node, mask));
            t.b.conn_watts.push(watts);
            if d.is_fixed() {
                t.add_fixed(d, watts);
            }
        }
        t.group_members();
        Ok(t)
    }

    /// The buffers back, for the next tick.
    pub fn into_buffers(self) -> TreeBuffers {
        self.b
    }

    pub fn labels(&self) -> &[RowLabel] {
        &self.b.labels
    }

    /// A fixed load goes into the base of every row it loads.
    fn add_fixed(&mut self, d: &Demand, watts: f64) {
        let c = self.coef[d.phases as usize];
        let rows = &mut self.b.rows;
        for &n in self.topology.chain(d.node) {
            let nr = self.b.node_rows[n];
            for p in 0..3 {
                if nr[p] != NONE && !c[p].is_zero() {
                    rows[nr[p] as usize].base += c[p].scale(d.fixed_a);
                }
            }
            if nr[3] != NONE {
                rows[nr[3] as usize].base += C64::real(watts * d.fixed_a);
            }
            if nr[4] != NONE {
                for (k, &u) in self.ucoef[d.phases as usize].iter().enumerate() {
                    rows[nr[4] as usize + k].base += C64::real(u * d.fixed_a);
                }
            }
        }
    }

    /// Counting sort of the managed connectors by their node's preorder position.
    fn group_members(&mut self) {
        let nodes = self.topology.nodes.len();
        let b = &mut self.b;
        b.member_start.clear();
        b.member_start.resize(nodes + 1, 0);
        for c in &b.conn {
            if c.mask != 0 {
                b.member_start[self.topology.preorder(c.node()) + 1] += 1;
            }
        }
        for p in 0..nodes {
            b.member_start[p + 1] += b.member_start[p];
        }
        b.next.clear();
        b.next.extend_from_slice(&b.member_start);
        b.members.clear();
        b.members.resize(b.member_start[nodes] as usize, 0);
        for (i, c) in b.conn.iter().enumerate() {
            if c.mask != 0 {
                let slot = &mut b.next[self.topology.preorder(c.node())];
                b.members[*slot as usize] = index(i);
                *slot += 1;
            }
        }
    }

    fn row_members(&self, node: usize) -> &[u32] {
        let (first, end) = self.topology.subtree(node);
        &self.b.members[self.b.member_start[first] as usize..self.b.member_start[end] as usize]
    }

    /// Calls `f(node)` along a connector's chain, its node first or the root first, while
    /// `f` returns true.
    fn chain_all(&self, c: &Conn, root_first: bool, mut f: impl FnMut(usize) -> bool) -> bool {
        if c.len == 0 {
            let chain = self.topology.chain(c.node());
            return if root_first {
                chain.iter().rev().all(|&n| f(n))
            } else {
                chain.iter().all(|&n| f(n))
            };
        }
        let chain = &c.chain[..usize::from(c.len)];
        if root_first {
            chain.iter().all(|&n| f(n as usize))
        } else {
            chain.iter().rev().all(|&n| f(n as usize))
        }
    }

    /// Calls `f(row, coeff)` for the rows of node `n` that connector `conn` (phase mask
    /// `mask`) loads, while `f` returns true.
    fn node_all(
        &self,
        n: usize,
        conn: usize,
        mask: u8,
        f: &mut impl FnMut(usize, C64) -> bool,
    ) -> bool {
        let c = &self.coef[mask as usize];
        let nr = &self.b.node_rows[n];
        for p in 0..3 {
            if nr[p] != NONE && !c[p].is_zero() && !f(nr[p] as usize, c[p]) {
                return false;
            }
        }
        if nr[3] != NONE && !f(nr[3] as usize, C64::real(self.b.conn_watts[conn])) {
            return false;
        }
        if nr[4] != NONE {
            let first = nr[4] as usize;
            for (k, &u) in self.ucoef[mask as usize].iter().enumerate() {
                if u != 0.0 && !f(first + k, C64::real(u)) {
                    return false;
                }
            }
        }
        true
    }
}

impl Rows for TreeRows<'_> {
    fn rows(&self) -> &[Row] {
        &self.b.rows
    }

    fn connectors(&self) -> usize {
        self.b.conn.len()
    }

    fn conn_all(&self, conn: usize, mut f: impl FnMut(usize, C64) -> bool) -> bool {
        let c = &self.b.conn[conn];
        let mask = c.mask;
        mask == 0 || self.chain_all(c, false, |n| self.node_all(n, conn, mask, &mut f))
    }

    /// Root first: the rows near the root are the ones most often full (and hot in cache),
    /// so a connector that does not fit is usually refused after a few rows.
    fn fits_more(&self, conn: usize, amps: f64, values: &[C64]) -> bool {
        let c = &self.b.conn[conn];
        let mask = c.mask;
        let rows = &self.b.rows;
        let mut fits = |r: usize, c: C64| rows[r].fits(values[r] + c.scale(amps));
        mask == 0 || self.chain_all(c, true, |n| self.node_all(n, conn, mask, &mut fits))
    }

    fn row_all(&self, row: usize, mut f: impl FnMut(usize, C64) -> bool) -> bool {
        let label = self.b.labels[row];
        let members = self.row_members(label.node);
        let conns = &self.b.conn;
        let watts = &self.b.conn_watts;
        if label.phase == RowLabel::POWER {
            return members.iter().all(|&j| {
                let j = j as usize;
                f(j, C64::real(watts[j]))
            });
        }
        if label.phase >= RowLabel::UNBALANCE {
            let k = usize::from(label.phase - RowLabel::UNBALANCE);
            return members.iter().all(|&j| {
                let j = j as usize;
                let u = self.ucoef[conns[j].mask as usize][k];
                u == 0.0 || f(j, C64::real(u))
            });
        }
        let p = label.phase as usize;
        members.iter().all(|&j| {
            let j = j as usize;
            let c = self.coef[conns[j].mask as usize][p];
            c.is_zero() || f(j, c)
        })
    }

    fn monotone(&self, row: usize) -> bool {
        let phase = self.b.labels[row].phase;
        self.b.rows[row].kind == RowKind::Linear
            && phase < RowLabel::UNBALANCE
            && (self.topology.wiring == Wiring::Wye || phase == RowLabel::POWER)
    }
}
