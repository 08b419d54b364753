//! Worked examples of the allocator (the properties are in `proptests`).

#![allow(clippy::float_cmp)] // limits are whole amps: exact comparisons are the point

use super::*;

const L123: u8 = 0b111;

fn site(limit: f64) -> Topology {
    Topology::new(Wiring::Wye, vec![Node::new(None, limit)]).expect("valid")
}

fn ev(node: usize, phases: u8) -> Demand {
    Demand {
        active: true,
        ..Demand::idle(node, phases)
    }
}

fn run(t: &Topology, demands: &[Demand]) -> Allocation {
    let (allocation, _) = allocate(t, demands, &Settings::default(), true).expect("valid demands");
    assert!(
        allocation.violations.is_empty(),
        "{:?}",
        allocation.violations
    );
    allocation
}

#[test]
fn equal_share_under_one_node() {
    let a = run(&site(32.0), &[ev(0, L123), ev(0, L123)]);
    assert_eq!(a.limits, vec![16.0, 16.0]);
    assert_eq!(a.reasons, vec![Reason::Charging; 2]);
}

#[test]
fn six_amp_admission_pauses_what_does_not_fit() {
    let a = run(&site(16.0), &[ev(0, L123), ev(0, L123), ev(0, L123)]);
    assert_eq!(a.limits, vec![8.0, 8.0, 0.0]);
    assert_eq!(a.reasons[2], Reason::NoCapacity);
}

#[test]
fn everyone_gets_the_maximum_when_it_fits() {
    let a = run(&site(100.0), &[ev(0, L123), ev(0, L123)]);
    assert_eq!(a.limits, vec![32.0, 32.0]);
}

#[test]
fn single_phase_evs_on_different_phases_do_not_share() {
    let a = run(&site(20.0), &[ev(0, 0b001), ev(0, 0b010), ev(0, 0b001)]);
    assert_eq!(a.limits, vec![10.0, 20.0, 10.0]);
}

#[test]
fn weights_and_needs_shape_the_share() {
    let mut heavy = ev(0, L123);
    heavy.weight = 3.0;
    let a = run(&site(36.0), &[heavy, ev(0, L123)]);
    // from 6 A each: 24 A more shared 3:1 of the need (32 A each)
    assert_eq!(a.limits, vec![24.0, 12.0]);
}

#[test]
fn unused_headroom_goes_to_who_can_take_it() {
    let mut slow = ev(0, L123);
    slow.last_limit_a = 16.0;
    slow.measured_a = 7.5;
    let mut fast = ev(0, L123);
    fast.last_limit_a = 16.0;
    fast.measured_a = 16.0;
    let a = run(&site(32.0), &[slow, fast]);
    assert_eq!(a.limits, vec![9.0, 23.0]);
}

#[test]
fn nested_limits_hold_at_every_level() {
    let nodes = vec![
        Node::new(None, 40.0),
        Node::new(Some(0), 16.0),
        Node::new(Some(0), 63.0),
    ];
    let t = Topology::new(Wiring::Wye, nodes).expect("valid");
    let a = run(&t, &[ev(1, L123), ev(1, L123), ev(2, L123), ev(2, L123)]);
    assert_eq!(a.limits, vec![8.0, 8.0, 12.0, 12.0]);
}

#[test]
fn unmanaged_load_and_margin_come_off_the_limit() {
    let mut node = Node::new(None, 50.0);
    node.unmanaged_a = [20.0, 10.0, 10.0];
    node.margin_a = 2.0;
    let t = Topology::new(Wiring::Wye, vec![node]).expect("valid");
    let a = run(&t, &[ev(0, L123), ev(0, 0b010)]);
    assert_eq!(a.limits, vec![19.0, 19.0]); // L2: 48 − 10 = 38 shared
}

