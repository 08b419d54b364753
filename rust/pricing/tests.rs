//! Worked examples. Tariffs are the OCPI 2.2.1 example JSON (`examples/` of ocpi/ocpi) or the
//! `step_size` texts of `mod_cdrs`; every expected figure is worked out by hand in the comment
//! beside it (the spec's printed tables are not copied: one of them is wrong, ocpi/ocpi#579).

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use std::str::FromStr;

use super::*;

pub(super) fn d(text: &str) -> Decimal {
    Decimal::from_str(text).expect("decimal literal")
}

/// (phase, minutes, kWh, current A)
pub(super) type Seg<'a> = (Phase, i64, &'a str, Option<&'a str>);

pub(super) fn session(tz: &str, start_local: &str, segs: &[Seg<'_>]) -> Session {
    let tz: Tz = tz.parse().expect("tz");
    let naive = NaiveDateTime::parse_from_str(start_local, "%Y-%m-%d %H:%M").expect("local time");
    let mut at = tz
        .from_local_datetime(&naive)
        .earliest()
        .expect("exists")
        .timestamp_millis();
    let segments = segs
        .iter()
        .map(|(phase, minutes, kwh, current)| {
            let start = at;
            at += minutes * 60_000;
            Segment {
                start_ms: start,
                end_ms: at,
                energy_mwh: i64::try_from((d(kwh) * Decimal::from(1_000_000)).mantissa())
                    .expect("fits")
                    / 10_i64.pow((d(kwh) * Decimal::from(1_000_000)).scale()),
                phase: *phase,
                power_kw: None,
                current_a: current.map(d),
            }
        })
        .collect();
    Session { tz, segments }
}

pub(super) fn final_cost(tariff: &str, s: &Session) -> Priced {
    let t = Tariff::from_json(tariff).expect("tariff parses");
    price(&t, s, Mode::Final, Rounding::HalfUp).expect("prices")
}

fn json(tariff: &str, p: &Priced) -> serde_json::Value {
    let text = to_json(&Tariff::from_json(tariff).expect("parses"), p);
    serde_json::from_str(&text).expect("to_json writes JSON")
}

pub(super) fn assert_total(p: &Priced, excl: &str, incl: &str) {
    assert_eq!(
        (p.total.excl_vat.normalize(), p.total.incl_vat.normalize()),
        (d(excl).normalize(), d(incl).normalize())
    );
}

const C: Phase = Phase::Charging;
const P: Phase = Phase::Parking;

const TARIFF_4_COMPLEX: &str = r#"{"id":"14","currency":"EUR","elements":[
 {"price_components":[{"type":"FLAT","price":2.50,"vat":15.0,"step_size":1}]},
 {"price_components":[{"type":"TIME","price":1.00,"vat":20.0,"step_size":900}],"restrictions":{"max_current":32.00}},
 {"price_components":[{"type":"TIME","price":2.00,"vat":20.0,"step_size":600}],"restrictions":{"min_current":32.00,"day_of_week":["MONDAY","TUESDAY","WEDNESDAY","THURSDAY","FRIDAY"]}},
 {"price_components":[{"type":"TIME","price":1.25,"vat":20.0,"step_size":600}],"restrictions":{"min_current":32.00,"day_of_week":["SATURDAY","SUNDAY"]}},
 {"price_components":[{"type":"PARKING_TIME","price":5.00,"vat":10.0,"step_size":300}],"restrictions":{"start_time":"09:00","end_time":"18:00","day_of_week":["MONDAY","TUESDAY","WEDNESDAY","THURSDAY","FRIDAY"]}},
 {"price_components":[{"type":"PARKING_TIME","price":6.00,"vat":10.0,"step_size":300}],"restrictions":{"start_time":"10:00","end_time":"17:00","day_of_week":["SATURDAY"]}}
]}"#;

const TARIFF_14_STEP: &str = r#"{"id":"22","currency":"EUR","elements":[
 {"price_components":[{"type":"TIME","price":1.20,"step_size":1800},{"type":"PARKING_TIME","price":1.00,"step_size":900}],"restrictions":{"start_time":"00:00","end_time":"17:00"}},
 {"price_components":[{"type":"TIME","price":2.40,"step_size":900},{"type":"PARKING_TIME","price":1.00,"step_size":900}],"restrictions":{"start_time":"17:00","end_time":"20:00"}},
 {"price_components":[{"type":"TIME","price":2.40,"step_size":900}],"restrictions":{"start_time":"20:00","end_time":"23:59"}}
]}"#;

