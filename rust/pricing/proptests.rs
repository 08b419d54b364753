use proptest::prelude::*;

use super::*;

const TARIFFS: [&str; 4] = [
    // tariff_4_complex (OCPI example): FLAT, current and weekday TIME tiers, parking windows.
    r#"{"id":"14","currency":"EUR","elements":[
     {"price_components":[{"type":"FLAT","price":2.50,"vat":15.0,"step_size":1}]},
     {"price_components":[{"type":"TIME","price":1.00,"vat":20.0,"step_size":900}],"restrictions":{"max_current":32.00}},
     {"price_components":[{"type":"TIME","price":2.00,"vat":20.0,"step_size":600}],"restrictions":{"min_current":32.00,"day_of_week":["MONDAY","TUESDAY","WEDNESDAY","THURSDAY","FRIDAY"]}},
     {"price_components":[{"type":"PARKING_TIME","price":5.00,"vat":10.0,"step_size":300}],"restrictions":{"start_time":"09:00","end_time":"18:00"}}]}"#,
    // tariff_14_step_size (OCPI example).
    r#"{"id":"22","currency":"EUR","elements":[
     {"price_components":[{"type":"TIME","price":1.20,"step_size":1800},{"type":"PARKING_TIME","price":1.00,"step_size":900}],"restrictions":{"start_time":"00:00","end_time":"17:00"}},
     {"price_components":[{"type":"TIME","price":2.40,"step_size":900},{"type":"PARKING_TIME","price":1.00,"step_size":900}],"restrictions":{"start_time":"17:00","end_time":"20:00"}},
     {"price_components":[{"type":"TIME","price":2.40,"step_size":900}],"restrictions":{"start_time":"20:00","end_time":"23:59"}}]}"#,
    // kWh and duration tiers with min/max price.
    r#"{"id":"k","currency":"EUR","min_price":{"excl_vat":1},"max_price":{"excl_vat":40,"incl_vat":45},"elements":[
     {"price_components":[{"type":"ENERGY","price":0.10,"vat":19,"step_size":500}],"restrictions":{"max_kwh":5}},
     {"price_components":[{"type":"ENERGY","price":0.30,"vat":19,"step_size":100}],"restrictions":{"min_duration":1800}},
     {"price_components":[{"type":"ENERGY","price":0.20,"vat":19,"step_size":1000}]}]}"#,
    // power tiers.
    r#"{"id":"p","currency":"EUR","elements":[
     {"price_components":[{"type":"ENERGY","price":0.20,"vat":20.0,"step_size":1}],"restrictions":{"max_power":16.00}},
     {"price_components":[{"type":"ENERGY","price":0.50,"vat":20.0,"step_size":1},{"type":"PARKING_TIME","price":3,"step_size":600}]}]}"#,
];

fn session_strategy() -> impl Strategy<Value = Session> {
    let seg = (
        any::<bool>(),
        1_i64..7200,
        0_i64..60_000_000,
        prop::option::of(0_u32..64),
    );
    (0_i64..(14 * 86_400), prop::collection::vec(seg, 1..8)).prop_map(|(offset_s, segs)| {
        let mut at = 1_711_670_400_000 + offset_s * 1000; // around the spring DST change
        let segments = segs
            .into_iter()
            .map(|(charging, secs, mwh, amps)| {
                let start = at;
                at += secs * 1000;
                Segment {
                    start_ms: start,
                    end_ms: at,
                    energy_mwh: if charging { mwh } else { 0 },
                    phase: if charging {
                        Phase::Charging
                    } else {
                        Phase::Parking
                    },
                    power_kw: None,
                    current_a: amps.map(rust_decimal::Decimal::from),
                }
            })
            .collect();
        Session {
            tz: chrono_tz::Europe::Berlin,
            segments,
        }
    })
}

proptest! {
    #[test]
    fn periods_cover_the_session_and_running_never_exceeds_final(
        s in session_strategy(),
        which in 0_usize..TARIFFS.len(),
        cut_permille in 0_i64..=1000,
    ) {
        let t = Tariff::from_json(TARIFFS[which]).expect("fixture parses");
        let fin = price(&t, &s, Mode::Final, Rounding::HalfUp).expect("prices");
        let (start, end) = (s.segments[0].start_ms, s.end_ms());
        prop_assert_eq!(fin.periods.first().map(|p| p.start_ms), Some(start));
        prop_assert_eq!(fin.periods.last().map(|p| p.end_ms), Some(end));
        for w in fin.periods.windows(2) {
            prop_assert_eq!(w[0].end_ms, w[1].start_ms);
        }
        let energy: i64 = fin.periods.iter().map(|p| p.energy_mwh).sum();
        prop_assert_eq!(energy, fin.energy_mwh);
        prop_assert!(fin.total.excl_vat >= rust_decimal::Decimal::ZERO);
        prop_assert!(fin.total.incl_vat >= fin.total.excl_vat);

        let at = start + (end - start) * cut_permille / 1000;
        let running = price(&t, &s.until(at.max(start + 1).min(end)), Mode::Running, Rounding::HalfUp).expect("prices");
        prop_assert!(running.payable.incl_vat <= fin.payable.incl_vat, "running {} > final {}", running.payable.incl_vat, fin.payable.incl_vat);
        prop_assert!(running.payable.excl_vat <= fin.payable.excl_vat);
    }
}
