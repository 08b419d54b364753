//! `Topology`, `Allocation` and `allocate_rows`: the allocator, one call per tick with
//! column lists (struct of arrays), never one call per connector.

#![allow(clippy::needless_pass_by_value)] // pyo3 hands arguments over by value

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::alloc::{
    allocate_rows, Allocation, Allocator, Demand, Node, ProblemBuilder, RowKind, RowLabel,
    Settings, Topology, Wiring, C64,
};

fn value_error(message: impl ToString) -> PyErr {
    PyValueError::new_err(message.to_string())
}

/// The keys of the demand columns, in `Demand` field order (`evgw._core.DEMAND_COLUMNS`).
pub const DEMAND_COLUMNS: [&str; 13] = [
    "node",
    "phases",
    "active",
    "min_a",
    "max_a",
    "measured_a",
    "last_limit_a",
    "state_age_s",
    "priority",
    "weight",
    "need_a",
    "fixed_a",
    "step_a",
];

/// The connectors of one tick, one list per field (all the same length).
#[derive(FromPyObject)]
pub struct Columns {
    #[pyo3(item)]
    node: Vec<usize>,
    #[pyo3(item)]
    phases: Vec<u8>,
    #[pyo3(item)]
    active: Vec<bool>,
    #[pyo3(item)]
    min_a: Vec<f64>,
    #[pyo3(item)]
    max_a: Vec<f64>,
    #[pyo3(item)]
    measured_a: Vec<f64>,
    #[pyo3(item)]
    last_limit_a: Vec<f64>,
    #[pyo3(item)]
    state_age_s: Vec<f64>,
    #[pyo3(item)]
    priority: Vec<u8>,
    #[pyo3(item)]
    weight: Vec<f64>,
    #[pyo3(item)]
    need_a: Vec<f64>,
    #[pyo3(item)]
    fixed_a: Vec<f64>,
    #[pyo3(item)]
    step_a: Vec<f64>,
}

impl Columns {
    fn demands(&self) -> PyResult<Vec<Demand>> {
        let n = self.node.len();
        let lengths = [
            self.phases.len(),
            self.active.len(),
            self.min_a.len(),
            self.max_a.len(),
            self.measured_a.len(),
            self.last_limit_a.len(),
            self.state_age_s.len(),
            self.priority.len(),
            self.weight.len(),
            self.need_a.len(),
            self.fixed_a.len(),
            self.step_a.len(),
        ];
        if lengths.iter().any(|&l| l != n) {
            return Err(value_error("every demand column must have the same length"));
        }
        Ok((0..n).map(|i| self.demand(i)).collect())
    }

    fn demand(&self, i: usize) -> Demand {
        Demand {
            node: self.node[i],
            phases: self.phases[i],
            active: self.active[i],
            min_a: self.min_a[i],
            max_a: self.max_a[i],
            measured_a: self.measured_a[i],
            last_limit_a: self.last_limit_a[i],
            state_age_s: self.state_age_s[i],
            priority: self.priority[i],
            weight: self.weight[i],
            need_a: self.need_a[i],
            fixed_a: self.fixed_a[i],
            step_a: self.step_a[i],
        }
    }
}

#[pyclass(name = "Allocation", module = "evgw._core", frozen, get_all)]
pub struct PyAllocation {
    limits: Vec<f64>,
    reasons: Vec<u32>, // not u8: pyo3 would hand a Vec<u8> over as bytes
    row_node: Vec<usize>,
    row_phase: Vec<u32>,
    row_usage: Vec<f64>,
    row_limit: Vec<f64>,
    infeasible_rows: Vec<usize>,
    violations: Vec<String>,
}

impl PyAllocation {
    fn new(a: Allocation, labels: &[RowLabel]) -> Self {
        Self {
            limits: a.limits,
            reasons: a.reasons.iter().map(|&r| u32::from(r as u8)).collect(),
            row_node: labels.iter().map(|l| l.node).collect(),
            row_phase: labels.iter().map(|l| u32::from(l.phase)).collect(),
            row_usage: a.row_usage,
            row_limit: a.row_limit,
            infeasible_rows: a.infeasible_rows,
            violations: a.violations.iter().map(|v| format!("{v:?}")).collect(),
        }
    }
}

fn settings(
    rotate_after_s: f64,
    headroom_a: f64,
    under_draw_a: f64,
    yield_after_s: f64,
) -> Settings {
    Settings {
        rotate_after_s,
        headroom_a,
        under_draw_a,
        yield_after_s,
    }
}

/// A validated capacity tree; `allocate` runs one tick over it (its working memory is kept
/// between ticks).
#[pyclass(name = "Topology", module = "evgw._core")]
pub struct PyTopology {
    inner: Topology,
    allocator: Allocator,
}

fn wiring(name: &str) -> PyResult<Wiring> {
    match name {
        "wye" => Ok(Wiring::Wye),
        "delta" => Ok(Wiring::Delta),
        _ => Err(value_error("wiring must be \"wye\" or \"delta\"")),
    }
}