const TARIFF_12_MIN: &str = r#"{"id":"20","currency":"EUR","min_price":{"excl_vat":0.50,"incl_vat":0.55},
 "elements":[{"price_components":[{"type":"ENERGY","price":0.25,"vat":10.0,"step_size":1}]}]}"#;

const TARIFF_6_MAX: &str = r#"{"id":"16","currency":"EUR","max_price":{"excl_vat":25.00,"incl_vat":27.50},
 "elements":[{"price_components":[{"type":"FLAT","price":0.50,"vat":20.0,"step_size":1},{"type":"ENERGY","price":0.25,"vat":10.0,"step_size":1}]}]}"#;

const TARIFF_13: &str = r#"{"id":"21","currency":"EUR","elements":[{"price_components":[
 {"type":"TIME","price":3.00,"vat":10.0,"step_size":60},{"type":"PARKING_TIME","price":5.00,"vat":20.0,"step_size":300}]}]}"#;

const MAX_POWER: &str = r#"{"id":"1","currency":"EUR","elements":[
 {"price_components":[{"type":"ENERGY","price":0.20,"vat":20.0,"step_size":1}],"restrictions":{"max_power":16.00}},
 {"price_components":[{"type":"ENERGY","price":0.35,"vat":20.0,"step_size":1}],"restrictions":{"max_power":32.00}},
 {"price_components":[{"type":"ENERGY","price":0.50,"vat":20.0,"step_size":1}]}]}"#;

const MAX_DURATION: &str = r#"{"id":"2","currency":"EUR","elements":[
 {"price_components":[{"type":"ENERGY","price":0.00,"vat":20.0,"step_size":1}],"restrictions":{"max_duration":1800}},
 {"price_components":[{"type":"ENERGY","price":0.25,"vat":20.0,"step_size":1}],"restrictions":{"max_duration":3600}},
 {"price_components":[{"type":"ENERGY","price":0.40,"vat":20.0,"step_size":1}]}]}"#;

const AMS: &str = "Europe/Amsterdam";

#[test]
fn t03_min_price_applies_to_excl_and_incl_separately() {
    // (a) 20 kWh x 0.25 = 5.00 excl, x 1.10 = 5.50 incl: above the minimum.
    let p = final_cost(
        TARIFF_12_MIN,
        &session(AMS, "2024-01-15 10:00", &[(C, 60, "20", None)]),
    );
    assert_total(&p, "5.00", "5.50");
    assert!(!p.min_price_applied);
    // (b) 1.5 kWh: 0.375 excl -> 0.50; 0.4125 incl -> 0.55.
    let p = final_cost(
        TARIFF_12_MIN,
        &session(AMS, "2024-01-15 10:00", &[(C, 10, "1.5", None)]),
    );
    assert_total(&p, "0.50", "0.55");
    assert_eq!(p.energy.excl_vat, d("0.375")); // the component total is not lifted
}

#[test]
fn t05_max_price_applies_to_each_side_separately() {
    // 100 kWh: 0.50 + 25.00 = 25.50 excl -> 25.00; 0.60 + 27.50 = 28.10 incl -> 27.50.
    let p = final_cost(
        TARIFF_6_MAX,
        &session(AMS, "2024-01-15 10:00", &[(C, 120, "100", None)]),
    );
    assert_total(&p, "25.00", "27.50");
    // 97.9 kWh: 0.50 + 24.475 = 24.975 excl (under); 0.60 + 26.9225 = 27.5225 incl -> 27.50.
    let p = final_cost(
        TARIFF_6_MAX,
        &session(AMS, "2024-01-15 10:00", &[(C, 120, "97.9", None)]),
    );
    assert_total(&p, "24.975", "27.50");
    assert_eq!(p.payable.excl_vat, d("24.98")); // half up on the payable amount only
}

