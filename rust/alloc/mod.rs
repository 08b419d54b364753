//! The per-second allocator: capacity tree, connector demands → per-connector limits.
//!
//! Pure Rust: no I/O, no clock (ages are passed in), no pyo3. One call per tick for a whole
//! tree (`allocate`), or over caller-built rows (`allocate_rows`). Every limit is 0 or
//! ≥ 6 A (IEC 61851) and every row holds; `check` verifies both.

mod admission;
mod check;
mod compile;
mod complex;
mod demand;
mod fill;
mod problem;
mod quantise;
mod tick;
mod topology;
mod tree;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use check::{check, Violation};
pub use compile::{compile, Compiled, DemandError, RowLabel};
pub use complex::C64;
pub use demand::{bounds, Bounds, Demand, Settings, IEC_MIN_A};
pub use problem::{Problem, ProblemBuilder, Row, RowKind, Rows};
pub use tick::{allocate, allocate_rows, Allocation, Allocator, Reason};
pub use topology::{Node, Topology, TopologyError, Wiring};
pub use tree::{TreeBuffers, TreeRows};
