//! The pricing input: a session as contiguous segments produced from the metering layer.

use chrono_tz::Tz;
use rust_decimal::Decimal;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// A reservation before the session.
    Reservation,
    /// A reservation that expired without a session.
    ReservationExpired,
    Charging,
    /// The EV is connected and not requesting power (OCPP `SuspendedEV`; not `SuspendedEVSE`).
    Parking,
}

impl Phase {
    pub fn parse(text: &str) -> Option<Phase> {
        match text {
            "RESERVATION" => Some(Phase::Reservation),
            "RESERVATION_EXPIRED" => Some(Phase::ReservationExpired),
            "CHARGING" => Some(Phase::Charging),
            "PARKING" => Some(Phase::Parking),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Reservation => "RESERVATION",
            Phase::ReservationExpired => "RESERVATION_EXPIRED",
            Phase::Charging => "CHARGING",
            Phase::Parking => "PARKING",
        }
    }

    pub fn is_reservation(self) -> bool {
        matches!(self, Phase::Reservation | Phase::ReservationExpired)
    }
}

/// A stretch of the session with one phase and (for restrictions) one power and current.
/// Energy within a segment is taken to flow evenly (interpolation at kWh thresholds).
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub start_ms: i64,
    pub end_ms: i64,
    pub energy_mwh: i64,
    pub phase: Phase,
    /// Summed over phases; None = derive power from energy/time, and ignore current
    /// restrictions (they hold).
    pub power_kw: Option<Decimal>,
    pub current_a: Option<Decimal>,
}

impl Segment {
    pub fn power(&self) -> Decimal {
        self.power_kw.unwrap_or_else(|| {
            let ms = self.end_ms - self.start_ms;
            if ms <= 0 {
                Decimal::ZERO
            } else {
                // mWh * 3600 / ms = W; / 1000 = kW
                Decimal::from(self.energy_mwh) * Decimal::from(3600)
                    / Decimal::from(ms)
                    / Decimal::ONE_THOUSAND
            }
        })
    }
}

/// Why the session cannot be priced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionError {
    Empty,
    /// Segments must be contiguous, ordered and not negative.
    Gap(usize),
    NegativeEnergy(usize),
}

impl std::fmt::Display for SessionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SessionError::Empty => f.write_str("a session needs at least one segment"),
            SessionError::Gap(i) => write!(
                f,
                "segment {i} does not start where the previous ends, or ends before it starts"
            ),
            SessionError::NegativeEnergy(i) => write!(f, "segment {i} has negative energy"),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub tz: Tz,
    pub segments: Vec<Segment>,
}

impl Session {
    pub fn check(&self) -> Result<(), SessionError> {
        let first = self.segments.first().ok_or(SessionError::Empty)?;
        let mut at = first.start_ms;
        for (i, s) in self.segments.iter().enumerate() {
            if s.start_ms != at || s.end_ms < s.start_ms {
                return Err(SessionError::Gap(i));
            }
            if s.energy_mwh < 0 {
                return Err(SessionError::NegativeEnergy(i));
            }
            at = s.end_ms;
        }
        Ok(())
    }

    /// Where `min/max_duration` count from: the first segment after any reservation.
    pub fn start_ms(&self) -> i64 {
        self.segments
            .iter()
            .find(|s| !s.phase.is_reservation())
            .or(self.segments.last())
            .map_or(0, |s| s.start_ms)
    }

    pub fn end_ms(&self) -> i64 {
        self.segments.last().map_or(0, |s| s.end_ms)
    }

    /// The same session cut off at `ms` (a running figure).
    ///
    /// # Panics
    /// Never: a part of a segment's energy fits in `i64`.
    #[must_use]
    pub fn until(&self, ms: i64) -> Session {
        let segments = self
            .segments
            .iter()
            .filter(|s| s.start_ms < ms || s.start_ms == s.end_ms && s.start_ms <= ms)
            .map(|s| {
                let mut s = s.clone();
                if s.end_ms > ms {
                    let full = s.end_ms - s.start_ms;
                    s.energy_mwh = i64::try_from(
                        i128::from(s.energy_mwh) * i128::from(ms - s.start_ms) / i128::from(full),
                    )
                    .expect("part <= whole");
                    s.end_ms = ms;
                }
                s
            })
            .collect();
        Session {
            tz: self.tz,
            segments,
        }
    }
}
