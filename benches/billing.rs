//! Billing hot paths (criterion): meter ingest (sampled values/s) and pricing (sessions/s,
//! 10 charging periods each).
//!
//! `cargo bench --bench billing`; the Python comparison (same tariff and session, `decimal`)
//! is `tests/benchmarks/bench_pricing.py`.

use std::hint::black_box;
use std::time::Duration;

use _core::meter::{MeterAggregator, RawSample};
use _core::pricing::{price, Mode, Phase, Rounding, Segment, Session, Tariff};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

/// `tariff_4_complex` of the OCPI examples (FLAT, current and weekday tiers, parking windows).
pub const TARIFF: &str = include_str!("tariff_bench.json");

const CONNECTORS: u32 = 10;
const STAMPS: i64 = 500; // x 10 connectors x 4 values = 20,000 sampled values per batch

fn texts() -> Vec<[String; 4]> {
    (0..STAMPS)
        .map(|i| {
            [
                (1_000_000 + i * 120).to_string(),
                "7.4".to_string(),
                "16.2".to_string(),
                "16.1".to_string(),
            ]
        })
        .collect()
}

fn batch(texts: &[[String; 4]]) -> Vec<RawSample<'_>> {
    let mut out = Vec::new();
    for (i, t) in (0_i64..).zip(texts) {
        for c in 0..CONNECTORS {
            let base = RawSample {
                connector: c,
                ts_ms: i * 60_000,
                measurand: Some("Energy.Active.Import.Register"),
                value: &t[0],
                unit: Some("Wh"),
                phase: None,
                context: Some("Sample.Periodic"),
            };
            out.push(base);
            out.push(RawSample {
                measurand: Some("Power.Active.Import"),
                value: &t[1],
                unit: Some("kW"),
                ..base
            });
            out.push(RawSample {
                measurand: Some("Current.Import"),
                value: &t[2],
                unit: Some("A"),
                phase: Some("L1"),
                ..base
            });
            out.push(RawSample {
                measurand: Some("Current.Import"),
                value: &t[3],
                unit: Some("A"),
                phase: Some("L2"),
                ..base
            });
        }
    }
    out
}

fn ingest(c: &mut Criterion) {
    let texts = texts();
    let samples = batch(&texts);
    let mut g = c.benchmark_group("meter");
    g.throughput(Throughput::Elements(samples.len() as u64));
    g.bench_function("ingest_20k_values", |b| {
        b.iter_batched(
            || {
                let mut agg = MeterAggregator::new(60_000);
                agg.ensure_connector(CONNECTORS - 1);
                agg
            },
            |mut agg| black_box(agg.ingest(i64::MAX / 2, black_box(&samples)).accepted),
            BatchSize::LargeInput,
        );
    });
    g.finish();
}

/// A Monday session from 09:30 local: 8 charging periods at varying current, then 2 parked.
pub fn session() -> Session {
    let start = 1_700_469_000_000; // 2023-11-20 08:30 UTC = 09:30 Amsterdam, a Monday
    let mut segments = Vec::new();
    let mut at = start;
    for i in 0..10_i64 {
        let minutes = 12 + i;
        let charging = i < 8;
        segments.push(Segment {
            start_ms: at,
            end_ms: at + minutes * 60_000,
            energy_mwh: if charging { 1_500_000 + i * 100_000 } else { 0 },
            phase: if charging {
                Phase::Charging
            } else {
                Phase::Parking
            },
            power_kw: None,
            current_a: Some(rust_decimal::Decimal::from(if i % 3 == 0 {
                40
            } else {
                16
            })),
        });
        at += minutes * 60_000;
    }
    Session {
        tz: chrono_tz::Europe::Amsterdam,
        segments,
    }
}

fn pricing(c: &mut Criterion) {
    let tariff = Tariff::from_json(TARIFF).expect("bench tariff parses");
    let s = session();
    let priced = price(&tariff, &s, Mode::Final, Rounding::HalfUp).expect("prices");
    assert!(priced.payable.incl_vat > rust_decimal::Decimal::ZERO);
    let mut g = c.benchmark_group("pricing");
    g.throughput(Throughput::Elements(1));
    g.bench_function("session_10_periods", |b| {
        b.iter(|| {
            price(
                black_box(&tariff),
                black_box(&s),
                Mode::Final,
                Rounding::HalfUp,
            )
            .is_ok()
        });
    });
    g.bench_function("to_json", |b| {
        b.iter(|| _core::pricing::to_json(black_box(&tariff), black_box(&priced)));
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5));
    targets = ingest, pricing
}
criterion_main!(benches);
