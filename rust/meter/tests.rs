use super::*;

const MIN: i64 = 60_000;
/// A clock far enough ahead that no test value is in the future.
const NOW: i64 = 1_000 * MIN;

fn sample<'a>(
    ts_ms: i64,
    measurand: &'a str,
    value: &'a str,
    unit: Option<&'a str>,
) -> RawSample<'a> {
    RawSample {
        connector: 0,
        ts_ms,
        measurand: Some(measurand),
        value,
        unit,
        phase: None,
        context: None,
    }
}

fn register(ts_ms: i64, wh: &str) -> RawSample<'_> {
    sample(ts_ms, "Energy.Active.Import.Register", wh, Some("Wh"))
}

fn aggregator() -> MeterAggregator {
    let mut agg = MeterAggregator::new(60_000);
    agg.ensure_connector(0);
    agg
}

fn spec(
    start_ms: i64,
    stop_ms: Option<i64>,
    start_wh: Option<i64>,
    stop_wh: Option<i64>,
) -> SessionSpec {
    SessionSpec {
        start_ms,
        stop_ms,
        meter_start_wh: start_wh,
        meter_stop_wh: stop_wh,
    }
}

#[test]
fn units_normalise_to_milli_base_units() {
    let cases = [
        ("12.345", 6, Ok(12_345_000)), // kWh -> mWh
        ("1500", 3, Ok(1_500_000)),    // Wh -> mWh
        ("0.0005", 3, Ok(1)),          // rounds half up past milli
        ("0.0004", 3, Ok(0)),
        ("-3", 3, Ok(-3000)),
        ("1e3", 3, Err(Reject::InvalidNumber)),
        ("", 3, Err(Reject::InvalidNumber)),
        ("1.2.3", 3, Err(Reject::InvalidNumber)),
        ("99999999999999999999", 3, Err(Reject::InvalidNumber)),
    ];
    for (text, shift, expected) in cases {
        assert_eq!(parse_scaled(text, shift), expected, "{text}");
    }
}

#[test]
fn bad_values_are_refused_with_a_reason_and_the_rest_is_kept() {
    let mut agg = aggregator();
    let mut phased = register(5, "10");
    phased.phase = Some("L4");
    let mut ctx = register(6, "10");
    ctx.context = Some("Sample.Whenever");
    let batch = [
        register(1, "100"),
        sample(2, "Energy.Active.Import.Registr", "1", None),
        sample(3, "Energy.Active.Import.Register", "1", Some("Joule")),
        sample(4, "Energy.Active.Import.Register", "1", Some("kW")),
        phased,
        ctx,
        register(7, "-5"),
        register(8, "ten"),
        register(10 * 60_000 + 1_000_000, "200"),
        sample(9, "Voltage", "230", Some("V")),
        RawSample {
            connector: 7,
            ..register(11, "1")
        },
    ];
    let report = agg.ingest(0, &batch);
    assert_eq!(report.accepted, 1);
    assert_eq!(report.ignored, 1);
    let reasons: Vec<_> = report.rejected.iter().map(|(i, r)| (*i, *r)).collect();
    assert_eq!(
        reasons,
        vec![
            (1, Reject::UnknownMeasurand),
            (2, Reject::UnknownUnit),
            (3, Reject::UnitMismatch),
            (4, Reject::UnknownPhase),
            (5, Reject::UnknownContext),
            (6, Reject::NegativeValue),
            (7, Reject::InvalidNumber),
            (8, Reject::FutureTimestamp),
            (10, Reject::UnknownConnector),
        ]
    );
}

#[test]
fn kwh_and_wh_readings_give_one_register() {
    let mut agg = aggregator();
    agg.ingest(
        NOW,
        &[
            register(0, "1000"),
            sample(MIN, "Energy.Active.Import.Register", "1.5", Some("kWh")),
        ],
    );
    let e = agg.session_energy(0, &spec(0, Some(MIN), Some(1000), Some(1500)));
    assert_eq!(e.energy_mwh, 500_000);
    assert_eq!(e.flags, Flags(0));
}

#[test]
fn phases_are_summed_when_no_total_is_sent() {
    let mut agg = aggregator();
    let mut batch = Vec::new();
    for (ts, v) in [(0, "100"), (MIN, "200")] {
        for p in ["L1", "L2", "L3"] {
            let mut s = register(ts, v);
            s.phase = Some(p);
            batch.push(s);
        }
    }
    agg.ingest(NOW, &batch);
    let e = agg.session_energy(0, &spec(0, Some(MIN), None, None));
    assert_eq!(e.energy_mwh, 300_000);
    assert!(e.flags.has(Flags::BASELINE_FROM_READING));
}

#[test]
fn a_register_going_backwards_is_a_reset_never_negative_energy() {
    let mut agg = aggregator();
    agg.ingest(
        NOW,
        &[
            register(0, "5000"),
            register(MIN, "5200"),
            register(2 * MIN, "10"),
            register(3 * MIN, "110"),
        ],
    );
    let e = agg.session_energy(0, &spec(0, Some(3 * MIN), Some(5000), Some(110)));
    assert_eq!(e.energy_mwh, 300_000); // 200 before, 100 after; the reset step counts 0
    assert!(e.flags.has(Flags::METER_RESET));
    assert!(e.flags.needs_review());
}