#[test]
fn power_row_limits_the_total() {
    let mut node = Node::new(None, 100.0);
    node.power_w = 230.0 * 3.0 * 20.0;
    let t = Topology::new(Wiring::Wye, vec![node]).expect("valid");
    let a = run(&t, &[ev(0, L123), ev(0, L123)]);
    assert_eq!(a.limits, vec![10.0, 10.0]);
}

#[test]
fn over_the_limit_with_nothing_managed_pauses_all_and_alarms() {
    let mut node = Node::new(None, 32.0);
    node.unmanaged_a = [40.0, 0.0, 0.0];
    let t = Topology::new(Wiring::Wye, vec![node]).expect("valid");
    let a = run(&t, &[ev(0, L123), ev(0, 0b010)]);
    assert_eq!(a.limits, vec![0.0, 32.0]); // L2 is not over
    assert_eq!(a.reasons[0], Reason::Infeasible);
    assert_eq!(a.infeasible_rows, vec![0]);
}

#[test]
fn an_urgent_connector_gets_its_need_before_others_get_6_a() {
    // 24 A: an EV needing 18 A to meet its departure and three without a known need; at
    // 6 A each the four would fit, but the urgent one comes first and only one other fits
    let mut urgent = ev(0, L123);
    urgent.need_a = 18.0;
    let a = run(
        &site(24.0),
        &[ev(0, L123), urgent, ev(0, L123), ev(0, L123)],
    );
    assert_eq!(a.limits, vec![6.0, 18.0, 0.0, 0.0]);
    // a charging EV not yet due for rotation keeps its 6 A ahead of the need pass
    let mut charging = ev(0, L123);
    charging.last_limit_a = 10.0;
    let a = run(&site(24.0), &[ev(0, L123), urgent, charging]);
    assert_eq!(a.limits, vec![0.0, 18.0, 6.0]);
}

#[test]
fn the_unbalance_row_caps_single_phase_load() {
    // |I_p - I_q| <= 10 A: two L1-only EVs share 10 A (one paused), a three-phase EV and an
    // L2 EV are not held back by it (the L2 one even lets L1 grow)
    let mut node = Node::new(None, 100.0);
    node.unbalance_a = 10.0;
    let t = Topology::new(Wiring::Wye, vec![node.clone()]).expect("valid");
    let a = run(&t, &[ev(0, 0b001), ev(0, 0b001), ev(0, L123)]);
    assert_eq!(a.limits, vec![10.0, 0.0, 32.0]);
    let a = run(&t, &[ev(0, 0b001), ev(0, 0b010)]);
    assert!((a.limits[0] - a.limits[1]).abs() <= 10.0, "{:?}", a.limits);
    assert!(a.limits[0] >= 6.0 && a.limits[1] >= 6.0, "{:?}", a.limits);
    node.unbalance_a = 10.0;
    let delta = Topology::new(Wiring::Delta, vec![node]);
    assert!(matches!(delta, Err(TopologyError::BadValue { .. })));
}

#[test]
fn a_fixed_load_is_counted_not_controlled() {
    let mut stuck = ev(0, L123);
    stuck.fixed_a = 32.0;
    let a = run(&site(48.0), &[stuck, ev(0, L123)]);
    assert_eq!(a.limits, vec![32.0, 16.0]);
    assert_eq!(a.reasons[0], Reason::Fixed);
}

#[test]
fn a_long_waiter_preempts_a_long_charger_but_not_a_fresh_one() {
    let s = Settings::default();
    let mut old = ev(0, L123);
    old.last_limit_a = 6.0;
    old.state_age_s = 2000.0;
    let mut waiter = ev(0, L123);
    waiter.state_age_s = 950.0;
    let (a, _) = allocate(&site(8.0), &[old, waiter], &s, true).expect("valid");
    assert_eq!(a.limits, vec![0.0, 8.0]);
    old.state_age_s = 10.0;
    let (a, _) = allocate(&site(8.0), &[old, waiter], &s, true).expect("valid");
    assert_eq!(a.limits, vec![8.0, 0.0]);
}

