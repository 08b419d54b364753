//! `Codec`: decode / validate / encode for one OCPP version.

use pyo3::exceptions::{PyRuntimeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString};

use super::convert::{from_py, object_to_py, str_to_py};
use super::error::ocpp_error;
use super::frames::{PyCall, PyCallError, PyCallResult, PyViolation};
use crate::codec::{Codec, EncodeError};
use crate::errors::ErrorKind;
use crate::frame::Frame;
use crate::json::Value;
use crate::schema::Direction;
use crate::version::Version;

#[pyclass(name = "Codec", module = "evgw._core", frozen)]
pub struct PyCodec {
    inner: Codec,
    /// The catalog's atoms as interned Python strings.
    atoms: Vec<Py<PyString>>,
}

fn value_error(e: &EncodeError) -> PyErr {
    PyValueError::new_err(e.to_string())
}

fn direction(kind: &str) -> PyResult<Direction> {
    match kind {
        "request" => Ok(Direction::Request),
        "response" => Ok(Direction::Response),
        _ => Err(PyValueError::new_err(
            "kind must be \"request\" or \"response\"",
        )),
    }
}

/// A dict payload as a value (`TypeError` for anything else).
fn payload(obj: &Bound<'_, PyAny>) -> PyResult<Value<'static>> {
    if !obj.is_instance_of::<PyDict>() {
        return Err(PyTypeError::new_err("payload must be a dict"));
    }
    from_py(obj)
}

#[pymethods]
impl PyCodec {
    #[new]
    #[pyo3(signature = (version, *, max_frame_bytes = 65536))]
    fn new(py: Python<'_>, version: &str, max_frame_bytes: usize) -> PyResult<Self> {
        let v = Version::parse(version).ok_or_else(|| {
            PyValueError::new_err(format!("unsupported OCPP version {version:?}"))
        })?;
        let inner =
            Codec::new(v, max_frame_bytes).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
        let atoms = inner
            .catalog()
            .atoms()
            .iter()
            .map(|a| PyString::intern(py, a).unbind())
            .collect();
        Ok(PyCodec { inner, atoms })
    }

    #[getter]
    fn version(&self) -> &'static str {
        self.inner.version.as_str()
    }

    #[getter]
    fn max_frame_bytes(&self) -> usize {
        self.inner.max_frame_bytes
    }

    #[pyo3(signature = (text, pending_action = None))]
    fn decode(
        &self,
        py: Python<'_>,
        text: &Bound<'_, PyAny>,
        pending_action: Option<&str>,
    ) -> PyResult<Py<PyAny>> {
        let pending = match pending_action {
            Some(action) => Some(
                self.inner
                    .schema(action, Direction::Response)
                    .map_err(|e| value_error(&e))?,
            ),
            None => None,
        };
        let decoded = if let Ok(s) = text.cast::<PyString>() {
            self.inner.decode(s.to_str()?, pending)
        } else if let Ok(b) = text.cast::<PyBytes>() {
            self.inner.decode_bytes(b.as_bytes(), pending)
        } else {
            return Err(PyTypeError::new_err("decode() takes str or bytes"));
        };
        let frame = decoded.map_err(|e| ocpp_error(py, self.inner.version, e))?;
        self.frame_to_py(py, &frame)
    }

    fn validate(
        &self,
        action: &str,
        kind: &str,
        payload: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyViolation>> {
        let direction = direction(kind)?;
        let mut value = self::payload(payload)?;
        let violations = self
            .inner
            .validate(action, direction, &mut value)
            .map_err(|e| value_error(&e))?;
        Ok(violations
            .into_iter()
            .map(|v| PyViolation::new(v, self.inner.version))
            .collect())
    }

    #[pyo3(signature = (message_id, action, payload, *, validate = true))]
    fn encode_call(
        &self,
        message_id: &str,
        action: &str,
        payload: &Bound<'_, PyAny>,
        validate: bool,
    ) -> PyResult<String> {
        let mut value = self::payload(payload)?;
        self.inner
            .encode_call(message_id, action, &mut value, validate)
            .map_err(|e| value_error(&e))
    }

    #[pyo3(signature = (message_id, payload, action = None))]
    fn encode_result(
        &self,
        message_id: &str,
        payload: &Bound<'_, PyAny>,
        action: Option<&str>,
    ) -> PyResult<String> {
        let mut value = self::payload(payload)?;
        self.inner
            .encode_result(message_id, &mut value, action)
            .map_err(|e| value_error(&e))
    }

    #[pyo3(signature = (message_id, code, description = "", details = None))]
    fn encode_error(
        &self,
        message_id: &str,
        code: &str,
        description: &str,
        details: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let details = match details {
            Some(d) => self::payload(d)?,
            None => Value::Object(Vec::new()),
        };
        self.inner
            .encode_error(message_id, code, description, &details)
            .map_err(|e| value_error(&e))
    }

    fn error_code(&self, kind: &str) -> PyResult<&'static str> {
        let kind = ErrorKind::from_name(kind)
            .ok_or_else(|| PyValueError::new_err(format!("unknown error kind {kind:?}")))?;
        Ok(kind.code(self.inner.version))
    }

    fn actions(&self) -> Vec<&'static str> {
        self.inner
            .catalog()
            .actions()
            .iter()
            .filter(|a| a.request.is_some())
            .map(|a| a.name)
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "Codec({:?}, max_frame_bytes={})",
            self.inner.version.as_str(),
            self.inner.max_frame_bytes
        )
    }
}

impl PyCodec {
    fn frame_to_py(&self, py: Python<'_>, frame: &Frame<'_>) -> PyResult<Py<PyAny>> {
        let atoms = &self.atoms;
        let obj = match frame {
            Frame::Call {
                id,
                action,
                payload,
            } => Bound::new(
                py,
                PyCall {
                    message_id: str_to_py(py, id, atoms).unbind(),
                    action: str_to_py(py, action, atoms).unbind(),
                    payload: object(py, payload, atoms)?,
                },
            )?
            .into_any(),
            Frame::CallResult { id, payload } => Bound::new(
                py,
                PyCallResult {
                    message_id: str_to_py(py, id, atoms).unbind(),
                    payload: object(py, payload, atoms)?,
                },
            )?
            .into_any(),
            Frame::CallError {
                id,
                code,
                description,
                details,
            } => Bound::new(
                py,
                PyCallError {
                    message_id: str_to_py(py, id, atoms).unbind(),
                    error_code: str_to_py(py, code, atoms).unbind(),
                    error_description: str_to_py(py, description, atoms).unbind(),
                    error_details: object(py, details, atoms)?,
                },
            )?
            .into_any(),
        };
        Ok(obj.unbind())
    }
}

/// A payload known to be an object (the frame decoder checked it).
fn object(py: Python<'_>, v: &Value<'_>, atoms: &[Py<PyString>]) -> PyResult<Py<PyDict>> {
    match v {
        Value::Object(members) => Ok(object_to_py(py, members, atoms)?.unbind()),
        _ => Err(PyRuntimeError::new_err(
            "internal: payload is not an object",
        )),
    }
}
