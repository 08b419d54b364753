//! The allocation problem in row form: every constraint is one row over the connectors.
//!
//! A `Linear` row holds when `Re(base + Σ coeff·x) ≤ limit` (wye phases, power, any signed
//! linear row); a `Phasor` row holds when `|base + Σ coeff·x| ≤ limit` (line currents of a
//! delta site: a second-order cone, kept exact). Rows and connectors are linked both ways in
//! compressed (CSR) arrays built once per tick.

use super::complex::C64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    Linear,
    Phasor,
}

#[derive(Clone, Copy, Debug)]
pub struct Row {
    pub kind: RowKind,
    pub limit: f64,
    /// Load the allocator does not control (unmanaged, fixed connectors).
    pub base: C64,
}

impl Row {
    /// The quantity compared with `limit` for a row value.
    pub fn usage(&self, value: C64) -> f64 {
        match self.kind {
            RowKind::Linear => value.re,
            RowKind::Phasor => value.abs(),
        }
    }

    pub fn fits(&self, value: C64) -> bool {
        self.usage(value) <= self.limit + tolerance(self.limit)
    }
}

/// Rounding slack of the invariant: 1e-9 relative, 1e-9 A absolute.
pub fn tolerance(limit: f64) -> f64 {
    // not mul_add: without FMA in the target that is a libm call, and this runs per fit test
    limit.abs() * 1e-9 + 1e-9
}

#[derive(Clone, Copy, Debug)]
pub struct Term {
    pub index: u32,
    pub coeff: C64,
}

/// What the allocator's passes need from a set of rows: the rows, and the (row, coeff) terms
/// of each connector and (connector, coeff) terms of each row. Implemented by the compressed
/// [`Problem`] (any rows) and by `TreeRows` (a capacity tree, no term arrays at all).
pub trait Rows {
    fn rows(&self) -> &[Row];

    fn connectors(&self) -> usize;

    /// Calls `f(row, coeff)` for every row connector `conn` loads while `f` returns true;
    /// false when `f` stopped the walk.
    fn conn_all(&self, conn: usize, f: impl FnMut(usize, C64) -> bool) -> bool;

    /// Calls `f(connector, coeff)` for every member of `row` while `f` returns true.
    fn row_all(&self, row: usize, f: impl FnMut(usize, C64) -> bool) -> bool;

    fn conn_each(&self, conn: usize, mut f: impl FnMut(usize, C64)) {
        self.conn_all(conn, |r, c| {
            f(r, c);
            true
        });
    }

    fn row_each(&self, row: usize, mut f: impl FnMut(usize, C64)) {
        self.row_all(row, |i, c| {
            f(i, c);
            true
        });
    }

    /// Whether `amps` more on connector `conn` keeps every row it loads within its limit,
    /// with row values `values`.
    fn fits_more(&self, conn: usize, amps: f64, values: &[C64]) -> bool {
        let rows = self.rows();
        self.conn_all(conn, |r, c| rows[r].fits(values[r] + c.scale(amps)))
    }

    /// Adds `amps` to connector `conn` in `values` when every row it loads still fits;
    /// false (and `values` unchanged) otherwise.
    fn try_add(&self, conn: usize, amps: f64, values: &mut [C64]) -> bool {
        if !self.fits_more(conn, amps, values) {
            return false;
        }
        self.conn_each(conn, |r, c| values[r] += c.scale(amps));
        true
    }

    /// A linear row whose coefficients are all real and ≥ 0: freezing a member only delays
    /// its saturation.
    fn monotone(&self, row: usize) -> bool {
        self.rows()[row].kind == RowKind::Linear
            && self.row_all(row, |_, c| c.re >= 0.0 && c.im == 0.0)
    }

    /// Row values `base + Σ coeff·x`, written into `out`.
    fn values_into(&self, x: &[f64], out: &mut Vec<C64>) {
        out.clear();
        out.extend(self.rows().iter().map(|r| r.base));
        for (conn, &amps) in x.iter().enumerate() {
            if amps != 0.0 {
                self.conn_each(conn, |r, c| out[r] += c.scale(amps));
            }
        }
    }

    fn values(&self, x: &[f64]) -> Vec<C64> {
        let mut out = Vec::with_capacity(self.rows().len());
        self.values_into(x, &mut out);
        out
    }
}

impl Rows for Problem {
    fn rows(&self) -> &[Row] {
        &self.rows
    }

    fn connectors(&self) -> usize {
        self.conn_start.len().saturating_sub(1)
    }

    fn conn_all(&self, conn: usize, mut f: impl FnMut(usize, C64) -> bool) -> bool {
        self.conn_terms(conn)
            .iter()
            .all(|t| f(t.index as usize, t.coeff))
    }

