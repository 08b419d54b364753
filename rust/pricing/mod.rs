//! Pricing core: the OCPI 2.2.1 tariff model, segmentation in the location's time zone,
//! per-dimension element choice, `step_size`, min/max price, VAT per component, exact
//! decimals and payable rounding to the currency's ISO 4217 exponent. Pure: no I/O, no clock.

mod choose;
mod clock;
mod cut;
mod lint;
mod money;
mod output;
mod price;
mod session;
mod tariff;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod spec_examples;
#[cfg(test)]
mod tests;

pub use lint::{lint, Finding, Severity};
pub use money::{Currency, Rounding};
pub use output::{to_json, totals_json};
pub use price::{price, Bucket, Line, Mode, Money, Period, Priced};
pub use session::{Phase, Segment, Session, SessionError};
pub use tariff::{Component, Dim, Element, Restrictions, Tariff, TariffError};
