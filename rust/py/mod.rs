//! The pyo3 binding layer (module `evgw._core`): thin wrappers over [`crate::codec`].

mod alloc;
mod codec;
mod convert;
mod error;
mod frames;
mod meter;
mod pricing;
mod ws;

use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::version::Version;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("OCPP16", Version::V16.as_str())?;
    m.add("OCPP201", Version::V201.as_str())?;
    m.add("OCPP21", Version::V21.as_str())?;
    m.add(
        "SUPPORTED_VERSIONS",
        PyTuple::new(py, Version::ALL.map(Version::as_str))?,
    )?;
    m.add("OcppError", py.get_type::<error::OcppError>())?;
    m.add_class::<codec::PyCodec>()?;
    m.add("DEMAND_COLUMNS", PyTuple::new(py, alloc::DEMAND_COLUMNS)?)?;
    m.add_class::<alloc::PyTopology>()?;
    m.add_class::<alloc::PyAllocation>()?;
    m.add_function(wrap_pyfunction!(alloc::allocate_over_rows, m)?)?;
    m.add_class::<frames::PyCall>()?;
    m.add_class::<frames::PyCallResult>()?;
    m.add_class::<frames::PyCallError>()?;
    m.add_class::<frames::PyViolation>()?;
    m.add("TariffError", py.get_type::<pricing::TariffError>())?;
    m.add_class::<meter::PyMeterAggregator>()?;
    m.add_class::<pricing::PyTariff>()?;
    ws::register(m)?;
    Ok(())
}