    fn row_all(&self, row: usize, mut f: impl FnMut(usize, C64) -> bool) -> bool {
        self.row_terms(row)
            .iter()
            .all(|t| f(t.index as usize, t.coeff))
    }
}

/// Rows plus the connector ↔ row incidence, both directions.
#[derive(Clone, Debug, Default)]
pub struct Problem {
    pub rows: Vec<Row>,
    row_start: Vec<usize>,
    row_terms: Vec<Term>,
    conn_start: Vec<usize>,
    conn_terms: Vec<Term>,
}

impl Problem {
    /// (connector, coeff) of a row.
    pub fn row_terms(&self, row: usize) -> &[Term] {
        &self.row_terms[self.row_start[row]..self.row_start[row + 1]]
    }

    /// (row, coeff) of a connector.
    pub fn conn_terms(&self, conn: usize) -> &[Term] {
        &self.conn_terms[self.conn_start[conn]..self.conn_start[conn + 1]]
    }
}

/// Collects rows and (row, connector, coeff) triples, then builds the CSR arrays.
#[derive(Debug, Default)]
pub struct ProblemBuilder {
    rows: Vec<Row>,
    triples: Vec<(u32, u32, C64)>,
}

impl ProblemBuilder {
    pub fn with_capacity(rows: usize, terms: usize) -> Self {
        Self {
            rows: Vec::with_capacity(rows),
            triples: Vec::with_capacity(terms),
        }
    }

    pub fn add_row(&mut self, kind: RowKind, limit: f64, base: C64) -> usize {
        self.rows.push(Row { kind, limit, base });
        self.rows.len() - 1
    }

    pub fn add_base(&mut self, row: usize, load: C64) {
        self.rows[row].base += load;
    }

    /// # Panics
    /// With 2^32 rows or connectors or more.
    pub fn add_term(&mut self, row: usize, conn: usize, coeff: C64) {
        let row = u32::try_from(row).expect("fewer than 2^32 rows");
        let conn = u32::try_from(conn).expect("fewer than 2^32 connectors");
        self.triples.push((row, conn, coeff));
    }

    pub fn into_rows(self) -> Vec<Row> {
        self.rows
    }

    pub fn row_count(&self) -> usize {
        self.rows.len()
    }

    /// Rows plus the connector-ordered terms (`conn_start` has one entry per connector and
    /// a final one): only the row side needs building, by one transposition.
    ///
    /// # Panics
    /// With 2^32 connectors or more.
    pub fn from_connectors(
        rows: Vec<Row>,
        conn_start: Vec<usize>,
        conn_terms: Vec<Term>,
    ) -> Problem {
        let mut row_start = vec![0usize; rows.len() + 1];
        for t in &conn_terms {
            row_start[t.index as usize + 1] += 1;
        }
        for r in 0..rows.len() {
            row_start[r + 1] += row_start[r];
        }
        let mut next = row_start.clone();
        let mut row_terms = vec![
            Term {
                index: 0,
                coeff: C64::ZERO
            };
            conn_terms.len()
        ];
        for conn in 0..conn_start.len().saturating_sub(1) {
            let index = u32::try_from(conn).expect("fewer than 2^32 connectors");
            for t in &conn_terms[conn_start[conn]..conn_start[conn + 1]] {
                let slot = &mut next[t.index as usize];
                row_terms[*slot] = Term {
                    index,
                    coeff: t.coeff,
                };
                *slot += 1;
            }
        }
        Problem {
            rows,
            row_start,
            row_terms,
            conn_start,
            conn_terms,
        }
    }

    pub fn finish(self, connectors: usize) -> Problem {
        let (row_start, row_terms) = csr(self.rows.len(), &self.triples, |t| (t.0, t.1));
        let (conn_start, conn_terms) = csr(connectors, &self.triples, |t| (t.1, t.0));
        Problem {
            rows: self.rows,
            row_start,
            row_terms,
            conn_start,
            conn_terms,
        }
    }
}

/// Counting sort of the triples by `key(t).0`, keeping `key(t).1` and the coefficient.
fn csr(
    groups: usize,
    triples: &[(u32, u32, C64)],
    key: impl Fn(&(u32, u32, C64)) -> (u32, u32),
) -> (Vec<usize>, Vec<Term>) {
    let mut start = vec![0usize; groups + 1];
    for t in triples {
        start[key(t).0 as usize + 1] += 1;
    }
    for g in 0..groups {
        start[g + 1] += start[g];
    }
    let mut next = start.clone();
    let mut terms = vec![
        Term {
            index: 0,
            coeff: C64::ZERO
        };
        triples.len()
    ];
    for t in triples {
        let (group, index) = key(t);
        let slot = &mut next[group as usize];
        terms[*slot] = Term { index, coeff: t.2 };
        *slot += 1;
    }
    (start, terms)
}