#[test]
fn an_absurd_jump_is_flagged_and_not_billed() {
    let mut agg = aggregator();
    agg.set_max_power(0, 22_000); // 22 kW: at most ~367 Wh a minute
    agg.ingest(
        NOW,
        &[
            register(0, "1000"),
            register(MIN, "1300"),
            register(2 * MIN, "900000"),
        ],
    );
    let e = agg.session_energy(0, &spec(0, Some(2 * MIN), Some(1000), None));
    assert_eq!(e.energy_mwh, 300_000);
    assert!(e.flags.has(Flags::ABSURD_JUMP));
}

#[test]
fn baseline_is_never_zero_when_the_register_is_large() {
    let mut agg = aggregator();
    agg.ingest(
        NOW,
        &[register(MIN, "1234567"), register(2 * MIN, "1235067")],
    );
    // An offline start reported meterStart 0 although the odometer reads 1,234 kWh.
    let e = agg.session_energy(0, &spec(0, Some(2 * MIN), Some(0), Some(1_235_067)));
    assert_eq!(e.energy_mwh, 500_000);
    assert_eq!(e.baseline_mwh, Some(1_234_567_000));
    assert!(e.flags.has(Flags::BASELINE_FROM_READING));
}

#[test]
fn readings_outside_the_session_are_not_counted() {
    let mut agg = aggregator();
    agg.ingest(
        NOW,
        &[
            register(0, "100"),
            register(MIN, "200"),
            register(2 * MIN, "300"),
            register(3 * MIN, "900"),
        ],
    );
    let e = agg.session_energy(0, &spec(MIN, Some(2 * MIN), Some(200), Some(300)));
    assert_eq!(e.energy_mwh, 100_000);
    assert_eq!(e.points.first().map(|p| p.ts_ms), Some(MIN));
    assert_eq!(
        e.points.last().map(|p| (p.ts_ms, p.energy_mwh)),
        Some((2 * MIN, 100_000))
    );
}

#[test]
fn late_and_out_of_order_batches_merge_by_timestamp() {
    let mut in_order = aggregator();
    let all = [
        register(0, "0"),
        register(MIN, "100"),
        register(2 * MIN, "250"),
        register(3 * MIN, "400"),
    ];
    in_order.ingest(NOW, &all);
    let mut shuffled = aggregator();
    shuffled.ingest(NOW, &[all[3], all[0]]);
    shuffled.ingest(NOW, &[all[2], all[1], all[2]]); // late, reversed, one replayed
    let s = spec(0, Some(3 * MIN), Some(0), Some(400));
    assert_eq!(
        in_order.session_energy(0, &s),
        shuffled.session_energy(0, &s)
    );
    assert_eq!(shuffled.session_energy(0, &s).points.len(), 4);
}

#[test]
fn missing_transaction_end_leaves_the_session_open() {
    let mut agg = aggregator();
    agg.ingest(NOW, &[register(0, "0"), register(MIN, "100")]);
    let e = agg.session_energy(0, &spec(0, None, Some(0), None));
    assert_eq!(e.energy_mwh, 100_000);
    assert!(e.flags.has(Flags::OPEN));
}

#[test]
fn no_readings_at_all_is_flagged_for_review() {
    let agg = aggregator();
    let e = agg.session_energy(0, &spec(0, Some(MIN), None, None));
    assert_eq!(e.energy_mwh, 0);
    assert!(e.flags.needs_review());
}

#[test]
fn interval_values_are_summed_when_there_is_no_register() {
    let mut agg = aggregator();
    let batch = [
        sample(MIN, "Energy.Active.Import.Interval", "0.1", Some("kWh")),
        sample(2 * MIN, "Energy.Active.Import.Interval", "150", Some("Wh")),
    ];
    agg.ingest(NOW, &batch);
    let e = agg.session_energy(0, &spec(0, Some(2 * MIN), None, None));
    assert_eq!(e.energy_mwh, 250_000);
    assert!(e.flags.has(Flags::FROM_INTERVALS));
}

#[test]
fn power_and_current_means_sum_the_lines() {
    let mut agg = aggregator();
    let mut batch = vec![sample(0, "Power.Active.Import", "7.2", Some("kW"))];
    for p in ["L1", "L2", "L3", "N"] {
        let mut s = sample(0, "Current.Import", "16", Some("A"));
        s.phase = Some(p);
        batch.push(s);
    }
    agg.ingest(NOW, &batch);
    assert_eq!(agg.mean_power_mw(0, 0, MIN), Some(7_200_000));
    assert_eq!(agg.mean_current_ma(0, 0, MIN), Some(48_000));
}

#[test]
fn rollups_spread_steps_over_buckets_exactly() {
    let mut agg = aggregator();
    agg.ensure_connector(1);
    // 0..90 s: 300 Wh, crossing the 60 s bucket edge two thirds of the way.
    agg.ingest(NOW, &[register(0, "1000"), register(90_000, "1300")]);
    let mut other = register(0, "0");
    other.connector = 1;
    let mut other_end = register(30_000, "50");
    other_end.connector = 1;
    agg.ingest(NOW, &[other, other_end]);
    assert_eq!(agg.rollup(&[0], MIN, 0, 2 * MIN), vec![200_000, 100_000]);
    assert_eq!(agg.rollup(&[0, 1], MIN, 0, 2 * MIN), vec![250_000, 100_000]);
    assert_eq!(agg.rollup(&[0], 15 * MIN, 0, 15 * MIN), vec![300_000]);
}

#[test]
fn prune_keeps_a_baseline_reading() {
    let mut agg = aggregator();
    agg.ingest(
        NOW,
        &[
            register(0, "0"),
            register(MIN, "100"),
            register(2 * MIN, "200"),
        ],
    );
    agg.prune_before(2 * MIN);
    assert_eq!(agg.register_count(), 2);
}
