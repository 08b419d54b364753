//! evgw's hot path: OCPP-J framing, schema validation and the load allocator (no I/O, no clock).
//!
//! The core compiles and tests without Python; the pyo3 layer lives in [`py`] behind the
//! `python` cargo feature.

pub mod alloc;
pub mod codec;
pub mod errors;
pub mod frame;
pub mod json;
pub mod meter;
pub mod pricing;
pub mod schema;
pub mod version;
pub mod ws;

#[cfg(feature = "python")]
mod py;
