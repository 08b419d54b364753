//! Metering correctness layer: sampled values in, per-connector registers, session energy
//! with invariants, and interval roll-ups out. No I/O, no clock (`now` is passed in).

mod aggregator;
mod energy;
mod rollup;
mod series;
mod units;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

pub use aggregator::{IngestReport, MeterAggregator, RawSample, DEFAULT_MAX_POWER_MW};
pub use energy::{Flags, Point, SessionEnergy, SessionSpec, LARGE_REGISTER_MWH};
pub use series::Reading;
pub use units::{parse_scaled, Reject};
