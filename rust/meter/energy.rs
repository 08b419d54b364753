//! Session energy from a register series: baseline rules, monotonicity, plausibility.
//!
//! Invariants: energy is never negative; a register that goes backwards is a meter reset or
//! replacement (flagged, the step counts 0); a step larger than the connector could deliver in
//! the interval is an absurd jump (flagged, counts 0); only readings inside the session window
//! count.

use super::series::Reading;
use super::units::Context;

/// Flags raised while computing a session's energy (a bit set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags(pub u32);

impl Flags {
    pub const METER_RESET: u32 = 1;
    pub const ABSURD_JUMP: u32 = 2;
    /// The start register was missing or implausible (0 with a large register): the first
    /// reading inside the session was used instead.
    pub const BASELINE_FROM_READING: u32 = 4;
    /// No register value at all: the energy is 0 and unproven.
    pub const NO_READINGS: u32 = 8;
    /// The stop register is below the last reading: the readings were used.
    pub const STOP_BELOW_READING: u32 = 16;
    /// The session has not ended (no stop, no Transaction.End): a running figure.
    pub const OPEN: u32 = 32;
    /// Energy came from interval values, not a register.
    pub const FROM_INTERVALS: u32 = 64;

    const NAMES: [(u32, &'static str); 7] = [
        (Self::METER_RESET, "meter_reset"),
        (Self::ABSURD_JUMP, "absurd_jump"),
        (Self::BASELINE_FROM_READING, "baseline_from_reading"),
        (Self::NO_READINGS, "no_readings"),
        (Self::STOP_BELOW_READING, "stop_below_reading"),
        (Self::OPEN, "open"),
        (Self::FROM_INTERVALS, "from_intervals"),
    ];

    pub fn has(self, bit: u32) -> bool {
        self.0 & bit != 0
    }

    /// Flags that hold a session from automatic billing.
    pub fn needs_review(self) -> bool {
        self.has(Self::METER_RESET | Self::ABSURD_JUMP | Self::NO_READINGS)
    }

    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .filter(|(bit, _)| self.has(*bit))
            .map(|(_, n)| *n)
            .collect()
    }
}

/// A session as the transaction record knows it (registers in Wh, as OCPP sends them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionSpec {
    pub start_ms: i64,
    pub stop_ms: Option<i64>,
    pub meter_start_wh: Option<i64>,
    pub meter_stop_wh: Option<i64>,
}

/// One point of the session's energy timeline: cumulative session energy at `ts_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    pub ts_ms: i64,
    pub energy_mwh: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionEnergy {
    pub energy_mwh: i64,
    pub baseline_mwh: Option<i64>,
    pub end_mwh: Option<i64>,
    pub flags: Flags,
    /// Starts at (start, 0) and ends at the stop (or the last reading while open).
    pub points: Vec<Point>,
}

/// A register this far above 0 means a `meterStart` of 0 is not the real start register.
pub const LARGE_REGISTER_MWH: i64 = 1_000_000; // 1 kWh

struct Walk {
    last_value: i64,
    last_ts: i64,
    energy: i64,
    flags: Flags,
    points: Vec<Point>,
    max_power_mw: i64,
}

impl Walk {
    /// Add the step to `value` at `ts`; flag resets and absurd jumps.
    fn step(&mut self, ts_ms: i64, value: i64) {
        let delta = value - self.last_value;
        let dt = (ts_ms - self.last_ts).max(0);
        // mW * ms / 3_600_000 = mWh; a 1 s grace covers timestamp granularity.
        let ceiling = i128::from(self.max_power_mw) * i128::from(dt + 1000) / 3_600_000;
        if delta < 0 {
            self.flags.0 |= Flags::METER_RESET;
        } else if i128::from(delta) > ceiling {
            self.flags.0 |= Flags::ABSURD_JUMP;
        } else {
            self.energy += delta;
        }
        self.last_value = value;
        self.last_ts = ts_ms;
        self.points.push(Point {
            ts_ms,
            energy_mwh: self.energy,
        });
    }
}

fn baseline(spec: &SessionSpec, inside: &[Reading], flags: &mut Flags) -> Option<i64> {
    let first = inside
        .iter()
        .find(|r| r.context == Context::TransactionBegin)
        .or(inside.first())
        .map(Reading::value);
    match (spec.meter_start_wh.map(|w| w * 1000), first) {
        (Some(start), Some(f)) if start == 0 && f >= LARGE_REGISTER_MWH => {
            flags.0 |= Flags::BASELINE_FROM_READING;
            Some(f)
        }
        (Some(start), _) => Some(start),
        (None, Some(f)) => {
            flags.0 |= Flags::BASELINE_FROM_READING;
            Some(f)
        }
        (None, None) => None,
    }
}