#[test]
fn t07_time_then_parking_rounds_only_the_parking_total() {
    // 150 min TIME at 3.00/h = 7.50 (incl 8.25); 42 min parking -> 45 min at 5.00/h = 3.75
    // (incl 4.50). 11.25 excl, 12.75 incl.
    let s = session(
        AMS,
        "2024-01-15 10:00",
        &[(C, 150, "30", None), (P, 42, "0", None)],
    );
    let p = final_cost(TARIFF_13, &s);
    assert_total(&p, "11.25", "12.75");
    assert_eq!(p.parking_ms, 42 * 60_000);
}

#[test]
fn t10a_complex_monday() {
    // Mon 09:30, 165 min at 16 A: TIME element 1 (max_current 32), 2.75 h x 1.00 = 2.75
    // (incl 3.30, not rounded: parking follows). Parking 12:15-12:57 weekday 09-18 element
    // 4: 42 -> 45 min x 5.00 = 3.75 (incl 4.125). FLAT 2.50 (incl 2.875).
    // Excl 9.00, incl 10.30.
    let s = session(
        AMS,
        "2024-01-15 09:30",
        &[(C, 165, "10", Some("16")), (P, 42, "0", None)],
    );
    let p = final_cost(TARIFF_4_COMPLEX, &s);
    assert_total(&p, "9.00", "10.30");
    assert_eq!(p.fixed.incl_vat, d("2.875"));
}

#[test]
fn t10b_complex_saturday_follows_the_json_not_the_printed_table() {
    // Sat 13:30, 114 min at 43 A: element 3 (min_current 32, weekend) 1.25/h: 1.9 h = 2.375
    // (incl 2.85). Parking 15:24-16:35 Saturday 10-17 element 5: 71 -> 75 min x 6.00 = 7.50
    // (incl 8.25). FLAT 2.50 (2.875). Excl 12.375 -> 12.38; incl 13.975 -> 13.98.
    let s = session(
        AMS,
        "2024-01-20 13:30",
        &[(C, 114, "40", Some("43")), (P, 71, "0", None)],
    );
    let p = final_cost(TARIFF_4_COMPLEX, &s);
    assert_total(&p, "12.375", "13.975");
    assert_eq!(
        (p.payable.excl_vat, p.payable.incl_vat),
        (d("12.38"), d("13.98"))
    );
}

