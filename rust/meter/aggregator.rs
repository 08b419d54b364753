//! `MeterAggregator`: per-connector series fed by batches of raw sampled values.

use super::energy::{from_intervals, session_energy, SessionEnergy, SessionSpec};
use super::rollup::{add_steps, Buckets};
use super::series::Series;
use super::units::{measurand, milli_shift, parse_scaled, Context, Measurand, Phase, Reject};

/// One sampled value as OCPP carried it (text, as received).
#[derive(Clone, Copy, Debug)]
pub struct RawSample<'a> {
    pub connector: u32,
    pub ts_ms: i64,
    pub measurand: Option<&'a str>,
    pub value: &'a str,
    pub unit: Option<&'a str>,
    pub phase: Option<&'a str>,
    pub context: Option<&'a str>,
}

/// What a batch did: how many values were kept, and which were refused and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IngestReport {
    pub accepted: usize,
    /// Valid values of measurands the aggregator does not keep.
    pub ignored: usize,
    pub rejected: Vec<(usize, Reject)>,
}

/// A connector can deliver at most this much unless told otherwise (1 MW).
pub const DEFAULT_MAX_POWER_MW: i64 = 1_000_000_000;

#[derive(Clone, Debug)]
struct Connector {
    registers: Series,
    intervals: Series,
    power: Series,
    current: Series,
    max_power_mw: i64,
}

impl Default for Connector {
    fn default() -> Self {
        Connector {
            registers: Series::default(),
            intervals: Series::default(),
            power: Series::default(),
            current: Series::default(),
            max_power_mw: DEFAULT_MAX_POWER_MW,
        }
    }
}

#[derive(Clone, Debug)]
pub struct MeterAggregator {
    connectors: Vec<Connector>,
    /// Values stamped later than `now + future_slack` are refused.
    future_slack_ms: i64,
}

impl MeterAggregator {
    pub fn new(future_slack_ms: i64) -> Self {
        MeterAggregator {
            connectors: Vec::new(),
            future_slack_ms,
        }
    }

    /// Make room for connectors `0..=index` (the binding interns connector keys to indexes).
    pub fn ensure_connector(&mut self, index: u32) {
        let needed = index as usize + 1;
        if self.connectors.len() < needed {
            self.connectors.resize_with(needed, Connector::default);
        }
    }

    /// The most the connector can deliver; steps above it are absurd jumps.
    pub fn set_max_power(&mut self, connector: u32, max_power_w: i64) {
        self.ensure_connector(connector);
        self.connectors[connector as usize].max_power_mw = max_power_w.saturating_mul(1000);
    }

    pub fn ingest(&mut self, now_ms: i64, batch: &[RawSample<'_>]) -> IngestReport {
        let mut report = IngestReport::default();
        let horizon = now_ms.saturating_add(self.future_slack_ms);
        for (i, s) in batch.iter().enumerate() {
            match self.take(horizon, s) {
                Ok(true) => report.accepted += 1,
                Ok(false) => report.ignored += 1,
                Err(reason) => report.rejected.push((i, reason)),
            }
        }
        report
    }

    #[inline]
    fn take(&mut self, horizon_ms: i64, s: &RawSample<'_>) -> Result<bool, Reject> {
        let (kind, quantity) = measurand(s.measurand)?;
        let shift = milli_shift(s.unit, quantity)?;
        let phase = Phase::parse(s.phase)?;
        let context = Context::parse(s.context)?;
        let value = parse_scaled(s.value, shift)?;
        if s.ts_ms > horizon_ms {
            return Err(Reject::FutureTimestamp);
        }
        let connector = self
            .connectors
            .get_mut(s.connector as usize)
            .ok_or(Reject::UnknownConnector)?;
        let series = match kind {
            Measurand::EnergyImportRegister => &mut connector.registers,
            Measurand::EnergyImportInterval => &mut connector.intervals,
            Measurand::PowerImport => &mut connector.power,
            Measurand::CurrentImport => &mut connector.current,
            Measurand::Voltage | Measurand::SoC | Measurand::Other => return Ok(false),
        };
        if value < 0 {
            return Err(Reject::NegativeValue);
        }
        let Some(slot) = phase.slot() else {
            return Ok(false);
        };
        series.put(s.ts_ms, slot, value, context);
        Ok(true)
    }

    fn connector(&self, index: u32) -> Option<&Connector> {
        self.connectors.get(index as usize)
    }

    /// The session's energy and timeline from this connector's readings.
    pub fn session_energy(&self, connector: u32, spec: &SessionSpec) -> SessionEnergy {
        let empty = Connector::default();
        let c = self.connector(connector).unwrap_or(&empty);
        if c.registers.is_empty() && !c.intervals.is_empty() {
            return from_intervals(spec, c.intervals.readings());
        }
        session_energy(spec, c.registers.readings(), c.max_power_mw)
    }

    /// Mean power (mW, summed over lines) reported in `[from, to)`, if any.
    pub fn mean_power_mw(&self, connector: u32, from_ms: i64, to_ms: i64) -> Option<i64> {
        mean(&self.connector(connector)?.power, from_ms, to_ms)
    }

    /// Mean current (mA, summed over lines) reported in `[from, to)`, if any.
    pub fn mean_current_ma(&self, connector: u32, from_ms: i64, to_ms: i64) -> Option<i64> {
        mean(&self.connector(connector)?.current, from_ms, to_ms)
    }

    /// Energy per bucket (mWh) summed over `connectors` (one connector, a charger, a site).
    pub fn rollup(
        &self,
        connectors: &[u32],
        interval_ms: i64,
        from_ms: i64,
        to_ms: i64,
    ) -> Vec<i64> {
        let step = interval_ms.max(1);
        let n = usize::try_from(((to_ms - from_ms).max(0) + step - 1) / step).unwrap_or(0);
        let mut out = vec![0; n];
        let mut buckets = Buckets {
            from_ms,
            interval_ms: interval_ms.max(1),
            out: &mut out,
        };
        for c in connectors.iter().filter_map(|&i| self.connector(i)) {
            let window = c
                .registers
                .window(from_ms.saturating_sub(interval_ms), to_ms);
            add_steps(window, c.max_power_mw, &mut buckets);
        }
        out
    }

    /// Forget readings older than `ts` (keeping one before it as a baseline).
    pub fn prune_before(&mut self, ts_ms: i64) {
        for c in &mut self.connectors {
            for s in [
                &mut c.registers,
                &mut c.intervals,
                &mut c.power,
                &mut c.current,
            ] {
                s.prune_before(ts_ms);
            }
        }
    }

    /// Number of register readings held (for statistics).
    pub fn register_count(&self) -> usize {
        self.connectors
            .iter()
            .map(|c| c.registers.readings().len())
            .sum()
    }
}

fn mean(series: &Series, from_ms: i64, to_ms: i64) -> Option<i64> {
    let window = series.window(from_ms, to_ms - 1);
    let n = i64::try_from(window.len()).ok().filter(|&n| n > 0)?;
    Some(
        window
            .iter()
            .map(super::series::Reading::value)
            .sum::<i64>()
            / n,
    )
}
