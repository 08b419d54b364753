//! Values ↔ Python objects, in one crossing each way. Names the validator matched to the
//! catalog (property names, enum values, actions) reuse one interned Python string per codec.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::json::{Member, Str, Value, NO_ATOM};

/// Deeper Python structures are refused (mirrors the parser's nesting limit).
const MAX_DEPTH: u32 = 64;

/// A Python str for `s`, reusing the interned atom when the validator set one.
#[inline]
pub fn str_to_py<'py>(
    py: Python<'py>,
    s: &Str<'_>,
    atoms: &[Py<PyString>],
) -> Bound<'py, PyString> {
    match atoms.get(s.atom as usize) {
        Some(atom) if s.atom != NO_ATOM => atom.bind(py).clone(),
        _ => PyString::new(py, s.as_str()),
    }
}

pub fn object_to_py<'py>(
    py: Python<'py>,
    members: &[Member<'_>],
    atoms: &[Py<PyString>],
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for m in members {
        dict.set_item(str_to_py(py, &m.key, atoms), to_py(py, &m.value, atoms)?)?;
    }
    Ok(dict)
}

pub fn to_py<'py>(
    py: Python<'py>,
    v: &Value<'_>,
    atoms: &[Py<PyString>],
) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Str(s) => str_to_py(py, s, atoms).into_any(),
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::Float(f) => PyFloat::new(py, *f).into_any(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Null => py.None().into_bound(py),
        Value::Object(members) => object_to_py(py, members, atoms)?.into_any(),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(to_py(py, item, atoms)?);
            }
            PyList::new(py, out)?.into_any()
        }
    })
}

/// A JSON value from plain Python data (dict with str keys, list/tuple, str, int, float,
/// bool, None).
pub fn from_py(obj: &Bound<'_, PyAny>) -> PyResult<Value<'static>> {
    from_py_at(obj, 0)
}

fn from_py_at(obj: &Bound<'_, PyAny>, depth: u32) -> PyResult<Value<'static>> {
    if depth > MAX_DEPTH {
        return Err(PyValueError::new_err("payload nested too deeply"));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::Str(Str::owned(s.to_str()?.to_owned())));
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let mut members = Vec::with_capacity(dict.len());
        for (k, v) in dict.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| PyTypeError::new_err("payload keys must be str"))?;
            members.push(Member {
                key: Str::owned(key.to_str()?.to_owned()),
                value: from_py_at(&v, depth + 1)?,
            });
        }
        return Ok(Value::Object(members));
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        let i: i64 = obj
            .extract()
            .map_err(|_| PyValueError::new_err("integer out of the 64-bit range"))?;
        return Ok(Value::Int(i));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Ok(Value::Float(f.value()));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(list) = obj.cast::<PyList>() {
        return list
            .iter()
            .map(|item| from_py_at(&item, depth + 1))
            .collect::<PyResult<_>>()
            .map(Value::Array);
    }
    if let Ok(tuple) = obj.cast::<PyTuple>() {
        return tuple
            .iter()
            .map(|item| from_py_at(&item, depth + 1))
            .collect::<PyResult<_>>()
            .map(Value::Array);
    }
    let name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_default();
    Err(PyTypeError::new_err(format!(
        "cannot encode {name} as JSON"
    )))
}
