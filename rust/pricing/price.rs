//! The pricing function: session + frozen tariff -> priced periods and totals. The same
//! function prices the running cost (`Mode::Running`) and the final cost (`Mode::Final`);
//! the only difference is that `step_size` rounding is applied once, to the final figures
//! (so a running value never exceeds the final one).

use rust_decimal::Decimal;

use super::choose::{choose, dims, Ctx};
use super::clock::local;
use super::cut::{pieces, Piece};
use super::money::Rounding;
use super::session::{Phase, Session, SessionError};
use super::tariff::{Dim, Tariff};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Running,
    Final,
}

/// A stretch with one phase and one element per dimension.
#[derive(Clone, Debug, PartialEq)]
pub struct Period {
    pub start_ms: i64,
    pub end_ms: i64,
    pub phase: Phase,
    pub energy_mwh: i64,
    pub power_kw: Decimal,
    /// Element index per dimension (indexed like `Dim::ALL`).
    pub elements: [Option<usize>; 4],
}

impl Period {
    pub fn duration_ms(&self) -> i64 {
        self.end_ms - self.start_ms
    }
}

/// Where a line's amount is totalled in the CDR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    Fixed,
    Energy,
    Time,
    Parking,
    Reservation,
}

impl Bucket {
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Fixed => "fixed",
            Bucket::Energy => "energy",
            Bucket::Time => "time",
            Bucket::Parking => "parking",
            Bucket::Reservation => "reservation",
        }
    }
}

/// One billed quantity: period x dimension.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub period: usize,
    pub dim: Dim,
    pub bucket: Bucket,
    pub element: usize,
    pub price: Decimal,
    pub vat: Option<Decimal>,
    /// mWh for ENERGY, ms for time dimensions, 1 for FLAT; includes step rounding.
    pub quantity: i64,
    /// The quantity step rounding added (0 unless this is the rounded line).
    pub rounded_up: i64,
    pub excl_vat: Decimal,
    pub incl_vat: Decimal,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Money {
    pub excl_vat: Decimal,
    pub incl_vat: Decimal,
}

impl Money {
    fn add(&mut self, excl: Decimal, incl: Decimal) {
        self.excl_vat += excl;
        self.incl_vat += incl;
    }

