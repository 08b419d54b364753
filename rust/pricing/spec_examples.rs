//! The OCPI 2.2.1 example tariffs not covered in `tests.rs` (acceptance table T-01 … T-20 of
//! the billing reference), each with its session and the total worked out by hand from the
//! rules and the example JSON (`examples/` of ocpi/ocpi), never copied from a printed table.
//! Reservation phases follow evgw's documented policy: only elements with a matching
//! `reservation` restriction price them (an expired reservation: `RESERVATION_EXPIRES` first,
//! then `RESERVATION`, per dimension), and FLAT is billed once per phase group.

use chrono::{TimeZone, Utc};

use super::tests::{assert_total, d, final_cost, session};
use super::*;

const C: Phase = Phase::Charging;
const P: Phase = Phase::Parking;
const R: Phase = Phase::Reservation;
const X: Phase = Phase::ReservationExpired;
const AMS: &str = "Europe/Amsterdam";
const DAY: &str = "2024-01-15 10:00";

const TARIFF_1: &str = r#"{"id":"12","currency":"EUR","elements":[{"price_components":[
 {"type":"TIME","price":2.00,"vat":10.0,"step_size":60}]}],"last_updated":"2015-06-29T20:39:09Z"}"#;

const TARIFF_2: &str = r#"{"country_code":"DE","party_id":"ALL","id":"12","currency":"EUR",
 "type":"AD_HOC_PAYMENT","tariff_alt_text":[{"language":"en","text":"2.00 euro p/hour including VAT."},
 {"language":"nl","text":"2.00 euro p/uur inclusief BTW."}],
 "elements":[{"price_components":[{"type":"TIME","price":1.90,"vat":5.2,"step_size":300}]}],
 "last_updated":"2015-06-29T20:39:09Z"}"#;

const TARIFF_3: &str = r#"{"country_code":"DE","party_id":"ALL","id":"13","currency":"EUR",
 "type":"PROFILE_CHEAP","tariff_alt_url":"https://company.com/tariffs/13","elements":[{"price_components":[
 {"type":"FLAT","price":0.50,"vat":20.0,"step_size":1},{"type":"ENERGY","price":0.25,"vat":10.0,"step_size":100}]}],
 "last_updated":"2015-06-29T20:39:09Z"}"#;

const TARIFF_8: &str = r#"{"id":"13","currency":"EUR","elements":[{"price_components":[
 {"type":"ENERGY","price":0.25,"vat":10.0,"step_size":100}]}],"last_updated":"2018-12-17T11:16:55Z"}"#;

const TARIFF_9: &str = r#"{"id":"17","currency":"EUR","elements":[{"price_components":[
 {"type":"FLAT","price":0.50,"vat":20.0,"step_size":1},{"type":"ENERGY","price":0.25,"vat":10.0,"step_size":1}]}],
 "last_updated":"2018-12-17T11:36:01Z"}"#;

const TARIFF_10: &str = r#"{"id":"13","currency":"EUR","elements":[{"price_components":[
 {"type":"FLAT","price":0.50,"vat":20.0,"step_size":1},{"type":"ENERGY","price":0.25,"vat":10.0,"step_size":100},
 {"type":"PARKING_TIME","price":2.00,"vat":20.0,"step_size":900}]}],"last_updated":"2018-12-17T11:44:10Z"}"#;

const TARIFF_11: &str = r#"{"country_code":"DE","party_id":"ALL","id":"19","currency":"EUR","type":"AD_HOC_PAYMENT",
 "elements":[{"price_components":[{"type":"FLAT","price":0.40,"vat":25.0,"step_size":1},
 {"type":"TIME","price":1.90,"vat":5.2,"step_size":300}]}],"last_updated":"2018-12-29T15:55:58Z"}"#;

const TARIFF_15: &str = r#"{"country_code":"DE","party_id":"ALL","id":"20","currency":"EUR","elements":[
 {"price_components":[{"type":"TIME","price":5.00,"vat":20.0,"step_size":60}],"restrictions":{"reservation":"RESERVATION"}},
 {"price_components":[{"type":"FLAT","price":0.50,"vat":20.0,"step_size":1},{"type":"ENERGY","price":0.25,"vat":10.0,"step_size":1}]}],
 "last_updated":"2019-02-03T17:00:11Z"}"#;

