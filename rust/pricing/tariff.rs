//! The OCPI 2.2.1 tariff as the internal model, read from its JSON and checked on the way in.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;

use super::money::Currency;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dim {
    Energy,
    Flat,
    Time,
    Parking,
}

impl Dim {
    pub const ALL: [Dim; 4] = [Dim::Energy, Dim::Flat, Dim::Time, Dim::Parking];

    fn parse(text: &str) -> Option<Dim> {
        match text {
            "ENERGY" => Some(Dim::Energy),
            "FLAT" => Some(Dim::Flat),
            "TIME" => Some(Dim::Time),
            "PARKING_TIME" => Some(Dim::Parking),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Dim::Energy => "ENERGY",
            Dim::Flat => "FLAT",
            Dim::Time => "TIME",
            Dim::Parking => "PARKING_TIME",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Component {
    pub dim: Dim,
    /// Per unit (kWh, hour) excluding VAT.
    pub price: Decimal,
    /// Percent; None = no VAT applicable (not 0 %).
    pub vat: Option<Decimal>,
    /// Wh for ENERGY, s for `TIME`/`PARKING_TIME`; 0 means no rounding.
    pub step_size: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reservation {
    Reservation,
    Expires,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Restrictions {
    /// Minutes after local midnight; `end_min` 1440 = end of day ("00:00").
    pub start_min: Option<u32>,
    pub end_min: Option<u32>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub min_kwh: Option<Decimal>,
    pub max_kwh: Option<Decimal>,
    pub min_current: Option<Decimal>,
    pub max_current: Option<Decimal>,
    pub min_power: Option<Decimal>,
    pub max_power: Option<Decimal>,
    pub min_duration_s: Option<i64>,
    pub max_duration_s: Option<i64>,
    /// Bit 0 = Monday .. bit 6 = Sunday; 0 = every day.
    pub days: u8,
    pub reservation: Option<Reservation>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Element {
    pub components: Vec<Component>,
    pub restrictions: Restrictions,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Price {
    pub excl_vat: Decimal,
    pub incl_vat: Option<Decimal>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Tariff {
    pub id: String,
    pub currency: Currency,
    pub elements: Vec<Element>,
    pub min_price: Option<Price>,
    pub max_price: Option<Price>,
}

/// Why a tariff cannot be read. `path` is a JSON pointer into the tariff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TariffError {
    pub path: String,
    pub message: String,
}

impl fmt::Display for TariffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

#[cold]
#[inline(never)]
fn err(path: impl Into<String>, message: impl Into<String>) -> TariffError {
    TariffError {
        path: path.into(),
        message: message.into(),
    }
}

// The wire shape (only the fields pricing needs; the rest is kept by the caller).
#[derive(Deserialize)]
struct WireTariff {
    #[serde(default)]
    id: String,
    currency: String,
    elements: Vec<WireElement>,
    min_price: Option<WirePrice>,
    max_price: Option<WirePrice>,
}

#[derive(Deserialize)]
struct WireElement {
    price_components: Vec<WireComponent>,
    restrictions: Option<WireRestrictions>,
}

#[derive(Deserialize)]
struct WireComponent {
    #[serde(rename = "type")]
    kind: String,
    price: Value,
    vat: Option<Value>,
    step_size: i64,
}

#[derive(Deserialize)]
struct WirePrice {
    excl_vat: Value,
    incl_vat: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WireRestrictions {
    start_time: Option<String>,
    end_time: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    min_kwh: Option<Value>,
    max_kwh: Option<Value>,
    min_current: Option<Value>,
    max_current: Option<Value>,
    min_power: Option<Value>,
    max_power: Option<Value>,
    min_duration: Option<i64>,
    max_duration: Option<i64>,
    day_of_week: Option<Vec<String>>,
    reservation: Option<String>,
}

/// A JSON number as an exact decimal (via its shortest text, so 0.1 stays 0.1).
fn decimal(value: &Value, path: &str) -> Result<Decimal, TariffError> {
    let text = match value {
        Value::Number(n) if n.is_f64() => n.as_f64().map(|f| f.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        _ => None,
    };
    text.and_then(|t| Decimal::from_str(&t).ok())
        .ok_or_else(|| err(path, "must be a decimal number"))
}

fn non_negative(value: &Value, path: &str) -> Result<Decimal, TariffError> {
    let d = decimal(value, path)?;
    if d.is_sign_negative() && !d.is_zero() {
        return Err(err(path, "must not be negative"));
    }
    Ok(d)
}

fn opt_non_negative(value: Option<&Value>, path: &str) -> Result<Option<Decimal>, TariffError> {
    value.map(|v| non_negative(v, path)).transpose()
}

/// "HH:MM" as minutes after midnight.
fn clock(text: &str, path: &str) -> Result<u32, TariffError> {
    let bad = || err(path, "must be HH:MM (00:00 to 23:59)");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn date(text: &str, path: &str) -> Result<NaiveDate, TariffError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| err(path, "must be YYYY-MM-DD"))
}

fn weekday_bit(name: &str) -> Option<u8> {
    let names = [
        "MONDAY",
        "TUESDAY",
        "WEDNESDAY",
        "THURSDAY",
        "FRIDAY",
        "SATURDAY",
        "SUNDAY",
    ];
    names.iter().position(|n| *n == name).map(|i| 1 << i)
}

fn duration(value: Option<i64>, path: &str) -> Result<Option<i64>, TariffError> {
    match value {
        Some(v) if v < 0 => Err(err(path, "must not be negative")),
        other => Ok(other),
    }
}

fn restrictions(w: &WireRestrictions, at: &str) -> Result<Restrictions, TariffError> {
    let p = |name: &str| format!("{at}/{name}");
    let mut days = 0;
    for (i, d) in w.day_of_week.iter().flatten().enumerate() {
        days |= weekday_bit(d)
            .ok_or_else(|| err(format!("{at}/day_of_week/{i}"), "must be MONDAY..SUNDAY"))?;
    }
    let reservation = match w.reservation.as_deref() {
        None => None,
        Some("RESERVATION") => Some(Reservation::Reservation),
        Some("RESERVATION_EXPIRES") => Some(Reservation::Expires),
        Some(_) => {
            return Err(err(
                p("reservation"),
                "must be RESERVATION or RESERVATION_EXPIRES",
            ))
        }
    };
    let end_min = match w.end_time.as_deref() {
        Some(t) => Some(match clock(t, &p("end_time"))? {
            0 => 1440,
            m => m,
        }),
        None => None,
    };
    Ok(Restrictions {
        start_min: w
            .start_time
            .as_deref()
            .map(|t| clock(t, &p("start_time")))
            .transpose()?,
        end_min,
        start_date: w
            .start_date
            .as_deref()
            .map(|t| date(t, &p("start_date")))
            .transpose()?,
        end_date: w
            .end_date
            .as_deref()
            .map(|t| date(t, &p("end_date")))
            .transpose()?,
        min_kwh: opt_non_negative(w.min_kwh.as_ref(), &p("min_kwh"))?,
        max_kwh: opt_non_negative(w.max_kwh.as_ref(), &p("max_kwh"))?,
        min_current: opt_non_negative(w.min_current.as_ref(), &p("min_current"))?,
        max_current: opt_non_negative(w.max_current.as_ref(), &p("max_current"))?,
        min_power: opt_non_negative(w.min_power.as_ref(), &p("min_power"))?,
        max_power: opt_non_negative(w.max_power.as_ref(), &p("max_power"))?,
        min_duration_s: duration(w.min_duration, &p("min_duration"))?,
        max_duration_s: duration(w.max_duration, &p("max_duration"))?,
        days,
        reservation,
    })
}

fn component(w: &WireComponent, at: &str) -> Result<Component, TariffError> {
    let dim = Dim::parse(&w.kind).ok_or_else(|| {
        err(
            format!("{at}/type"),
            "must be ENERGY, FLAT, TIME or PARKING_TIME",
        )
    })?;
    let step_size = u32::try_from(w.step_size)
        .map_err(|_| err(format!("{at}/step_size"), "must be an integer >= 0"))?;
    Ok(Component {
        dim,
        price: non_negative(&w.price, &format!("{at}/price"))?,
        vat: opt_non_negative(w.vat.as_ref(), &format!("{at}/vat"))?,
        step_size,
    })
}

fn element(w: &WireElement, at: &str) -> Result<Element, TariffError> {
    if w.price_components.is_empty() {
        return Err(err(
            format!("{at}/price_components"),
            "needs at least one component",
        ));
    }
    let components = w
        .price_components
        .iter()
        .enumerate()
        .map(|(i, c)| component(c, &format!("{at}/price_components/{i}")))
        .collect::<Result<_, _>>()?;
    let restrictions = match &w.restrictions {
        Some(r) => restrictions(r, &format!("{at}/restrictions"))?,
        None => Restrictions::default(),
    };
    Ok(Element {
        components,
        restrictions,
    })
}

fn price(w: Option<&WirePrice>, at: &str) -> Result<Option<Price>, TariffError> {
    let Some(w) = w else { return Ok(None) };
    Ok(Some(Price {
        excl_vat: non_negative(&w.excl_vat, &format!("{at}/excl_vat"))?,
        incl_vat: opt_non_negative(w.incl_vat.as_ref(), &format!("{at}/incl_vat"))?,
    }))
}

impl Tariff {
    /// Read an OCPI 2.2.1 Tariff object (JSON text).
    pub fn from_json(text: &str) -> Result<Tariff, TariffError> {
        let wire: WireTariff =
            serde_json::from_str(text).map_err(|e| err("", format!("not an OCPI tariff: {e}")))?;
        let currency = Currency::parse(&wire.currency)
            .ok_or_else(|| err("/currency", "must be an active ISO 4217 currency code"))?;
        if wire.elements.is_empty() {
            return Err(err("/elements", "needs at least one element"));
        }
        let elements = wire
            .elements
            .iter()
            .enumerate()
            .map(|(i, e)| element(e, &format!("/elements/{i}")))
            .collect::<Result<_, _>>()?;
        Ok(Tariff {
            id: wire.id,
            currency,
            elements,
            min_price: price(wire.min_price.as_ref(), "/min_price")?,
            max_price: price(wire.max_price.as_ref(), "/max_price")?,
        })
    }
}