/// Session energy from the connector's register readings and the session's own registers.
pub fn session_energy(
    spec: &SessionSpec,
    registers: &[Reading],
    max_power_mw: i64,
) -> SessionEnergy {
    let mut flags = Flags::default();
    let end_ms = spec.stop_ms.unwrap_or(i64::MAX);
    let lo = registers.partition_point(|r| r.ts_ms < spec.start_ms);
    let hi = registers.partition_point(|r| r.ts_ms <= end_ms);
    let inside = &registers[lo..hi.max(lo)];
    let Some(base) = baseline(spec, inside, &mut flags) else {
        flags.0 |= Flags::NO_READINGS;
        return empty(spec, flags);
    };
    let mut walk = Walk {
        last_value: base,
        last_ts: spec.start_ms,
        energy: 0,
        flags,
        points: vec![Point {
            ts_ms: spec.start_ms,
            energy_mwh: 0,
        }],
        max_power_mw,
    };
    for r in inside {
        walk.step(r.ts_ms, r.value());
    }
    finish(spec, walk, base)
}

fn finish(spec: &SessionSpec, mut walk: Walk, base: i64) -> SessionEnergy {
    match (spec.stop_ms, spec.meter_stop_wh.map(|w| w * 1000)) {
        (Some(stop), Some(v)) if v >= walk.last_value => walk.step(stop.max(walk.last_ts), v),
        (Some(stop), Some(_)) => {
            walk.flags.0 |= Flags::STOP_BELOW_READING;
            close_at(&mut walk, stop);
        }
        (Some(stop), None) => close_at(&mut walk, stop),
        (None, _) => walk.flags.0 |= Flags::OPEN,
    }
    dedupe_points(&mut walk.points);
    SessionEnergy {
        energy_mwh: walk.energy,
        baseline_mwh: Some(base),
        end_mwh: Some(walk.last_value),
        flags: walk.flags,
        points: walk.points,
    }
}

fn close_at(walk: &mut Walk, stop_ms: i64) {
    if walk.last_ts < stop_ms {
        walk.points.push(Point {
            ts_ms: stop_ms,
            energy_mwh: walk.energy,
        });
    }
}

/// Keep one point per timestamp (the last).
fn dedupe_points(points: &mut Vec<Point>) {
    points.dedup_by(|later, earlier| {
        if later.ts_ms == earlier.ts_ms {
            earlier.energy_mwh = later.energy_mwh;
            true
        } else {
            false
        }
    });
}

fn empty(spec: &SessionSpec, mut flags: Flags) -> SessionEnergy {
    let mut points = vec![Point {
        ts_ms: spec.start_ms,
        energy_mwh: 0,
    }];
    match spec.stop_ms {
        Some(stop) if stop > spec.start_ms => points.push(Point {
            ts_ms: stop,
            energy_mwh: 0,
        }),
        Some(_) => {}
        None => flags.0 |= Flags::OPEN,
    }
    SessionEnergy {
        energy_mwh: 0,
        baseline_mwh: None,
        end_mwh: None,
        flags,
        points,
    }
}

/// Energy from interval values (Energy.Active.Import.Interval) when a meter sends no register:
/// each value is the energy of the interval ending at its timestamp.
pub fn from_intervals(spec: &SessionSpec, intervals: &[Reading]) -> SessionEnergy {
    let end_ms = spec.stop_ms.unwrap_or(i64::MAX);
    let mut flags = Flags(Flags::FROM_INTERVALS);
    let mut energy = 0;
    let mut points = vec![Point {
        ts_ms: spec.start_ms,
        energy_mwh: 0,
    }];
    for r in intervals
        .iter()
        .filter(|r| r.ts_ms > spec.start_ms && r.ts_ms <= end_ms)
    {
        energy += r.value().max(0);
        points.push(Point {
            ts_ms: r.ts_ms,
            energy_mwh: energy,
        });
    }
    match spec.stop_ms {
        Some(stop) if points.last().is_some_and(|p| p.ts_ms < stop) => points.push(Point {
            ts_ms: stop,
            energy_mwh: energy,
        }),
        Some(_) => {}
        None => flags.0 |= Flags::OPEN,
    }
    SessionEnergy {
        energy_mwh: energy,
        baseline_mwh: None,
        end_mwh: None,
        flags,
        points,
    }
}
