use proptest::prelude::*;

use super::*;

fn readings() -> impl Strategy<Value = Vec<(i64, i64)>> {
    // (seconds offset, register Wh), any order, any values (including decreases).
    prop::collection::vec((0_i64..3600, 0_i64..2_000_000), 0..40)
}

fn ingest(agg: &mut MeterAggregator, values: &[(i64, i64)]) {
    let texts: Vec<String> = values.iter().map(|(_, wh)| wh.to_string()).collect();
    let batch: Vec<RawSample<'_>> = values
        .iter()
        .zip(&texts)
        .map(|((s, _), text)| RawSample {
            connector: 0,
            ts_ms: s * 1000,
            measurand: None,
            value: text,
            unit: None,
            phase: None,
            context: None,
        })
        .collect();
    agg.ingest(i64::MAX / 2, &batch);
}

proptest! {
    #[test]
    fn energy_is_never_negative_and_points_are_monotonic(
        values in readings(),
        start_s in 0_i64..1800,
        len_s in 0_i64..1800,
        meter_start in prop::option::of(0_i64..2_000_000),
        meter_stop in prop::option::of(0_i64..2_000_000),
    ) {
        let mut agg = MeterAggregator::new(0);
        agg.ensure_connector(0);
        agg.set_max_power(0, 350_000);
        ingest(&mut agg, &values);
        let spec = SessionSpec {
            start_ms: start_s * 1000,
            stop_ms: Some((start_s + len_s) * 1000),
            meter_start_wh: meter_start,
            meter_stop_wh: meter_stop,
        };
        let e = agg.session_energy(0, &spec);
        prop_assert!(e.energy_mwh >= 0);
        prop_assert_eq!(e.points.first().map(|p| p.ts_ms), Some(spec.start_ms));
        for w in e.points.windows(2) {
            prop_assert!(w[0].ts_ms < w[1].ts_ms);
            prop_assert!(w[0].energy_mwh <= w[1].energy_mwh);
        }
        prop_assert_eq!(e.points.last().map(|p| p.energy_mwh), Some(e.energy_mwh));
        for p in &e.points {
            prop_assert!(p.ts_ms >= spec.start_ms && p.ts_ms <= spec.stop_ms.unwrap_or(i64::MAX));
        }
    }

    #[test]
    fn batch_order_does_not_matter(values in readings(), split in 0_usize..40) {
        let mut sorted = values.clone();
        sorted.sort_by_key(|(s, _)| *s);
        sorted.dedup_by_key(|(s, _)| *s);
        let mut a = MeterAggregator::new(0);
        a.ensure_connector(0);
        ingest(&mut a, &sorted);
        let mut b = MeterAggregator::new(0);
        b.ensure_connector(0);
        let cut = split.min(sorted.len());
        let mut reversed = sorted[..cut].to_vec();
        reversed.reverse();
        ingest(&mut b, &sorted[cut..]);
        ingest(&mut b, &reversed);
        ingest(&mut b, &sorted); // a full replay
        let spec = SessionSpec { start_ms: 0, stop_ms: Some(3_600_000), meter_start_wh: None, meter_stop_wh: None };
        prop_assert_eq!(a.session_energy(0, &spec), b.session_energy(0, &spec));
    }

    #[test]
    fn rollups_sum_to_the_counted_steps(values in readings()) {
        let mut agg = MeterAggregator::new(0);
        agg.ensure_connector(0);
        ingest(&mut agg, &values);
        let minute = agg.rollup(&[0], 60_000, 0, 3_600_000);
        let quarter = agg.rollup(&[0], 900_000, 0, 3_600_000);
        prop_assert!(minute.iter().all(|&e| e >= 0));
        prop_assert_eq!(minute.iter().sum::<i64>(), quarter.iter().sum::<i64>());
        for (q, chunk) in quarter.iter().zip(minute.chunks(15)) {
            prop_assert_eq!(*q, chunk.iter().sum::<i64>());
        }
    }
}