#[test]
fn t11_t12_t13_step_size_across_elements() {
    let cases: [(&str, &[Seg<'_>], &str); 3] = [
        // 16:55 charge 10 min, park 2: TIME 5 min x 1.20 + 5 min x 2.40 = 0.10 + 0.20;
        // parking 2 -> 15 min (step 900) x 1.00 = 0.25. Total 0.55.
        (
            "2024-01-15 16:55",
            &[(C, 10, "2", None), (P, 2, "0", None)],
            "0.55",
        ),
        // 16:35 charge 35 min: 25 min x 1.20 = 0.50; 10 min at 2.40 with the session total
        // 35 -> 45 min (last step 900): 20 min x 2.40 = 0.80. Total 1.30.
        ("2024-01-15 16:35", &[(C, 35, "5", None)], "1.30"),
        // 19:40 charge 12, park 20: TIME 12 min x 2.40 = 0.48; paid parking 19:52-20:00 is
        // 8 min -> 15 min x 1.00 = 0.25; parking after 20:00 is free. Total 0.73.
        (
            "2024-01-15 19:40",
            &[(C, 12, "2", None), (P, 20, "0", None)],
            "0.73",
        ),
    ];
    for (start, segs, total) in cases {
        let p = final_cost(TARIFF_14_STEP, &session(AMS, start, segs));
        assert_total(&p, total, total);
    }
}

#[test]
fn t18_power_tiers_by_first_match() {
    // 1 kWh at 6 kW (0.20) + 40 kWh at 48 kW (0.50) + 0.5 kWh at 4 kW (0.20) = 20.30;
    // incl x 1.20 = 24.36.
    let segs = [(C, 10, "1", None), (C, 50, "40", None), (C, 7, "0.5", None)];
    let mut s = session(AMS, "2024-01-15 10:00", &segs);
    s.segments[2].end_ms += 30_000; // 7.5 min: 0.5 kWh at 4 kW
    let p = final_cost(MAX_POWER, &s);
    assert_total(&p, "20.30", "24.36");
    assert_eq!(p.periods.len(), 3);
}

#[test]
fn t19_max_duration_is_exclusive() {
    // 5 kWh in the first 30 min free; 1.2 kWh in the next 10 min at 0.25 = 0.30 (incl 0.36).
    let s = session(
        AMS,
        "2024-01-15 10:00",
        &[(C, 30, "5", None), (C, 10, "1.2", None)],
    );
    assert_total(&final_cost(MAX_DURATION, &s), "0.30", "0.36");
}

#[test]
fn t21_t22_t23_mod_cdrs_step_size_texts() {
    // ENERGY 0.20, 0.27 from 17:00, step 500 Wh: 4.3 + 1.1 = 5.4 -> 5.5 kWh, the extra
    // 0.1 at 0.27: 0.86 + 1.2 x 0.27 = 1.184.
    let energy = r#"{"id":"e","currency":"EUR","elements":[
      {"price_components":[{"type":"ENERGY","price":0.27,"step_size":500}],"restrictions":{"start_time":"17:00"}},
      {"price_components":[{"type":"ENERGY","price":0.20,"step_size":500}]}]}"#;
    let s = session(
        AMS,
        "2024-01-15 16:00",
        &[(C, 60, "4.3", None), (C, 60, "1.1", None)],
    );
    assert_total(&final_cost(energy, &s), "1.184", "1.184");
    // TIME 5/h, 7/h from 17:00, step 600: 6 + 22 = 28 -> 30 min, extra 2 at 7/h:
    // 0.50 + 24/60 x 7 = 3.30.
    let time = r#"{"id":"t","currency":"EUR","elements":[
      {"price_components":[{"type":"TIME","price":7,"step_size":600}],"restrictions":{"start_time":"17:00"}},
      {"price_components":[{"type":"TIME","price":5,"step_size":600}]}]}"#;
    let s = session(AMS, "2024-01-15 16:54", &[(C, 28, "3", None)]);
    assert_total(&final_cost(time, &s), "3.30", "3.30");
    // TIME 1/h + PARKING 2/h, both step 600: 21 min charging not rounded (0.35); 16 -> 20
    // min parking (0.6666...). Payable 1.02; OCPI component 0.6667.
    let both = r#"{"id":"b","currency":"EUR","elements":[{"price_components":[
      {"type":"TIME","price":1,"step_size":600},{"type":"PARKING_TIME","price":2,"step_size":600}]}]}"#;
    let s = session(
        AMS,
        "2024-01-15 10:00",
        &[(C, 21, "3", None), (P, 16, "0", None)],
    );
    let p = final_cost(both, &s);
    assert_eq!(p.payable.excl_vat, d("1.02"));
    assert_eq!(json(both, &p)["total_parking_cost"]["excl_vat"], "0.6667");
}

#[test]
fn t24_energy_step_sizes_keep_four_places() {
    // 115.2 Wh at 0.25/kWh: step 1 -> 116 Wh = 0.029; step 25 -> 125 Wh = 0.03125 (OCPI 4 dp
    // 0.0313); step 500 -> 500 Wh = 0.125.
    for (step, exact, ocpi) in [
        (1, "0.029", "0.029"),
        (25, "0.03125", "0.0313"),
        (500, "0.125", "0.125"),
    ] {
        let t = format!(
            r#"{{"id":"x","currency":"EUR","elements":[{{"price_components":[{{"type":"ENERGY","price":0.25,"step_size":{step}}}]}}]}}"#
        );
        let p = final_cost(
            &t,
            &session(AMS, "2024-01-15 10:00", &[(C, 5, "0.1152", None)]),
        );
        assert_eq!(p.energy.excl_vat.normalize(), d(exact).normalize());
        assert_eq!(json(&t, &p)["total_energy_cost"]["excl_vat"], ocpi);
    }
}

#[test]
fn t25_energy_step_extra_billed_in_the_last_period() {
    // Step 10 000 Wh: 9 kWh -> 10 kWh, the extra 1 kWh at the last period's price (2.00):
    // 3 x 2 + 3 x 5 + 4 x 2 = 29.
    let t = r#"{"id":"c","currency":"EUR","elements":[
      {"price_components":[{"type":"ENERGY","price":2,"step_size":10000}],"restrictions":{"max_current":20}},
      {"price_components":[{"type":"ENERGY","price":5,"step_size":10000}],"restrictions":{"min_current":20}}]}"#;
    let s = session(
        AMS,
        "2024-01-15 10:00",
        &[
            (C, 60, "3", Some("10")),
            (C, 20, "3", Some("40")),
            (C, 60, "3", Some("10")),
        ],
    );
    let p = final_cost(t, &s);
    assert_total(&p, "29", "29");
    assert_eq!(p.lines.last().map(|l| l.rounded_up), Some(1_000_000));
}

