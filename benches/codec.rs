//! Decode + validate throughput of the frame codec (criterion).
//!
//! `cargo bench --bench codec`; the frame is `benches/meter_values_16.json`, a 1.6 `MeterValues`
//! CALL with 10 sampled values (~1.6 KB), shared with `tests/benchmarks/bench_codec.py`.

use std::hint::black_box;
use std::time::Duration;

use _core::codec::Codec;
use _core::json;
use _core::schema::Catalog;
use _core::version::Version;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const METER_VALUES: &str = include_str!("meter_values_16.json");
// A 2.0.1 TransactionEvent (Updated) with 10 sampled values, shared with
// `tests/benchmarks/bench_codec_v201.py`.
const TRANSACTION_EVENT: &str = include_str!("transaction_event_201.json");

fn decode(c: &mut Criterion) {
    let codec = Codec::new(Version::V16, 65536).expect("schemas compile");
    let frame = METER_VALUES.trim_end();
    assert!(
        codec.decode(frame, None).is_ok(),
        "the bench frame must be valid"
    );
    let mut g = c.benchmark_group("meter_values_16");
    g.throughput(Throughput::Elements(1));
    g.bench_function("decode_validate", |b| {
        b.iter(|| codec.decode(black_box(frame), None).is_ok());
    });
    g.bench_function("parse_only", |b| {
        b.iter(|| json::parse(black_box(frame)).is_ok());
    });
    // The alternative we measured against: serde_json into a Value (preserve_order).
    g.bench_function("serde_json_value", |b| {
        b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(frame)).is_ok());
    });
    g.bench_function("invalid_enum", |b| {
        let bad = frame.replacen("Sample.Periodic", "Sample.Sometimes", 1);
        b.iter(|| codec.decode(black_box(&bad), None).is_err());
    });
    g.finish();
}

fn decode_v201(c: &mut Criterion) {
    let codec = Codec::new(Version::V201, 65536).expect("schemas compile");
    let frame = TRANSACTION_EVENT.trim_end();
    assert!(
        codec.decode(frame, None).is_ok(),
        "the bench frame must be valid"
    );
    let mut g = c.benchmark_group("transaction_event_201");
    g.throughput(Throughput::Elements(1));
    g.bench_function("decode_validate", |b| {
        b.iter(|| codec.decode(black_box(frame), None).is_ok());
    });
    g.bench_function("invalid_enum", |b| {
        let bad = frame.replacen("Sample.Periodic", "Sample.Sometimes", 1);
        b.iter(|| codec.decode(black_box(&bad), None).is_err());
    });
    g.finish();
}

fn compile(c: &mut Criterion) {
    let mut g = c.benchmark_group("compile_catalog");
    g.sample_size(10).measurement_time(Duration::from_secs(3));
    for v in Version::ALL {
        g.bench_function(v.as_str(), |b| {
            b.iter(|| Catalog::compile(black_box(v)).map(|cat| cat.node_count()));
        });
    }
    g.finish();
}

criterion_group!(benches, decode, decode_v201, compile);
criterion_main!(benches);
