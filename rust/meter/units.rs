//! Normalisation of one OCPP sampled value: measurand, unit, phase, context and the decimal
//! text, into an integer in milli base units (mWh, mW, mA, mV, m%).

use std::fmt;

/// The measurands the aggregator keeps; every other OCPP measurand is known but not kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Measurand {
    EnergyImportRegister,
    EnergyImportInterval,
    PowerImport,
    CurrentImport,
    Voltage,
    SoC,
    /// A valid OCPP measurand the aggregator does not use (reactive energy, frequency, ...).
    Other,
}

/// What a measurand counts, for unit checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quantity {
    Energy,
    ReactiveEnergy,
    Power,
    ReactivePower,
    ApparentPower,
    Current,
    Voltage,
    Percent,
    Frequency,
    Temperature,
    Rpm,
}

const MEASURANDS: [(&str, Measurand, Quantity); 22] = [
    (
        "Energy.Active.Import.Register",
        Measurand::EnergyImportRegister,
        Quantity::Energy,
    ),
    (
        "Energy.Active.Export.Register",
        Measurand::Other,
        Quantity::Energy,
    ),
    (
        "Energy.Active.Import.Interval",
        Measurand::EnergyImportInterval,
        Quantity::Energy,
    ),
    (
        "Energy.Active.Export.Interval",
        Measurand::Other,
        Quantity::Energy,
    ),
    ("Energy.Active.Net", Measurand::Other, Quantity::Energy),
    (
        "Energy.Reactive.Import.Register",
        Measurand::Other,
        Quantity::ReactiveEnergy,
    ),
    (
        "Energy.Reactive.Export.Register",
        Measurand::Other,
        Quantity::ReactiveEnergy,
    ),
    (
        "Energy.Reactive.Import.Interval",
        Measurand::Other,
        Quantity::ReactiveEnergy,
    ),
    (
        "Energy.Reactive.Export.Interval",
        Measurand::Other,
        Quantity::ReactiveEnergy,
    ),
    (
        "Power.Active.Import",
        Measurand::PowerImport,
        Quantity::Power,
    ),
    ("Power.Active.Export", Measurand::Other, Quantity::Power),
    ("Power.Offered", Measurand::Other, Quantity::Power),
    (
        "Power.Reactive.Import",
        Measurand::Other,
        Quantity::ReactivePower,
    ),
    (
        "Power.Reactive.Export",
        Measurand::Other,
        Quantity::ReactivePower,
    ),
    ("Power.Factor", Measurand::Other, Quantity::Percent),
    (
        "Current.Import",
        Measurand::CurrentImport,
        Quantity::Current,
    ),
    ("Current.Export", Measurand::Other, Quantity::Current),
    ("Current.Offered", Measurand::Other, Quantity::Current),
    ("Voltage", Measurand::Voltage, Quantity::Voltage),
    ("Frequency", Measurand::Other, Quantity::Frequency),
    ("Temperature", Measurand::Other, Quantity::Temperature),
    ("SoC", Measurand::SoC, Quantity::Percent),
];
/// Also valid: "RPM" (1.6) and "Power.Active.Setpoint" style 2.x additions are mapped below.
const EXTRA_MEASURANDS: [(&str, Quantity); 3] = [
    ("RPM", Quantity::Rpm),
    ("Energy.Apparent.Import", Quantity::ApparentPower),
    ("Display.PresentSOC", Quantity::Percent),
];

/// Phases as OCPP spells them; [`Phase::slot`] is where a value goes in a reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Total,
    L1,
    L2,
    L3,
    /// N, line-to-line and line-to-neutral voltages: valid, not summed.
    Other,
}

impl Phase {
    pub fn parse(text: Option<&str>) -> Result<Self, Reject> {
        Ok(match text {
            None | Some("") => Phase::Total,
            Some("L1") => Phase::L1,
            Some("L2") => Phase::L2,
            Some("L3") => Phase::L3,
            Some("N" | "L1-N" | "L2-N" | "L3-N" | "L1-L2" | "L2-L3" | "L3-L1") => Phase::Other,
            Some(_) => return Err(Reject::UnknownPhase),
        })
    }