const TARIFF_16: &str = r#"{"country_code":"DE","party_id":"ALL","id":"20","currency":"EUR","elements":[
 {"price_components":[{"type":"FLAT","price":2.00,"vat":20.0,"step_size":1},{"type":"TIME","price":5.00,"vat":20.0,"step_size":300}],
  "restrictions":{"reservation":"RESERVATION"}},
 {"price_components":[{"type":"FLAT","price":0.50,"vat":20.0,"step_size":1},{"type":"ENERGY","price":0.25,"vat":10.0,"step_size":1}]}],
 "last_updated":"2019-02-03T17:00:11Z"}"#;

const TARIFF_17: &str = r#"{"country_code":"DE","party_id":"ALL","id":"20","currency":"EUR","elements":[
 {"price_components":[{"type":"FLAT","price":4.00,"vat":20.0,"step_size":1}],"restrictions":{"reservation":"RESERVATION_EXPIRES"}},
 {"price_components":[{"type":"TIME","price":2.00,"vat":20.0,"step_size":600}],"restrictions":{"reservation":"RESERVATION"}},
 {"price_components":[{"type":"FLAT","price":0.50,"vat":20.0,"step_size":1},{"type":"ENERGY","price":0.25,"vat":10.0,"step_size":1}]}],
 "last_updated":"2019-02-03T17:00:11Z"}"#;

const TARIFF_18: &str = r#"{"country_code":"DE","party_id":"ALL","id":"20","currency":"EUR","elements":[
 {"price_components":[{"type":"TIME","price":6.00,"vat":20.0,"step_size":600}],"restrictions":{"reservation":"RESERVATION_EXPIRES"}},
 {"price_components":[{"type":"TIME","price":3.00,"vat":20.0,"step_size":600}],"restrictions":{"reservation":"RESERVATION"}},
 {"price_components":[{"type":"FLAT","price":0.50,"vat":20.0,"step_size":1},{"type":"ENERGY","price":0.25,"vat":10.0,"step_size":1}]}],
 "last_updated":"2019-02-03T17:00:11Z"}"#;

/// `tariff_7_first_hour_kwh_free` as stored in the repository's history (the element key is
/// spelt `tariff_restrictions` there; written here with the 2.2.1 `restrictions`). No VAT.
const TARIFF_7: &str = r#"{"id":"52","currency":"EUR","elements":[
 {"price_components":[{"type":"PARKING_TIME","price":0.0,"step_size":60}],"restrictions":{"min_duration":0,"max_duration":3600}},
 {"price_components":[{"type":"PARKING_TIME","price":2.0,"step_size":60}],"restrictions":{"min_duration":3600,"max_duration":10800}},
 {"price_components":[{"type":"PARKING_TIME","price":3.0,"step_size":60}],"restrictions":{"min_duration":10800}},
 {"price_components":[{"type":"ENERGY","price":0.0,"step_size":1}],"restrictions":{"max_kwh":1.0}},
 {"price_components":[{"type":"ENERGY","price":0.2,"step_size":1}],"restrictions":{"min_kwh":1.0}}]}"#;

const MIN_MAX_DURATION: &str = r#"{"country_code":"DE","party_id":"ALL","id":"21","currency":"EUR","type":"REGULAR","elements":[
 {"price_components":[{"type":"ENERGY","price":0.20,"vat":20.0,"step_size":1}],"restrictions":{"max_duration":1800}},
 {"price_components":[{"type":"ENERGY","price":0.30,"vat":20.0,"step_size":1}],"restrictions":{"min_duration":1800,"max_duration":3600}},
 {"price_components":[{"type":"ENERGY","price":0.40,"vat":20.0,"step_size":1}],"restrictions":{"min_duration":3600}}],
 "last_updated":"2018-12-05T13:12:44Z"}"#;

/// The tariff embedded in `cdr_example.json`.
const CDR_EXAMPLE_TARIFF: &str = r#"{"id":"12","currency":"EUR","elements":[{"price_components":[
 {"type":"TIME","price":2.00,"vat":10.0,"step_size":300}]}],"last_updated":"2015-02-02T14:15:01Z"}"#;

#[test]
fn t01_simple_energy() {
    // 20 kWh x 0.25 = 5.00 excl, x 1.10 = 5.50 incl (20,000 Wh is a multiple of the 100 Wh step).
    let p = final_cost(TARIFF_8, &session(AMS, DAY, &[(C, 60, "20", None)]));
    assert_total(&p, "5.00", "5.50");
}