#[test]
fn delta_rows_are_exact_phasor_sums() {
    // three line-to-line loads, one per pair, 40 A lines: a balanced set gives √3·I per line
    let mut node = Node::new(None, 40.0);
    node.voltage = 208.0;
    let t = Topology::new(Wiring::Delta, vec![node]).expect("valid");
    let a = run(&t, &[ev(0, 0b011), ev(0, 0b110), ev(0, 0b101)]);
    let expected = (40.0 / 3f64.sqrt()).floor();
    assert_eq!(a.limits, vec![expected; 3]);
    // a lone AB load may take the full line current
    let a = run(&t, &[ev(0, 0b011)]);
    assert_eq!(a.limits, vec![32.0]);
}

#[test]
fn decimal_steps_keep_clean_values() {
    let mut a_ev = ev(0, L123);
    a_ev.step_a = 0.1;
    let mut b_ev = a_ev;
    b_ev.weight = 2.0;
    let a = run(&site(25.0), &[a_ev, b_ev]);
    assert!(
        (a.limits[0] + a.limits[1] - 25.0).abs() < 1e-6,
        "{:?}",
        a.limits
    );
    assert!((a.limits[0] * 10.0 - (a.limits[0] * 10.0).round()).abs() < 1e-9);
}

#[test]
fn bad_trees_are_refused() {
    let cycle = vec![Node::new(Some(1), 10.0), Node::new(Some(0), 10.0)];
    assert_eq!(
        Topology::new(Wiring::Wye, cycle).unwrap_err(),
        TopologyError::Cycle { node: 0 }
    );
    let orphan = vec![Node::new(Some(5), 10.0)];
    assert_eq!(
        Topology::new(Wiring::Wye, orphan).unwrap_err(),
        TopologyError::UnknownParent { node: 0, parent: 5 }
    );
    for limit in [f64::NAN, -1.0] {
        let err = Topology::new(Wiring::Wye, vec![Node::new(None, limit)]).unwrap_err();
        assert_eq!(
            err,
            TopologyError::BadValue {
                node: 0,
                field: "limit_a"
            }
        );
    }
}

#[test]
fn bad_demands_are_refused() {
    let t = site(10.0);
    let err = allocate(&t, &[ev(3, L123)], &Settings::default(), false).unwrap_err();
    assert_eq!(
        err,
        DemandError::UnknownNode {
            connector: 0,
            node: 3
        }
    );
    let err = allocate(&t, &[ev(0, 0)], &Settings::default(), false).unwrap_err();
    assert_eq!(
        err,
        DemandError::BadPhases {
            connector: 0,
            phases: 0
        }
    );
}

#[test]
fn an_ev_drawing_almost_nothing_yields_its_place_to_a_waiting_one() {
    let charging = |measured: f64| Demand {
        last_limit_a: 6.0,
        state_age_s: 300.0,
        measured_a: measured,
        ..ev(0, L123)
    };
    let waiting = Demand {
        state_age_s: 10.0, // just paused: only into room that is left
        ..ev(0, L123)
    };
    // 12 A: room for two at 6 A; the full EV (0.5 A drawn) gives its place up
    let a = run(&site(12.0), &[charging(6.0), charging(0.5), waiting]);
    assert_eq!(a.limits, vec![6.0, 0.0, 6.0]);
    // one that only just started charging keeps it (its meter may not show the draw yet)
    let fresh = Demand {
        state_age_s: 30.0,
        ..charging(0.5)
    };
    let a = run(&site(12.0), &[charging(6.0), fresh, waiting]);
    assert_eq!(a.limits, vec![6.0, 6.0, 0.0]);
    // one tapering at 5 A still uses most of its 6 A: it keeps it
    let a = run(&site(12.0), &[charging(6.0), charging(5.0), waiting]);
    assert_eq!(a.limits, vec![6.0, 6.0, 0.0]);
}