#[test]
fn t26_free_tariff_with_step_size_zero() {
    let t = r#"{"id":"free","currency":"EUR","elements":[{"price_components":[{"type":"FLAT","price":0,"step_size":0},{"type":"TIME","price":0,"step_size":0}]}]}"#;
    let p = final_cost(t, &session(AMS, "2024-01-15 10:00", &[(C, 30, "7", None)]));
    assert_total(&p, "0", "0");
    let json = json(t, &p);
    assert_eq!(json["total_energy"], "7");
    assert_eq!(json["total_time"], "0.5");
}

#[test]
fn e01_wrap_around_window_uses_the_local_weekday_at_each_instant() {
    // 20:00-06:00 MON-FRI at 2/h, else 1/h. Fri 23:00-24:00 at 2; Sat 00:00-01:00 at 1.
    let t = r#"{"id":"w","currency":"EUR","elements":[
      {"price_components":[{"type":"TIME","price":2,"step_size":1}],"restrictions":{"start_time":"20:00","end_time":"06:00","day_of_week":["MONDAY","TUESDAY","WEDNESDAY","THURSDAY","FRIDAY"]}},
      {"price_components":[{"type":"TIME","price":1,"step_size":1}]}]}"#;
    let p = final_cost(
        t,
        &session("UTC", "2024-01-19 23:00", &[(C, 120, "10", None)]),
    );
    assert_total(&p, "3", "3");
    let lint = lint(&Tariff::from_json(t).expect("parses"));
    assert!(lint.iter().any(|f| f.code == "wrap_with_weekdays"));
}

#[test]
fn e02_dst_fall_back_boundary_applies_once() {
    // Copenhagen 2025-10-26: 02:00-03:00 local happens twice (00:00-02:00 UTC). Before 02:30
    // at 1/h, then 2/h. 00:00-00:30 UTC at 1 (0.50), 00:30-02:00 UTC at 2 (3.00): 3.50.
    let t = r#"{"id":"dst","currency":"EUR","elements":[
      {"price_components":[{"type":"TIME","price":1,"step_size":1}],"restrictions":{"end_time":"02:30"}},
      {"price_components":[{"type":"TIME","price":2,"step_size":1}]}]}"#;
    let p = final_cost(
        t,
        &session("UTC", "2025-10-26 00:00", &[(C, 120, "10", None)]).in_tz("Europe/Copenhagen"),
    );
    assert_total(&p, "3.50", "3.50");
    // A session starting in the second pass (01:10 UTC = 02:10 CET) is past the boundary:
    // 30 min at 2/h = 1.00, not 0.50.
    let p = final_cost(
        t,
        &session("UTC", "2025-10-26 01:10", &[(C, 30, "3", None)]).in_tz("Europe/Copenhagen"),
    );
    assert_total(&p, "1", "1");
}

#[test]
fn dst_spring_forward_boundary_in_the_gap_applies_when_the_gap_ends() {
    // Copenhagen 2025-03-30: 02:00-03:00 local does not exist (01:00 UTC). From 02:30 at 2/h.
    // 00:00-01:00 UTC at 1 (1.00), 01:00-02:00 UTC at 2 (2.00): 3.00.
    let t = r#"{"id":"gap","currency":"EUR","elements":[
      {"price_components":[{"type":"TIME","price":2,"step_size":1}],"restrictions":{"start_time":"02:30"}},
      {"price_components":[{"type":"TIME","price":1,"step_size":1}]}]}"#;
    let p = final_cost(
        t,
        &session("UTC", "2025-03-30 00:00", &[(C, 120, "10", None)]).in_tz("Europe/Copenhagen"),
    );
    assert_total(&p, "3", "3");
}

