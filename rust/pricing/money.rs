//! Currencies (ISO 4217 codes and minor-unit exponents) and payable rounding.

use rust_decimal::{Decimal, RoundingStrategy};

/// Codes whose minor unit is not 2 decimal places.
const EXPONENTS: [(&str, u32); 26] = [
    ("BIF", 0),
    ("CLP", 0),
    ("DJF", 0),
    ("GNF", 0),
    ("ISK", 0),
    ("JPY", 0),
    ("KMF", 0),
    ("KRW", 0),
    ("PYG", 0),
    ("RWF", 0),
    ("UGX", 0),
    ("UYI", 0),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
    ("BHD", 3),
    ("IQD", 3),
    ("JOD", 3),
    ("KWD", 3),
    ("LYD", 3),
    ("OMR", 3),
    ("TND", 3),
    ("CLF", 4),
    ("UYW", 4),
];

/// Active ISO 4217 codes with 2 decimal places.
const TWO_PLACES: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV \
BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB \
EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD \
KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO \
NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD \
SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VES VED WST XCD XCG YER \
ZAR ZMW ZWG ZWL";

/// A currency with its ISO 4217 minor-unit exponent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Currency {
    pub code: String,
    pub exponent: u32,
}

impl Currency {
    /// None for a code that is not an active ISO 4217 currency.
    pub fn parse(code: &str) -> Option<Currency> {
        let exponent = EXPONENTS
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, e)| *e)
            .or_else(|| {
                (code.len() == 3 && TWO_PLACES.split_whitespace().any(|c| c == code)).then_some(2)
            })?;
        Some(Currency {
            code: code.to_owned(),
            exponent,
        })
    }
}

/// How payable amounts are rounded to the minor unit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rounding {
    #[default]
    HalfUp,
    HalfEven,
}

impl Rounding {
    pub fn parse(text: &str) -> Option<Rounding> {
        match text {
            "HALF_UP" => Some(Rounding::HalfUp),
            "HALF_EVEN" => Some(Rounding::HalfEven),
            _ => None,
        }
    }

    /// Round `amount` to `places` decimal places.
    pub fn apply(self, amount: Decimal, places: u32) -> Decimal {
        let strategy = match self {
            Rounding::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            Rounding::HalfEven => RoundingStrategy::MidpointNearestEven,
        };
        amount.round_dp_with_strategy(places, strategy)
    }
}

/// OCPI numbers keep 4 fractional digits.
pub const OCPI_PLACES: u32 = 4;
