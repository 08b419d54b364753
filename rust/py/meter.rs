//! `MeterAggregator`: batches of sampled values in, session energy and roll-ups out.
// pyo3 hands arguments over by value (a Vec extracted from a list).
#![allow(clippy::needless_pass_by_value)]

use std::collections::HashMap;

use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;

use crate::meter::{MeterAggregator, RawSample, SessionSpec};

/// (connector key, ts ms, measurand, value, unit, phase, context) as the store keeps them.
type SampleRow = (
    String,
    i64,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// (energy mWh, baseline mWh, flags, [(ts ms, cumulative mWh), ...])
type EnergyRow = (i64, Option<i64>, Vec<&'static str>, Vec<(i64, i64)>);

#[pyclass(name = "MeterAggregator", module = "evgw._core")]
pub struct PyMeterAggregator {
    inner: MeterAggregator,
    keys: HashMap<String, u32>,
}

impl PyMeterAggregator {
    fn intern(&mut self, key: &str) -> u32 {
        if let Some(&i) = self.keys.get(key) {
            return i;
        }
        let i = u32::try_from(self.keys.len()).expect("fewer than 2^32 connectors");
        self.keys.insert(key.to_owned(), i);
        self.inner.ensure_connector(i);
        i
    }

    fn known(&self, key: &str) -> PyResult<u32> {
        self.keys
            .get(key)
            .copied()
            .ok_or_else(|| PyKeyError::new_err(key.to_owned()))
    }
}

#[pymethods]
impl PyMeterAggregator {
    #[new]
    #[pyo3(signature = (*, future_slack_ms = 86_400_000))]
    fn new(future_slack_ms: i64) -> Self {
        PyMeterAggregator {
            inner: MeterAggregator::new(future_slack_ms),
            keys: HashMap::new(),
        }
    }

    fn set_max_power(&mut self, key: &str, max_power_w: i64) {
        let i = self.intern(key);
        self.inner.set_max_power(i, max_power_w);
    }

    /// Answer (accepted, ignored, [(index, reason), ...]).
    fn ingest(
        &mut self,
        now_ms: i64,
        samples: Vec<SampleRow>,
    ) -> (usize, usize, Vec<(usize, &'static str)>) {
        let indexes: Vec<u32> = samples.iter().map(|s| self.intern(&s.0)).collect();
        let batch: Vec<RawSample<'_>> = samples
            .iter()
            .zip(&indexes)
            .map(|(s, &connector)| RawSample {
                connector,
                ts_ms: s.1,
                measurand: s.2.as_deref(),
                value: &s.3,
                unit: s.4.as_deref(),
                phase: s.5.as_deref(),
                context: s.6.as_deref(),
            })
            .collect();
        let report = self.inner.ingest(now_ms, &batch);
        let rejected = report
            .rejected
            .into_iter()
            .map(|(i, r)| (i, r.as_str()))
            .collect();
        (report.accepted, report.ignored, rejected)
    }

    /// Answer (energy mWh, baseline mWh, flags, [(ts ms, cumulative mWh), ...]).
    #[pyo3(signature = (key, start_ms, stop_ms=None, meter_start_wh=None, meter_stop_wh=None))]
    fn session_energy(
        &mut self,
        key: &str,
        start_ms: i64,
        stop_ms: Option<i64>,
        meter_start_wh: Option<i64>,
        meter_stop_wh: Option<i64>,
    ) -> EnergyRow {
        let i = self.intern(key);
        let spec = SessionSpec {
            start_ms,
            stop_ms,
            meter_start_wh,
            meter_stop_wh,
        };
        let e = self.inner.session_energy(i, &spec);
        let points = e.points.iter().map(|p| (p.ts_ms, p.energy_mwh)).collect();
        (e.energy_mwh, e.baseline_mwh, e.flags.names(), points)
    }

    fn mean_power_mw(&self, key: &str, from_ms: i64, to_ms: i64) -> PyResult<Option<i64>> {
        Ok(self.inner.mean_power_mw(self.known(key)?, from_ms, to_ms))
    }

    fn mean_current_ma(&self, key: &str, from_ms: i64, to_ms: i64) -> PyResult<Option<i64>> {
        Ok(self.inner.mean_current_ma(self.known(key)?, from_ms, to_ms))
    }

    /// Energy (mWh) per bucket summed over `keys` (a connector, a charger's, a site's).
    fn rollup(
        &self,
        keys: Vec<String>,
        interval_ms: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> PyResult<Vec<i64>> {
        let ids = keys
            .iter()
            .map(|k| self.known(k))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(self.inner.rollup(&ids, interval_ms, from_ms, to_ms))
    }

    fn prune_before(&mut self, ts_ms: i64) {
        self.inner.prune_before(ts_ms);
    }
}