#[test]
fn t02_vat_per_component() {
    // FLAT 0.50 at 20 % = 0.60; ENERGY 20 kWh x 0.25 = 5.00 at 10 % = 5.50.
    // 5.50 excl, 6.10 incl: each component carries its own VAT.
    let p = final_cost(TARIFF_9, &session(AMS, DAY, &[(C, 60, "20", None)]));
    assert_total(&p, "5.50", "6.10");
    assert_eq!(
        (p.fixed.incl_vat, p.energy.incl_vat),
        (d("0.60"), d("5.50"))
    );
}

#[test]
fn t04_energy_then_parking() {
    // FLAT 0.50 (0.60); 20 kWh x 0.25 = 5.00 (5.50); 40 min parked -> 45 min (step 900 s)
    // x 2.00/h = 1.50 (1.80). 7.00 excl, 7.90 incl.
    let s = session(AMS, DAY, &[(C, 60, "20", None), (P, 40, "0", None)]);
    let p = final_cost(TARIFF_10, &s);
    assert_total(&p, "7.00", "7.90");
    assert_eq!(p.parking.excl_vat, d("1.50"));
}

#[test]
fn t06_time_tariff_without_parking_component() {
    // 150 min charging x 2.00/h = 5.00 (5.50); the 20 min parked after it match no
    // PARKING_TIME component: free.
    let s = session(AMS, DAY, &[(C, 150, "20", None), (P, 20, "0", None)]);
    let p = final_cost(TARIFF_1, &s);
    assert_total(&p, "5.00", "5.50");
}

#[test]
fn t08_payable_rounding() {
    // 150 min x 1.90/h = 4.75 excl; x 1.052 = 4.997 incl, payable 5.00 (the alt text's
    // "2.00 euro per hour including VAT" is 1.9988 rounded).
    let p = final_cost(TARIFF_2, &session(AMS, DAY, &[(C, 150, "10", None)]));
    assert_total(&p, "4.75", "4.997");
    assert_eq!(
        (p.payable.excl_vat, p.payable.incl_vat),
        (d("4.75"), d("5.00"))
    );
}

#[test]
fn t09_energy_step_of_100_wh() {
    // 20.45 kWh -> 20.5 kWh (100 Wh steps) x 0.25 = 5.125 (5.6375) + FLAT 0.50 (0.60):
    // 5.625 excl, 6.2375 incl; payable 5.63 and 6.24.
    let p = final_cost(TARIFF_3, &session(AMS, DAY, &[(C, 60, "20.45", None)]));
    assert_total(&p, "5.625", "6.2375");
    assert_eq!(
        (p.payable.excl_vat, p.payable.incl_vat),
        (d("5.63"), d("6.24"))
    );
}

#[test]
fn t14_reservation_time_then_energy() {
    // Reservation 15 min x 5.00/h = 1.25 (1.50); the session: FLAT 0.50 (0.60), 20 kWh x
    // 0.25 = 5.00 (5.50); charging time has no TIME component outside a reservation: free.
    // 6.75 excl, 7.60 incl.
    let s = session(AMS, DAY, &[(R, 15, "0", None), (C, 60, "20", None)]);
    let p = final_cost(TARIFF_15, &s);
    assert_total(&p, "6.75", "7.60");
    assert_eq!(p.reservation.excl_vat, d("1.25"));
}

#[test]
fn t15_reservation_fee_and_session_fee() {
    // Reservation: FLAT 2.00 (2.40) and 13 min -> 15 min (step 300 s, the last paid TIME) x
    // 5.00/h = 1.25 (1.50); the session: FLAT 0.50 (0.60) and 20 kWh = 5.00 (5.50). Two
    // FLATs, one per phase. 8.75 excl, 10.00 incl.
    let s = session(AMS, DAY, &[(R, 13, "0", None), (C, 60, "20", None)]);
    let p = final_cost(TARIFF_16, &s);
    assert_total(&p, "8.75", "10.00");
    assert_eq!(p.reservation.excl_vat, d("3.25"));
}

#[test]
fn t16_reservation_with_expire_fee() {
    // (a) Reservation 22 min -> 30 (step 600 s) x 2.00/h = 1.00 (1.20); the expiry fee does
    // not apply (not expired); session FLAT 0.50 (0.60) + 20 kWh 5.00 (5.50): 6.50 / 7.30.
    let a = session(AMS, DAY, &[(R, 22, "0", None), (C, 60, "20", None)]);
    assert_total(&final_cost(TARIFF_17, &a), "6.50", "7.30");
    // (b) Expired after 60 min, no session: FLAT 4.00 (4.80) from RESERVATION_EXPIRES; TIME
    // from RESERVATION (the expires element has none): 1 h x 2.00 = 2.00 (2.40). No session
    // FLAT without a session. 6.00 / 7.20.
    let b = session(AMS, DAY, &[(X, 60, "0", None)]);
    assert_total(&final_cost(TARIFF_17, &b), "6.00", "7.20");
}

