//! pyo3 binding layer.
