//! `OcppError`: the one place a Rust frame error becomes a Python exception.

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::frame::{Detail, FrameError};
use crate::version::Version;

pyo3::create_exception!(
    evgw._core,
    OcppError,
    PyException,
    "A frame we cannot accept; attributes kind, code, message_id, description, details, action, frame_type."
);

/// Builds the `OcppError` for `e`, spelled for `version`.
#[cold]
#[inline(never)]
pub fn ocpp_error(py: Python<'_>, version: Version, e: FrameError) -> PyErr {
    match build(py, version, e) {
        Ok(err) | Err(err) => err,
    }
}

fn build(py: Python<'_>, version: Version, e: FrameError) -> PyResult<PyErr> {
    let err = OcppError::new_err(e.description.clone());
    let value = err.value(py);
    let details = PyDict::new(py);
    match &e.detail {
        Detail::None => {}
        Detail::Offset(offset) => details.set_item("offset", offset)?,
        Detail::Path(path) => details.set_item("path", path)?,
    }
    value.setattr("kind", e.kind.name())?;
    value.setattr("code", e.kind.code(version))?;
    value.setattr("message_id", e.message_id)?;
    value.setattr("description", e.description)?;
    value.setattr("details", details)?;
    value.setattr("action", e.action)?;
    value.setattr("frame_type", e.frame_type)?;
    Ok(err)
}