#[test]
fn t17_reservation_with_expire_time() {
    // (a) 22 min -> 30 x 3.00/h = 1.50 (1.80) + FLAT 0.50 (0.60) + 5.00 (5.50): 7.00 / 7.90.
    let a = session(AMS, DAY, &[(R, 22, "0", None), (C, 60, "20", None)]);
    assert_total(&final_cost(TARIFF_18, &a), "7.00", "7.90");
    // (b) Expired after 90 min: RESERVATION_EXPIRES' TIME 6.00/h wins over RESERVATION's
    // 3.00: 1.5 h = 9.00 (10.80).
    let b = session(AMS, DAY, &[(X, 90, "0", None)]);
    assert_total(&final_cost(TARIFF_18, &b), "9.00", "10.80");
}

#[test]
fn t20_cdr_example_total() {
    // cdr_example.json: 21:39:09 -> 23:37:32 UTC = 7,103 s -> 7,200 s (step 300 s) x 2.00/h
    // = 4.00 excl, 4.40 incl: the example's total_cost, all of it time cost.
    let start = Utc
        .with_ymd_and_hms(2015, 6, 29, 21, 39, 9)
        .single()
        .expect("valid")
        .timestamp_millis();
    let end = Utc
        .with_ymd_and_hms(2015, 6, 29, 23, 37, 32)
        .single()
        .expect("valid")
        .timestamp_millis();
    let s = Session {
        tz: "UTC".parse().expect("tz"),
        segments: vec![Segment {
            start_ms: start,
            end_ms: end,
            energy_mwh: 15_342_000,
            phase: C,
            power_kw: None,
            current_a: None,
        }],
    };
    let p = final_cost(CDR_EXAMPLE_TARIFF, &s);
    assert_total(&p, "4.00", "4.40");
    assert_eq!((p.time.excl_vat, p.time.incl_vat), (d("4.00"), d("4.40")));
}

#[test]
fn tariff_7_first_hour_parking_and_first_kwh_free() {
    // 2 kWh in 30 min, then parked 2 h: energy 1st kWh free, 2nd at 0.20 = 0.20; parking
    // 0:30-1:00 free, 1:00-2:30 at 2.00/h = 3.00 (the duration tiers are session-relative).
    // No VAT: 3.20 both sides.
    let s = session(AMS, DAY, &[(C, 30, "2", None), (P, 120, "0", None)]);
    let p = final_cost(TARIFF_7, &s);
    assert_total(&p, "3.20", "3.20");
    let findings = lint(&Tariff::from_json(TARIFF_7).expect("parses"));
    assert!(
        findings.iter().all(|f| f.severity == Severity::Warning),
        "{findings:?}"
    );
}

#[test]
fn tariff_11_flat_and_time() {
    // FLAT 0.40 at 25 % = 0.50; 60 min x 1.90 = 1.90 at 5.2 % = 1.9988. 2.30 excl,
    // 2.4988 incl, payable 2.50.
    let p = final_cost(TARIFF_11, &session(AMS, DAY, &[(C, 60, "5", None)]));
    assert_total(&p, "2.30", "2.4988");
    assert_eq!(p.payable.incl_vat, d("2.50"));
    assert!(lint(&Tariff::from_json(TARIFF_11).expect("parses")).is_empty());
}

#[test]
fn min_max_duration_tiers() {
    // 3 kWh in each half hour of 90 min: 0.20 + 0.30 + 0.40 per kWh = 2.70 excl, 3.24 incl.
    let s = session(
        AMS,
        DAY,
        &[(C, 30, "3", None), (C, 30, "3", None), (C, 30, "3", None)],
    );
    assert_total(&final_cost(MIN_MAX_DURATION, &s), "2.70", "3.24");
}

#[test]
fn every_example_parses_and_lints_without_errors() {
    for t in [
        TARIFF_1,
        TARIFF_2,
        TARIFF_3,
        TARIFF_7,
        TARIFF_8,
        TARIFF_9,
        TARIFF_10,
        TARIFF_11,
        TARIFF_15,
        TARIFF_16,
        TARIFF_17,
        TARIFF_18,
        MIN_MAX_DURATION,
        CDR_EXAMPLE_TARIFF,
    ] {
        let parsed = Tariff::from_json(t).expect("example parses");
        let errors: Vec<_> = lint(&parsed)
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
    }
}