    /// 0 total, 1..=3 the lines; None for values that are not summed.
    pub fn slot(self) -> Option<usize> {
        match self {
            Phase::Total => Some(0),
            Phase::L1 => Some(1),
            Phase::L2 => Some(2),
            Phase::L3 => Some(3),
            Phase::Other => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Periodic,
    Clock,
    TransactionBegin,
    TransactionEnd,
    Trigger,
    InterruptionBegin,
    InterruptionEnd,
    Other,
}

impl Context {
    pub fn parse(text: Option<&str>) -> Result<Self, Reject> {
        Ok(match text {
            None | Some("" | "Sample.Periodic") => Context::Periodic,
            Some("Sample.Clock") => Context::Clock,
            Some("Transaction.Begin") => Context::TransactionBegin,
            Some("Transaction.End") => Context::TransactionEnd,
            Some("Trigger") => Context::Trigger,
            Some("Interruption.Begin") => Context::InterruptionBegin,
            Some("Interruption.End") => Context::InterruptionEnd,
            Some("Other") => Context::Other,
            Some(_) => return Err(Reject::UnknownContext),
        })
    }
}

/// Why a sampled value was not taken. The sample is reported back, nothing else is lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reject {
    UnknownMeasurand,
    UnknownUnit,
    /// A known unit that does not fit the measurand (kW on an energy register).
    UnitMismatch,
    UnknownPhase,
    UnknownContext,
    InvalidNumber,
    NegativeValue,
    FutureTimestamp,
    UnknownConnector,
}

impl Reject {
    pub fn as_str(self) -> &'static str {
        match self {
            Reject::UnknownMeasurand => "unknown_measurand",
            Reject::UnknownUnit => "unknown_unit",
            Reject::UnitMismatch => "unit_mismatch",
            Reject::UnknownPhase => "unknown_phase",
            Reject::UnknownContext => "unknown_context",
            Reject::InvalidNumber => "invalid_number",
            Reject::NegativeValue => "negative_value",
            Reject::FutureTimestamp => "future_timestamp",
            Reject::UnknownConnector => "unknown_connector",
        }
    }
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Look the measurand up (None = OCPP 1.6 default, the import register).
pub fn measurand(text: Option<&str>) -> Result<(Measurand, QuantityRef), Reject> {
    let name = text.unwrap_or("Energy.Active.Import.Register");
    if let Some((_, m, q)) = MEASURANDS.iter().find(|(n, _, _)| *n == name) {
        return Ok((*m, QuantityRef(*q)));
    }
    if let Some((_, q)) = EXTRA_MEASURANDS.iter().find(|(n, _)| *n == name) {
        return Ok((Measurand::Other, QuantityRef(*q)));
    }
    Err(Reject::UnknownMeasurand)
}

/// A measurand's quantity, opaque outside this module.
#[derive(Clone, Copy, Debug)]
pub struct QuantityRef(Quantity);

/// Decimal places to shift the text by to reach milli base units, for this unit and quantity.
pub fn milli_shift(unit: Option<&str>, q: QuantityRef) -> Result<u32, Reject> {
    use Quantity as Q;
    let Some(unit) = unit else {
        return Ok(3); // the OCPP default unit of each quantity is its base unit
    };
    let (quantity, shift) = match unit {
        "Wh" => (Q::Energy, 3),
        "kWh" => (Q::Energy, 6),
        "varh" => (Q::ReactiveEnergy, 3),
        "kvarh" => (Q::ReactiveEnergy, 6),
        "W" => (Q::Power, 3),
        "kW" => (Q::Power, 6),
        "var" => (Q::ReactivePower, 3),
        "kvar" => (Q::ReactivePower, 6),
        "VA" => (Q::ApparentPower, 3),
        "kVA" => (Q::ApparentPower, 6),
        "A" => (Q::Current, 3),
        "V" => (Q::Voltage, 3),
        "Percent" => (Q::Percent, 3),
        "Celsius" | "Fahrenheit" | "K" => (Q::Temperature, 3),
        "Hz" => (Q::Frequency, 3),
        _ => return Err(Reject::UnknownUnit),
    };
    if quantity == q.0 || matches!(q.0, Q::Frequency | Q::Rpm | Q::Temperature) {
        Ok(shift)
    } else {
        Err(Reject::UnitMismatch)
    }
}

/// Parse OCPP decimal text (`-12.5`, `3`, `0.001`) scaled by `10^shift`, rounding half up
/// on the digits that do not fit. No exponent, at most 18 significant digits.
pub fn parse_scaled(text: &str, shift: u32) -> Result<i64, Reject> {
    let bytes = text.trim().as_bytes();
    let (negative, digits) = match bytes.first() {
        Some(b'-') => (true, &bytes[1..]),
        Some(b'+') => (false, &bytes[1..]),
        _ => (false, bytes),
    };
    let mut value: i64 = 0;
    let mut seen_digit = false;
    let mut after_point: Option<u32> = None;
    let mut round_up = false;
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                seen_digit = true;
                let place = after_point.unwrap_or(0);
                if after_point.is_some() && place >= shift {
                    if place == shift {
                        round_up = b >= b'5';
                    }
                    after_point = Some(place + 1);
                    continue;
                }
                value = value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(i64::from(b - b'0')))
                    .ok_or(Reject::InvalidNumber)?;
                if let Some(p) = after_point.as_mut() {
                    *p += 1;
                }
            }
            b'.' if after_point.is_none() => after_point = Some(0),
            _ => return Err(Reject::InvalidNumber),
        }
    }
    if !seen_digit {
        return Err(Reject::InvalidNumber);
    }
    let places = after_point.unwrap_or(0).min(shift);
    let scale = 10_i64.pow(shift - places);
    let mut scaled = value.checked_mul(scale).ok_or(Reject::InvalidNumber)?;
    if round_up {
        scaled += 1;
    }
    Ok(if negative { -scaled } else { scaled })
}
