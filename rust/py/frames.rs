//! The decoded frame classes and `Violation` (frozen, read-only attributes).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::schema::Violation;
use crate::version::Version;

#[pyclass(name = "Call", module = "evgw._core", frozen)]
pub struct PyCall {
    #[pyo3(get)]
    pub message_id: Py<PyString>,
    #[pyo3(get)]
    pub action: Py<PyString>,
    #[pyo3(get)]
    pub payload: Py<PyDict>,
}

#[pymethods]
impl PyCall {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Call(message_id={}, action={})",
            repr(py, &self.message_id),
            repr(py, &self.action)
        )
    }
}

#[pyclass(name = "CallResult", module = "evgw._core", frozen)]
pub struct PyCallResult {
    #[pyo3(get)]
    pub message_id: Py<PyString>,
    #[pyo3(get)]
    pub payload: Py<PyDict>,
}

#[pymethods]
impl PyCallResult {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!("CallResult(message_id={})", repr(py, &self.message_id))
    }
}

#[pyclass(name = "CallError", module = "evgw._core", frozen)]
pub struct PyCallError {
    #[pyo3(get)]
    pub message_id: Py<PyString>,
    #[pyo3(get)]
    pub error_code: Py<PyString>,
    #[pyo3(get)]
    pub error_description: Py<PyString>,
    #[pyo3(get)]
    pub error_details: Py<PyDict>,
}

#[pymethods]
impl PyCallError {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "CallError(message_id={}, error_code={})",
            repr(py, &self.message_id),
            repr(py, &self.error_code)
        )
    }
}

#[pyclass(name = "Violation", module = "evgw._core", frozen)]
pub struct PyViolation {
    #[pyo3(get)]
    pub path: String,
    #[pyo3(get)]
    pub kind: &'static str,
    #[pyo3(get)]
    pub code: &'static str,
    #[pyo3(get)]
    pub message: String,
}

impl PyViolation {
    pub fn new(v: Violation, version: Version) -> Self {
        PyViolation {
            path: v.path,
            kind: v.kind.name(),
            code: v.kind.code(version),
            message: v.message,
        }
    }
}

#[pymethods]
impl PyViolation {
    fn __repr__(&self) -> String {
        format!(
            "Violation(path={:?}, kind={:?}, code={:?}, message={:?})",
            self.path, self.kind, self.code, self.message
        )
    }

    fn __str__(&self) -> String {
        format!("{} at {:?}: {}", self.code, self.path, self.message)
    }
}

fn repr(py: Python<'_>, s: &Py<PyString>) -> String {
    s.bind(py).repr().map(|r| r.to_string()).unwrap_or_default()
}
