//! Allocator tick time (criterion) and the tick-latency distribution with churn.
//!
//! `cargo bench --bench alloc`. Criterion measures one tick of the depot workload at 10 k and
//! 100 k connectors (plus 1 k and 30 k for the growth curve); then a replay of 120 (100 k: 60)
//! one-second ticks with churn (1 % of connectors change per tick, ±20 % limit steps every
//! 60 ticks) prints p50/p99/max per size, wall and CPU time (the thread's clock: it leaves
//! out the time other processes held the core), and runs the invariant checker on every
//! tick. Both call one kept `Allocator`, as the Python binding does.

// bench arithmetic on counts and times: short names and lossy casts are fine here
#![allow(
    clippy::many_single_char_names,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

#[path = "alloc/depot.rs"]
mod depot;

use std::hint::black_box;
use std::time::{Duration, Instant};

use _core::alloc::{bounds, check, compile, Allocator, Demand, Node, Settings, Topology, Wiring};
use cpu_time::ThreadTime;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use depot::Depot;

const SIZES: [usize; 4] = [1_000, 10_000, 30_000, 100_000];

fn tick(c: &mut Criterion) {
    let mut g = c.benchmark_group("alloc_tick");
    g.sample_size(20).measurement_time(Duration::from_secs(8));
    let s = Settings::default();
    for n in SIZES {
        let mut d = Depot::new(n, 7);
        let mut allocator = Allocator::default();
        // a few ticks of churn so the states look lived-in
        for t in 0..5 {
            let a = allocator
                .allocate(&d.topology, &d.demands, &s, false)
                .expect("valid");
            d.churn(t, &a.limits);
        }
        g.bench_with_input(BenchmarkId::from_parameter(n), &d, |b, d| {
            b.iter(|| allocator.allocate(black_box(&d.topology), black_box(&d.demands), &s, false));
        });
    }
    g.finish();
    latency_report();
}

/// `ALLOC_SIZES=10000,100000` limits the replay to those sizes.
fn sizes() -> Vec<usize> {
    std::env::var("ALLOC_SIZES").map_or_else(
        |_| SIZES.to_vec(),
        |v| {
            v.split(',')
                .map(|n| n.trim().parse().expect("a size"))
                .collect()
        },
    )
}

fn quantile(times: &mut [Duration], q: f64) -> f64 {
    times.sort();
    let i = ((times.len() as f64 - 1.0) * q).round() as usize;
    times[i].as_secs_f64() * 1e3
}

fn latency_report() {
    let s = Settings::default();
    println!("\nalloc tick latency with churn (invariant checked every tick):");
    println!(
        "connectors | ticks | rows | min ms | p50 ms | p99 ms | max ms | cpu p50 ms | cpu p99 ms | violations | paused %"
    );
    for n in sizes() {
        let mut d = Depot::new(n, 11);
        let mut allocator = Allocator::default();
        let ticks = if n >= 100_000 { 60 } else { 120 };
        let mut times = Vec::with_capacity(ticks);
        let mut cpu = Vec::with_capacity(ticks);
        let (mut violations, mut paused, mut active, mut rows) = (0, 0, 0, 0);
        for t in 0..ticks {
            let cpu_start = ThreadTime::now();
            let start = Instant::now();
            let a = allocator
                .allocate(&d.topology, &d.demands, &s, false)
                .expect("valid");
            times.push(start.elapsed());
            cpu.push(cpu_start.elapsed());
            let compiled = compile(&d.topology, &d.demands).expect("valid");
            let b: Vec<_> = d.demands.iter().map(|x| bounds(x, &s)).collect();
            let x: Vec<f64> = d
                .demands
                .iter()
                .zip(&a.limits)
                .map(|(dm, &v)| if dm.is_fixed() { 0.0 } else { v })
                .collect();
            violations += check(&compiled.problem, &b, &x).len();
            rows = compiled.problem.rows.len();
            active += d
                .demands
                .iter()
                .filter(|dm| dm.active && !dm.is_fixed())
                .count();
            paused += d
                .demands
                .iter()
                .zip(&a.limits)
                .filter(|(dm, &v)| dm.active && !dm.is_fixed() && v == 0.0)
                .count();
            d.churn(t, &a.limits);
        }
        let (cpu50, cpu99) = (quantile(&mut cpu, 0.5), quantile(&mut cpu, 0.99));
        println!(
            "{n:>10} | {ticks:>5} | {rows:>6} | {:>6.2} | {:>6.2} | {:>6.2} | {:>6.2} | {cpu50:>10.2} | {cpu99:>10.2} | {violations:>10} | {:>7.1}",
            quantile(&mut times, 0.0),
            quantile(&mut times, 0.5),
            quantile(&mut times, 0.99),
            quantile(&mut times, 1.0),
            100.0 * paused as f64 / active.max(1) as f64
        );
        assert_eq!(violations, 0, "the allocator broke an invariant");
    }
}

criterion_group!(benches, tick);
criterion_main!(benches);