#[test]
fn e09_payable_rounding_uses_the_iso_exponent() {
    // JPY (0 places): 10.5 kWh x 33.3 = 349.65 -> 350. BHD (3): 10 kWh x 0.12345 = 1.2345 -> 1.235.
    for (currency, price, payable) in [
        ("JPY", "33.3", "350"),
        ("BHD", "0.12345", "1.235"),
        ("EUR", "0.12345", "1.23"),
    ] {
        let kwh = if currency == "JPY" { "10.5" } else { "10" };
        let t = format!(
            r#"{{"id":"x","currency":"{currency}","elements":[{{"price_components":[{{"type":"ENERGY","price":{price},"step_size":1}}]}}]}}"#
        );
        let p = final_cost(&t, &session(AMS, "2024-01-15 10:00", &[(C, 60, kwh, None)]));
        assert_eq!(p.payable.incl_vat, d(payable), "{currency}");
    }
}

#[test]
fn running_cost_skips_step_rounding_and_stays_below_the_final() {
    let s = session(AMS, "2024-01-15 16:35", &[(C, 35, "5", None)]);
    let t = Tariff::from_json(TARIFF_14_STEP).expect("parses");
    let running = price(&t, &s, Mode::Running, Rounding::HalfUp).expect("prices");
    // 25 min x 1.20 + 10 min x 2.40 = 0.50 + 0.40 = 0.90 <= 1.30 final.
    assert_eq!(running.total.excl_vat.normalize(), d("0.9"));
}

#[test]
fn bad_tariffs_get_a_clear_error_with_a_path() {
    let cases = [
        (
            r#"{"currency":"EUR","elements":[{"price_components":[{"type":"ENERGY","price":-0.25,"step_size":1}]}]}"#,
            "/elements/0/price_components/0/price",
        ),
        (
            r#"{"currency":"EUX","elements":[{"price_components":[{"type":"ENERGY","price":0.25,"step_size":1}]}]}"#,
            "/currency",
        ),
        (
            r#"{"currency":"EUR","elements":[{"price_components":[{"type":"ENERGY","price":0.25,"step_size":-1}]}]}"#,
            "/elements/0/price_components/0/step_size",
        ),
        (
            r#"{"currency":"EUR","elements":[{"price_components":[{"type":"WATTS","price":0.25,"step_size":1}]}]}"#,
            "/elements/0/price_components/0/type",
        ),
        (
            r#"{"currency":"EUR","elements":[{"price_components":[{"type":"TIME","price":1,"step_size":1}],"restrictions":{"start_time":"25:00"}}]}"#,
            "/elements/0/restrictions/start_time",
        ),
        (r#"{"currency":"EUR","elements":[]}"#, "/elements"),
        (r#"{"currency":"EUR"}"#, ""),
    ];
    for (json, path) in cases {
        let e = Tariff::from_json(json).expect_err(json);
        assert_eq!(e.path, path, "{e}");
    }
}

#[test]
fn the_linter_rejects_contradictions_and_reports_overlaps_and_gaps() {
    let t = r#"{"currency":"EUR","elements":[
      {"price_components":[{"type":"ENERGY","price":0.3,"step_size":1},{"type":"ENERGY","price":0.4,"step_size":1}]},
      {"price_components":[{"type":"TIME","price":1,"step_size":0}],"restrictions":{"start_time":"08:00","end_time":"18:00"}},
      {"price_components":[{"type":"TIME","price":2,"step_size":60}],"restrictions":{"start_time":"17:00","end_time":"20:00"}},
      {"price_components":[{"type":"PARKING_TIME","price":2,"step_size":60}],"restrictions":{"min_kwh":10,"max_kwh":5}}]}"#;
    let findings = lint(&Tariff::from_json(t).expect("parses"));
    let codes: Vec<(&str, Severity)> = findings.iter().map(|f| (f.code, f.severity)).collect();
    for expected in [
        ("duplicate_dimension", Severity::Error),
        ("step_size_zero", Severity::Error),
        ("contradictory_restriction", Severity::Error),
        ("no_default_element", Severity::Warning),
        ("gap", Severity::Warning),
        ("overlap", Severity::Warning),
    ] {
        assert!(
            codes.contains(&expected),
            "{expected:?} missing from {codes:?}"
        );
    }
    let clean = lint(&Tariff::from_json(TARIFF_13).expect("parses"));
    assert!(clean.is_empty(), "{clean:?}");
}

impl Session {
    fn in_tz(mut self, tz: &str) -> Session {
        self.tz = tz.parse().expect("tz");
        self
    }
}
