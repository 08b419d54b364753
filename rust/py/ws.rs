//! `WsParser` and the frame encoders: the WebSocket framing of [`crate::ws`] for the
//! gateway's connection layer (`evgw.gateway._ws`).
//!
//! `WsParser.feed(data)` returns the events in order: a `str` for each text message (the
//! common case, no wrapper), and tuples for the rest: `(OP_BINARY, bytes)`,
//! `(OP_PING, bytes)`, `(OP_PONG, bytes)`, `(OP_CLOSE, code | None, reason)`, and last,
//! on a protocol error, `(-1, close_code, reason)`.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::ws::{self, Event, Parser};

/// The tuple tag of a protocol error in `feed`'s result.
const ERROR_TAG: i32 = -1;

#[pyclass(name = "WsParser", module = "evgw._core")]
pub struct PyWsParser {
    inner: Parser,
    events: Vec<Event>,
}

fn event_to_py<'py>(py: Python<'py>, event: Event) -> PyResult<Bound<'py, PyAny>> {
    let tagged = |op: u8, data: &[u8]| -> PyResult<Bound<'py, PyAny>> {
        Ok(PyTuple::new(
            py,
            [
                op.into_pyobject(py)?.into_any(),
                PyBytes::new(py, data).into_any(),
            ],
        )?
        .into_any())
    };
    match event {
        Event::Text(text) => Ok(PyString::new(py, &text).into_any()),
        Event::Binary(data) => tagged(ws::OP_BINARY, &data),
        Event::Ping(data) => tagged(ws::OP_PING, &data),
        Event::Pong(data) => tagged(ws::OP_PONG, &data),
        Event::Close(code, reason) => {
            Ok((ws::OP_CLOSE, code, reason).into_pyobject(py)?.into_any())
        }
    }
}

#[pymethods]
impl PyWsParser {
    /// `client=True` parses a server's frames (unmasked) instead of a client's (masked).
    #[new]
    #[pyo3(signature = (max_message, *, client = false))]
    fn new(max_message: usize, client: bool) -> Self {
        let inner = if client {
            Parser::client(max_message)
        } else {
            Parser::new(max_message)
        };
        PyWsParser {
            inner,
            events: Vec::new(),
        }
    }

    /// Parses received bytes; returns the complete events (see the module doc).
    fn feed<'py>(&mut self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyList>> {
        let result = self.inner.feed(data, &mut self.events);
        let list = PyList::empty(py);
        for event in self.events.drain(..) {
            list.append(event_to_py(py, event)?)?;
        }
        if let Err(e) = result {
            list.append((ERROR_TAG, e.code, e.reason))?;
        }
        Ok(list)
    }

    /// True once a close frame or a protocol error was parsed.
    #[getter]
    fn done(&self) -> bool {
        self.inner.is_done()
    }

    /// Bytes held for an incomplete frame or message.
    #[getter]
    fn buffered(&self) -> usize {
        self.inner.buffered()
    }
}

/// A server text frame (final, unmasked) carrying `text`.
#[pyfunction]
pub fn ws_text<'py>(py: Python<'py>, text: &str) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &ws::encode(ws::OP_TEXT, text.as_bytes()))
}

/// A server frame of `opcode` (ping, pong, binary) carrying `payload`.
#[pyfunction]
pub fn ws_frame<'py>(py: Python<'py>, opcode: u8, payload: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let control = opcode >= ws::OP_CLOSE;
    if !matches!(opcode, ws::OP_BINARY | ws::OP_PING | ws::OP_PONG) {
        return Err(PyValueError::new_err(format!(
            "opcode {opcode:#x}: use ws_text or ws_close"
        )));
    }
    if control && payload.len() > ws::MAX_CONTROL_PAYLOAD {
        return Err(PyValueError::new_err(
            "control frame payload over 125 bytes",
        ));
    }
    Ok(PyBytes::new(py, &ws::encode(opcode, payload)))
}

/// A close frame with `code` and `reason` (cut to 123 bytes on a character boundary).
#[pyfunction]
pub fn ws_close<'py>(py: Python<'py>, code: u16, reason: &str) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &ws::encode_close(code, reason))
}

/// A masked client frame (for test clients and the simulator).
#[pyfunction]
#[pyo3(signature = (opcode, payload, key, *, fin = true))]
pub fn ws_masked<'py>(
    py: Python<'py>,
    opcode: u8,
    payload: &[u8],
    key: [u8; 4],
    fin: bool,
) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &ws::mask_frame(opcode, payload, key, fin))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyWsParser>()?;
    m.add_function(wrap_pyfunction!(ws_text, m)?)?;
    m.add_function(wrap_pyfunction!(ws_frame, m)?)?;
    m.add_function(wrap_pyfunction!(ws_close, m)?)?;
    m.add_function(wrap_pyfunction!(ws_masked, m)?)?;
    m.add("WS_OP_TEXT", ws::OP_TEXT)?;
    m.add("WS_OP_BINARY", ws::OP_BINARY)?;
    m.add("WS_OP_CLOSE", ws::OP_CLOSE)?;
    m.add("WS_OP_PING", ws::OP_PING)?;
    m.add("WS_OP_PONG", ws::OP_PONG)?;
    m.add("WS_PROTOCOL_ERROR", ERROR_TAG)?;
    Ok(())
}
