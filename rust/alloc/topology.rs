//! The capacity tree (grid connection → site → feeders → chargers) and its validation.

use std::fmt;

/// How the loads of a tree are wired.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wiring {
    /// 230/400 V: every load sits on L1/L2/L3 against neutral; phase currents are plain sums.
    Wye,
    /// Line-to-line loads (US 208 V): line currents are phasor sums.
    Delta,
}

/// One node of the tree. Unset limits are `f64::INFINITY`.
#[derive(Clone, Debug)]
pub struct Node {
    pub parent: Option<usize>,
    /// Per-phase (wye) or per-line (delta) current limit, A.
    pub limit_a: [f64; 3],
    /// Total power limit, W (INFINITY = none).
    pub power_w: f64,
    /// Safety margin subtracted from every phase limit, A (meter error, EV response lag).
    pub margin_a: f64,
    /// Load below this node that evgw does not control, A per phase.
    pub unmanaged_a: [f64; 3],
    /// Phase-to-neutral (wye) or line-to-line (delta) voltage, V.
    pub voltage: f64,
    /// Largest difference between two phase currents, A (wye only; INFINITY = none):
    /// rows `|I_p − I_q| ≤ this`, as two linear rows per phase pair.
    pub unbalance_a: f64,
}

impl Node {
    pub fn new(parent: Option<usize>, limit_a: f64) -> Self {
        Self {
            parent,
            limit_a: [limit_a; 3],
            power_w: f64::INFINITY,
            margin_a: 0.0,
            unmanaged_a: [0.0; 3],
            voltage: 230.0,
            unbalance_a: f64::INFINITY,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum TopologyError {
    UnknownParent { node: usize, parent: usize },
    Cycle { node: usize },
    BadValue { node: usize, field: &'static str },
}

impl fmt::Display for TopologyError {
    #[cold]
    #[inline(never)]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownParent { node, parent } => {
                write!(f, "node {node}: unknown parent {parent}")
            }
            Self::Cycle { node } => write!(f, "node {node}: its parents form a cycle"),
            Self::BadValue { node, field } => {
                write!(f, "node {node}: {field} must be a number >= 0")
            }
        }
    }
}

impl std::error::Error for TopologyError {}

/// A validated forest of nodes with each node's chain of ancestors (itself first) and a
/// depth-first order in which every subtree is one contiguous range.
#[derive(Clone, Debug)]
pub struct Topology {
    pub wiring: Wiring,
    pub nodes: Vec<Node>,
    chain_start: Vec<usize>,
    chains: Vec<usize>,
    /// Per node: its position in depth-first preorder, and one past its last descendant's.
    pre: Vec<u32>,
    subtree_end: Vec<u32>,
}

impl Topology {
    pub fn new(wiring: Wiring, nodes: Vec<Node>) -> Result<Self, TopologyError> {
        for (i, node) in nodes.iter().enumerate() {
            check_values(i, node)?;
            if wiring == Wiring::Delta && node.unbalance_a.is_finite() {
                return Err(TopologyError::BadValue {
                    node: i,
                    field: "unbalance_a (wye sites only)",
                });
            }
            if let Some(parent) = node.parent.filter(|&p| p >= nodes.len()) {
                return Err(TopologyError::UnknownParent { node: i, parent });
            }
        }
        let (chain_start, chains) = ancestor_chains(&nodes)?;
        let (pre, subtree_end) = preorder(&nodes);
        Ok(Self {
            wiring,
            nodes,
            chain_start,
            chains,
            pre,
            subtree_end,
        })
    }

    /// The node's position in depth-first preorder.
    pub fn preorder(&self, node: usize) -> usize {
        self.pre[node] as usize
    }

    /// Preorder positions `[first, end)` of the node and its descendants.
    pub fn subtree(&self, node: usize) -> (usize, usize) {
        (self.pre[node] as usize, self.subtree_end[node] as usize)
    }

    /// The node and its ancestors up to the root.
    pub fn chain(&self, node: usize) -> &[usize] {
        &self.chains[self.chain_start[node]..self.chain_start[node + 1]]
    }

    pub fn depth(&self) -> usize {
        (0..self.nodes.len())
            .map(|n| self.chain(n).len())
            .max()
            .unwrap_or(0)
    }
}

fn check_values(i: usize, node: &Node) -> Result<(), TopologyError> {
    let bad = |field| Err(TopologyError::BadValue { node: i, field });
    let ok = |v: f64| !v.is_nan() && v >= 0.0;
    if !node.limit_a.iter().all(|&v| ok(v)) {
        return bad("limit_a");
    }
    if !ok(node.power_w) {
        return bad("power_w");
    }
    if !(ok(node.margin_a) && node.margin_a.is_finite()) {
        return bad("margin_a");
    }
    if !node.unmanaged_a.iter().all(|&v| ok(v) && v.is_finite()) {
        return bad("unmanaged_a");
    }
    if !(ok(node.voltage) && node.voltage.is_finite() && node.voltage > 0.0) {
        return bad("voltage");
    }
    if !ok(node.unbalance_a) {
        return bad("unbalance_a");
    }
    Ok(())
}

/// Walks each node up to its root; a walk longer than the node count is a cycle.
fn ancestor_chains(nodes: &[Node]) -> Result<(Vec<usize>, Vec<usize>), TopologyError> {
    let mut start = Vec::with_capacity(nodes.len() + 1);
    let mut chains = Vec::with_capacity(nodes.len() * 4);
    for i in 0..nodes.len() {
        start.push(chains.len());
        let mut current = Some(i);
        let mut steps = 0;
        while let Some(n) = current {
            steps += 1;
            if steps > nodes.len() {
                return Err(TopologyError::Cycle { node: i });
            }
            chains.push(n);
            current = nodes[n].parent;
        }
    }
    start.push(chains.len());
    Ok((start, chains))
}

/// Depth-first preorder positions and subtree ends (the forest is known to be acyclic).
fn preorder(nodes: &[Node]) -> (Vec<u32>, Vec<u32>) {
    let index = |i: usize| u32::try_from(i).expect("fewer than 2^32 nodes");
    let mut child_start = vec![0usize; nodes.len() + 1];
    for p in nodes.iter().filter_map(|n| n.parent) {
        child_start[p + 1] += 1;
    }
    for i in 0..nodes.len() {
        child_start[i + 1] += child_start[i];
    }
    let mut next = child_start.clone();
    let mut children = vec![0usize; child_start[nodes.len()]];
    for (i, n) in nodes.iter().enumerate() {
        if let Some(p) = n.parent {
            children[next[p]] = i;
            next[p] += 1;
        }
    }
    let (mut pre, mut end) = (vec![0u32; nodes.len()], vec![0u32; nodes.len()]);
    let mut position = 0usize;
    // (node, next child offset): an explicit stack, trees may be deep
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in (0..nodes.len()).filter(|&i| nodes[i].parent.is_none()) {
        pre[root] = index(position);
        position += 1;
        stack.push((root, child_start[root]));
        while let Some(top) = stack.last_mut() {
            let (node, offset) = *top;
            if offset < child_start[node + 1] {
                top.1 += 1;
                let child = children[offset];
                pre[child] = index(position);
                position += 1;
                stack.push((child, child_start[child]));
            } else {
                end[node] = index(position);
                stack.pop();
            }
        }
    }
    (pre, end)
}
