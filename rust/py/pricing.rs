//! `Tariff`: a parsed, frozen OCPI tariff; `price` / `price_many` return JSON text.
// pyo3 hands arguments over by value (a Vec extracted from a list).
#![allow(clippy::needless_pass_by_value)]

use std::str::FromStr;

use chrono_tz::Tz;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use rust_decimal::Decimal;

use crate::pricing::{self, Mode, Phase, Rounding, Segment, Session, Tariff};

pyo3::create_exception!(
    evgw._core,
    TariffError,
    PyValueError,
    "A tariff that cannot be read; args (message, path)."
);

/// (start ms, end ms, energy mWh, phase, power kW text or None, current A text or None)
type SegmentRow = (i64, i64, i64, String, Option<String>, Option<String>);

fn decimal(text: Option<&str>, what: &str) -> PyResult<Option<Decimal>> {
    text.map(|t| {
        Decimal::from_str(t)
            .map_err(|_| PyValueError::new_err(format!("{what} {t:?} is not a decimal")))
    })
    .transpose()
}

fn session(tz: &str, rows: &[SegmentRow]) -> PyResult<Session> {
    let tz: Tz = tz
        .parse()
        .map_err(|_| PyValueError::new_err(format!("unknown time zone {tz:?}")))?;
    let segments = rows
        .iter()
        .map(|(start, end, mwh, phase, power, current)| {
            Ok(Segment {
                start_ms: *start,
                end_ms: *end,
                energy_mwh: *mwh,
                phase: Phase::parse(phase)
                    .ok_or_else(|| PyValueError::new_err(format!("unknown phase {phase:?}")))?,
                power_kw: decimal(power.as_deref(), "power")?,
                current_a: decimal(current.as_deref(), "current")?,
            })
        })
        .collect::<PyResult<_>>()?;
    Ok(Session { tz, segments })
}

#[pyclass(name = "Tariff", module = "evgw._core", frozen)]
pub struct PyTariff {
    inner: Tariff,
}

impl PyTariff {
    fn price_one(
        &self,
        tz: &str,
        rows: &[SegmentRow],
        (mode, rounding): (Mode, Rounding),
        detail: bool,
    ) -> PyResult<String> {
        let s = session(tz, rows)?;
        let priced = pricing::price(&self.inner, &s, mode, rounding)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(if detail {
            pricing::to_json(&self.inner, &priced)
        } else {
            pricing::totals_json(&self.inner, &priced)
        })
    }
}

fn modes(final_: bool, rounding: &str) -> PyResult<(Mode, Rounding)> {
    let r = Rounding::parse(rounding)
        .ok_or_else(|| PyValueError::new_err("rounding must be HALF_UP or HALF_EVEN"))?;
    Ok((if final_ { Mode::Final } else { Mode::Running }, r))
}

#[pymethods]
impl PyTariff {
    #[new]
    fn new(json: &str) -> PyResult<Self> {
        Tariff::from_json(json)
            .map(|inner| PyTariff { inner })
            .map_err(|e| TariffError::new_err((e.message, e.path)))
    }

    #[getter]
    fn currency(&self) -> &str {
        &self.inner.currency.code
    }

    #[getter]
    fn exponent(&self) -> u32 {
        self.inner.currency.exponent
    }

    /// [(severity "error"|"warning", code, path, message), ...]
    fn lint(&self) -> Vec<(&'static str, &'static str, String, String)> {
        pricing::lint(&self.inner)
            .into_iter()
            .map(|f| {
                let severity = match f.severity {
                    pricing::Severity::Error => "error",
                    pricing::Severity::Warning => "warning",
                };
                (severity, f.code, f.path, f.message)
            })
            .collect()
    }

    /// The priced session as JSON text (decimals as strings).
    #[pyo3(signature = (tz, segments, *, final_=true, rounding="HALF_UP"))]
    fn price(
        &self,
        tz: &str,
        segments: Vec<SegmentRow>,
        final_: bool,
        rounding: &str,
    ) -> PyResult<String> {
        self.price_one(tz, &segments, modes(final_, rounding)?, true)
    }

    /// Many sessions in one call: [(tz, segments), ...] -> [JSON text, ...]; `detail=False`
    /// leaves out periods and lines (totals and volumes only).
    #[pyo3(signature = (sessions, *, final_=true, rounding="HALF_UP", detail=true))]
    fn price_many(
        &self,
        sessions: Vec<(String, Vec<SegmentRow>)>,
        final_: bool,
        rounding: &str,
        detail: bool,
    ) -> PyResult<Vec<String>> {
        let how = modes(final_, rounding)?;
        sessions
            .iter()
            .map(|(tz, rows)| self.price_one(tz, rows, how, detail))
            .collect()
    }
}