#[pymethods]
impl PyTopology {
    #[new]
    #[pyo3(signature = (wiring_name, parents, limits_a, power_w, margins_a, voltages, *,
                        unbalance_a = None))]
    fn new(
        wiring_name: &str,
        parents: Vec<Option<usize>>,
        limits_a: Vec<[f64; 3]>,
        power_w: Vec<f64>,
        margins_a: Vec<f64>,
        voltages: Vec<f64>,
        unbalance_a: Option<Vec<f64>>,
    ) -> PyResult<Self> {
        let n = parents.len();
        let unbalance_a = unbalance_a.unwrap_or_else(|| vec![f64::INFINITY; n]);
        if unbalance_a.len() != n {
            return Err(value_error("every node column must have the same length"));
        }
        if [
            limits_a.len(),
            power_w.len(),
            margins_a.len(),
            voltages.len(),
        ] != [n; 4]
        {
            return Err(value_error("every node column must have the same length"));
        }
        let nodes = (0..n)
            .map(|i| Node {
                parent: parents[i],
                limit_a: limits_a[i],
                power_w: power_w[i],
                margin_a: margins_a[i],
                unmanaged_a: [0.0; 3],
                voltage: voltages[i],
                unbalance_a: unbalance_a[i],
            })
            .collect();
        let inner = Topology::new(wiring(wiring_name)?, nodes).map_err(value_error)?;
        Ok(Self {
            inner,
            allocator: Allocator::default(),
        })
    }

    #[getter]
    fn node_count(&self) -> usize {
        self.inner.nodes.len()
    }

    /// One tick. `unmanaged_a`: per node, the load evgw does not control (A per phase).
    #[pyo3(signature = (demands, unmanaged_a, *, rotate_after_s = 900.0, headroom_a = 2.0,
                        under_draw_a = 1.0, yield_after_s = 120.0, check = false))]
    #[allow(clippy::too_many_arguments)] // keyword tuning knobs
    fn allocate(
        &mut self,
        py: Python<'_>,
        demands: Columns,
        unmanaged_a: Vec<[f64; 3]>,
        rotate_after_s: f64,
        headroom_a: f64,
        under_draw_a: f64,
        yield_after_s: f64,
        check: bool,
    ) -> PyResult<PyAllocation> {
        self.set_unmanaged(&unmanaged_a)?;
        let demands = demands.demands()?;
        let s = settings(rotate_after_s, headroom_a, under_draw_a, yield_after_s);
        let (topology, allocator) = (&self.inner, &mut self.allocator);
        let a = py
            .detach(|| allocator.allocate(topology, &demands, &s, check))
            .map_err(value_error)?;
        Ok(PyAllocation::new(a, self.allocator.labels()))
    }
}

impl PyTopology {
    fn set_unmanaged(&mut self, unmanaged: &[[f64; 3]]) -> PyResult<()> {
        if unmanaged.len() != self.inner.nodes.len() {
            return Err(value_error("unmanaged_a needs one entry per node"));
        }
        if unmanaged
            .iter()
            .flatten()
            .any(|v| !(v.is_finite() && *v >= 0.0))
        {
            return Err(value_error("unmanaged_a values must be finite and >= 0"));
        }
        for (node, &u) in self.inner.nodes.iter_mut().zip(unmanaged) {
            node.unmanaged_a = u;
        }
        Ok(())
    }
}

/// A row given by the caller: (kind "linear"|"phasor", limit, [(connector, re, im), ...]).
type RowSpec = (String, f64, Vec<(usize, f64, f64)>);

/// One tick over caller-built rows (e.g. an acnportal network's constraint matrix).
#[pyfunction]
#[allow(clippy::too_many_arguments)] // keyword tuning knobs
#[pyo3(signature = (rows, demands, *, rotate_after_s = 900.0, headroom_a = 2.0,
                    under_draw_a = 1.0, yield_after_s = 120.0, check = true))]
pub fn allocate_over_rows(
    py: Python<'_>,
    rows: Vec<RowSpec>,
    demands: Columns,
    rotate_after_s: f64,
    headroom_a: f64,
    under_draw_a: f64,
    yield_after_s: f64,
    check: bool,
) -> PyResult<PyAllocation> {
    let demands = demands.demands()?;
    let mut b = ProblemBuilder::with_capacity(rows.len(), 0);
    let mut labels = Vec::with_capacity(rows.len());
    for (r, (kind, limit, terms)) in rows.iter().enumerate() {
        let kind = match kind.as_str() {
            "linear" => RowKind::Linear,
            "phasor" => RowKind::Phasor,
            _ => return Err(value_error("row kind must be \"linear\" or \"phasor\"")),
        };
        b.add_row(kind, *limit, C64::ZERO);
        labels.push(RowLabel { node: r, phase: 0 });
        for &(conn, re, im) in terms {
            if conn >= demands.len() {
                return Err(value_error(format!("row {r}: unknown connector {conn}")));
            }
            b.add_term(r, conn, C64::new(re, im));
        }
    }
    let problem = b.finish(demands.len());
    let s = settings(rotate_after_s, headroom_a, under_draw_a, yield_after_s);
    let a = py.detach(|| allocate_rows(&problem, &demands, &s, check));
    Ok(PyAllocation::new(a, &labels))
}