    #[must_use]
    pub fn round(self, places: u32, rounding: Rounding) -> Money {
        Money {
            excl_vat: rounding.apply(self.excl_vat, places),
            incl_vat: rounding.apply(self.incl_vat, places),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Priced {
    pub periods: Vec<Period>,
    pub lines: Vec<Line>,
    pub fixed: Money,
    pub energy: Money,
    pub time: Money,
    pub parking: Money,
    pub reservation: Money,
    /// After min/max price, before payable rounding.
    pub total: Money,
    /// `total` rounded to the currency's minor unit.
    pub payable: Money,
    pub min_price_applied: bool,
    pub max_price_applied: bool,
    pub energy_mwh: i64,
    pub charging_ms: i64,
    pub parking_ms: i64,
    pub reservation_ms: i64,
}

fn dim_index(dim: Dim) -> usize {
    Dim::ALL
        .iter()
        .position(|d| *d == dim)
        .expect("every Dim is in ALL")
}

fn evaluate(tariff: &Tariff, session: &Session, p: &Piece) -> Period {
    let seg = &session.segments[p.segment];
    let ctx = Ctx {
        local: local(session.tz, p.start_ms),
        cum_mwh: p.cum_mwh,
        since_start_ms: p.start_ms - session.start_ms(),
        power_kw: seg.power(),
        current_a: seg.current_a,
        phase: seg.phase,
    };
    let mut elements = [None; 4];
    for &dim in dims(seg.phase) {
        elements[dim_index(dim)] = choose(tariff, &ctx, dim);
    }
    Period {
        start_ms: p.start_ms,
        end_ms: p.end_ms,
        phase: seg.phase,
        energy_mwh: p.energy_mwh,
        power_kw: ctx.power_kw,
        elements,
    }
}

/// Pieces with the same phase, elements and power become one period.
fn periods(tariff: &Tariff, session: &Session) -> Vec<Period> {
    let mut out: Vec<Period> = Vec::new();
    for piece in pieces(tariff, session) {
        let next = evaluate(tariff, session, &piece);
        match out.last_mut() {
            Some(last)
                if last.phase == next.phase
                    && last.elements == next.elements
                    && last.power_kw == next.power_kw
                    && last.end_ms == next.start_ms =>
            {
                last.end_ms = next.end_ms;
                last.energy_mwh += next.energy_mwh;
            }
            _ => out.push(next),
        }
    }
    out
}

fn bucket(dim: Dim, phase: Phase) -> Bucket {
    match (dim, phase.is_reservation()) {
        (_, true) => Bucket::Reservation,
        (Dim::Flat, false) => Bucket::Fixed,
        (Dim::Energy, false) => Bucket::Energy,
        (Dim::Time, false) => Bucket::Time,
        (Dim::Parking, false) => Bucket::Parking,
    }
}

fn quantity(dim: Dim, p: &Period) -> i64 {
    match dim {
        Dim::Energy => p.energy_mwh,
        Dim::Time | Dim::Parking => p.duration_ms(),
        Dim::Flat => 1,
    }
}

/// Lines before step rounding; one FLAT per phase group (reservation, session).
fn lines(tariff: &Tariff, periods: &[Period]) -> Vec<Line> {
    let mut out = Vec::new();
    let mut flat_done = [false; 2];
    for (i, p) in periods.iter().enumerate() {
        for &dim in dims(p.phase) {
            let Some(element) = p.elements[dim_index(dim)] else {
                continue;
            };
            if dim == Dim::Flat {
                let group = usize::from(p.phase.is_reservation());
                if flat_done[group] {
                    continue;
                }
                flat_done[group] = true;
            }
            let c = tariff.elements[element]
                .components
                .iter()
                .find(|c| c.dim == dim)
                .expect("chosen for this dim");
            out.push(Line {
                period: i,
                dim,
                bucket: bucket(dim, p.phase),
                element,
                price: c.price,
                vat: c.vat,
                quantity: quantity(dim, p),
                rounded_up: 0,
                excl_vat: Decimal::ZERO,
                incl_vat: Decimal::ZERO,
            });
        }
    }
    out
}

fn step_of(tariff: &Tariff, line: &Line) -> i64 {
    tariff.elements[line.element]
        .components
        .iter()
        .find(|c| c.dim == line.dim)
        .map_or(0, |c| i64::from(c.step_size) * 1000) // Wh -> mWh, s -> ms
}

/// `step_size` once per session per group: the last paid line's step applies to the paid
/// total of its dimension; the extra quantity is billed on that line at its price.
fn round_group(tariff: &Tariff, lines: &mut [Line], in_group: impl Fn(&Line) -> bool) {
    let Some(last) = lines
        .iter()
        .rposition(|l| in_group(l) && l.price > Decimal::ZERO)
    else {
        return;
    };
    let (dim, bucket, step) = (
        lines[last].dim,
        lines[last].bucket,
        step_of(tariff, &lines[last]),
    );
    if step <= 0 {
        return;
    }
    let total: i64 = lines
        .iter()
        .filter(|l| l.dim == dim && l.bucket == bucket && l.price > Decimal::ZERO)
        .map(|l| l.quantity)
        .sum();
    let extra = (step - total % step) % step;
    lines[last].quantity += extra;
    lines[last].rounded_up = extra;
}

fn step_rounding(tariff: &Tariff, lines: &mut [Line]) {
    round_group(tariff, lines, |l| l.bucket == Bucket::Energy);
    round_group(tariff, lines, |l| {
        matches!(l.bucket, Bucket::Time | Bucket::Parking)
    });
    round_group(tariff, lines, |l| {
        l.bucket == Bucket::Reservation && l.dim == Dim::Time
    });
}

fn cost(line: &mut Line) {
    let q = Decimal::from(line.quantity);
    line.excl_vat = match line.dim {
        Dim::Energy => line.price * q / Decimal::from(1_000_000),
        Dim::Time | Dim::Parking => line.price * q / Decimal::from(3_600_000),
        Dim::Flat => line.price,
    };
    line.incl_vat = match line.vat {
        Some(vat) => line.excl_vat + line.excl_vat * vat / Decimal::ONE_HUNDRED,
        None => line.excl_vat,
    };
}

fn clamp(value: Decimal, min: Option<Decimal>, max: Option<Decimal>) -> (Decimal, bool, bool) {
    match (min, max) {
        (Some(m), _) if value < m => (m, true, false),
        (_, Some(m)) if value > m => (m, false, true),
        _ => (value, false, false),
    }
}

/// min/max price on the unrounded sums, excl and incl separately. A bound given without
/// `incl_vat` moves the incl sum by the same factor as the excl sum (the VAT mix is kept).
fn bounded(tariff: &Tariff, raw: Money) -> (Money, bool, bool) {
    let (min, max) = (tariff.min_price.as_ref(), tariff.max_price.as_ref());
    let (excl, lo1, hi1) = clamp(
        raw.excl_vat,
        min.map(|p| p.excl_vat),
        max.map(|p| p.excl_vat),
    );
    let scaled = if raw.excl_vat.is_zero() {
        excl
    } else {
        raw.incl_vat * excl / raw.excl_vat
    };
    let incl_min = min.map(|p| p.incl_vat.unwrap_or(scaled));
    let incl_max = max.map(|p| p.incl_vat.unwrap_or(scaled));
    let (incl, lo2, hi2) = clamp(raw.incl_vat, incl_min, incl_max);
    (
        Money {
            excl_vat: excl,
            incl_vat: incl,
        },
        lo1 || lo2,
        hi1 || hi2,
    )
}

fn phase_ms(periods: &[Period], phase: impl Fn(Phase) -> bool) -> i64 {
    periods
        .iter()
        .filter(|p| phase(p.phase))
        .map(Period::duration_ms)
        .sum()
}

/// Price a session with a frozen tariff.
pub fn price(
    tariff: &Tariff,
    session: &Session,
    mode: Mode,
    rounding: Rounding,
) -> Result<Priced, SessionError> {
    session.check()?;
    let periods = periods(tariff, session);
    let mut lines = lines(tariff, &periods);
    if mode == Mode::Final {
        step_rounding(tariff, &mut lines);
    }
    let mut sums = [Money::default(); 5];
    for line in &mut lines {
        cost(line);
        sums[line.bucket as usize].add(line.excl_vat, line.incl_vat);
    }
    let raw = sums.iter().fold(Money::default(), |mut a, m| {
        a.add(m.excl_vat, m.incl_vat);
        a
    });
    let (total, lo, hi) = bounded(tariff, raw);
    Ok(Priced {
        fixed: sums[Bucket::Fixed as usize],
        energy: sums[Bucket::Energy as usize],
        time: sums[Bucket::Time as usize],
        parking: sums[Bucket::Parking as usize],
        reservation: sums[Bucket::Reservation as usize],
        total,
        payable: total.round(tariff.currency.exponent, rounding),
        min_price_applied: lo,
        max_price_applied: hi,
        energy_mwh: session.segments.iter().map(|s| s.energy_mwh).sum(),
        charging_ms: phase_ms(&periods, |p| p == Phase::Charging),
        parking_ms: phase_ms(&periods, |p| p == Phase::Parking),
        reservation_ms: phase_ms(&periods, Phase::is_reservation),
        periods,
        lines,
    })
}
