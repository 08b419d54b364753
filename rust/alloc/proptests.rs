//! Properties over random trees and random connector states: the invariant checker never
//! fires, no limit lies in (0, 6) A, no limit exceeds the connector's maximum.

use proptest::prelude::*;

use super::*;

fn limit() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 0.0..300.0f64,
        1 => Just(f64::INFINITY),
        1 => Just(0.0),
        1 => 5.0..13.0f64,
    ]
}

fn node(index: usize) -> impl Strategy<Value = Node> {
    let parent = if index == 0 {
        Just(None).boxed()
    } else {
        prop_oneof![1 => Just(None), 6 => (0..index).prop_map(Some)].boxed()
    };
    (
        parent,
        [limit(), limit(), limit()],
        prop_oneof![3 => Just(f64::INFINITY), 1 => 0.0..100_000.0f64],
        prop_oneof![2 => Just(0.0), 1 => 0.0..5.0f64],
        [0.0..40.0f64, 0.0..40.0f64, 0.0..40.0f64],
        prop_oneof![3 => Just(f64::INFINITY), 1 => 0.0..40.0f64],
    )
        .prop_map(
            |(parent, limit_a, power_w, margin_a, unmanaged_a, unbalance_a)| Node {
                parent,
                limit_a,
                power_w,
                margin_a,
                unmanaged_a,
                voltage: 230.0,
                unbalance_a,
            },
        )
}

fn tree() -> impl Strategy<Value = Topology> {
    (
        1usize..25,
        prop_oneof![3 => Just(Wiring::Wye), 1 => Just(Wiring::Delta)],
    )
        .prop_flat_map(|(n, wiring)| {
            (0..n)
                .map(node)
                .collect::<Vec<_>>()
                .prop_map(move |mut nodes| {
                    if wiring == Wiring::Delta {
                        // unbalance rows are for wye sites
                        for node in &mut nodes {
                            node.unbalance_a = f64::INFINITY;
                        }
                    }
                    Topology::new(wiring, nodes).expect("parents precede")
                })
        })
}

fn phases(wiring: Wiring) -> BoxedStrategy<u8> {
    match wiring {
        Wiring::Wye => (1u8..8).boxed(),
        Wiring::Delta => prop::sample::select(vec![0b011u8, 0b110, 0b101, 0b111]).boxed(),
    }
}

fn demand(nodes: usize, wiring: Wiring) -> impl Strategy<Value = Demand> {
    let measured = prop_oneof![Just(f64::NAN), 0.0..40.0f64];
    let fixed = prop_oneof![6 => Just(f64::NAN), 1 => 0.0..32.0f64];
    let need = prop_oneof![Just(f64::NAN), 0.0..40.0f64];
    (
        (
            0..nodes,
            phases(wiring),
            any::<bool>(),
            0.0..10.0f64,
            0.0..40.0f64,
        ),
        (
            measured,
            prop_oneof![Just(0.0), 6.0..32.0f64],
            0.0..2000.0f64,
            0u8..3,
        ),
        (
            0.1..5.0f64,
            need,
            fixed,
            prop::sample::select(vec![1.0, 0.1, 0.5, 2.0]),
        ),
    )
        .prop_map(|(a, b, c)| Demand {
            node: a.0,
            phases: a.1,
            active: a.2,
            min_a: a.3,
            max_a: a.4,
            measured_a: b.0,
            last_limit_a: b.1,
            state_age_s: b.2,
            priority: b.3,
            weight: c.0,
            need_a: c.1,
            fixed_a: c.2,
            step_a: c.3,
        })
}

fn case() -> impl Strategy<Value = (Topology, Vec<Demand>)> {
    tree().prop_flat_map(|t| {
        let (n, wiring) = (t.nodes.len(), t.wiring);
        (Just(t), prop::collection::vec(demand(n, wiring), 0..60))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn never_a_violation((t, demands) in case()) {
        let (a, _) = allocate(&t, &demands, &Settings::default(), true).expect("valid");
        prop_assert!(a.violations.is_empty(), "{:?}", a.violations);
        for (d, &amps) in demands.iter().zip(&a.limits) {
            if d.is_fixed() {
                continue;
            }
            prop_assert!(amps == 0.0 || amps >= IEC_MIN_A, "limit {amps} in (0, 6)");
            prop_assert!(amps <= d.max_a + 1e-9, "limit {amps} above max {}", d.max_a);
        }
    }

    #[test]
    fn rows_hold_when_recomputed_independently((t, demands) in case()) {
        // the checker's own arithmetic, redone here per node and phase for wye trees
        prop_assume!(t.wiring == Wiring::Wye);
        let (a, _) = allocate(&t, &demands, &Settings::default(), false).expect("valid");
        for (n, node) in t.nodes.iter().enumerate() {
            let (mut loads, mut bases) = ([0.0f64; 3], [0.0f64; 3]);
            for p in 0..3 {
                let managed: f64 = demands
                    .iter()
                    .zip(&a.limits)
                    .filter(|(d, _)| d.phases & (1 << p) != 0 && t.chain(d.node).contains(&n))
                    .filter(|(d, _)| d.active || d.is_fixed())
                    .map(|(d, &amps)| if d.is_fixed() { d.fixed_a } else { amps })
                    .sum();
                let fixed: f64 = demands
                    .iter()
                    .filter(|d| d.is_fixed() && d.phases & (1 << p) != 0 && t.chain(d.node).contains(&n))
                    .map(|d| d.fixed_a)
                    .sum();
                let load = node.unmanaged_a[p] + managed;
                let limit = node.limit_a[p] - node.margin_a;
                let over_anyway = node.unmanaged_a[p] + fixed > limit + 1e-6;
                prop_assert!(over_anyway || load <= limit + 1e-6, "node {n} L{}: {load} > {limit}", p + 1);
                loads[p] = load;
                bases[p] = node.unmanaged_a[p] + fixed;
            }
            for p in 0..3 {
                let q = (p + 1) % 3;
                let base_over = (bases[p] - bases[q]).abs() > node.unbalance_a + 1e-6;
                let gap = (loads[p] - loads[q]).abs();
                prop_assert!(
                    base_over || gap <= node.unbalance_a + 1e-6,
                    "node {n}: |L{} - L{}| = {gap} > {}", p + 1, q + 1, node.unbalance_a
                );
            }
        }
    }

    #[test]
    fn tree_rows_pass_the_compiled_checker((t, demands) in case()) {
        // the tree backend's result checked over the rows `compile` builds term by term
        let s = Settings::default();
        let (a, _) = allocate(&t, &demands, &s, false).expect("valid");
        let compiled = compile(&t, &demands).expect("valid");
        let b: Vec<_> = demands.iter().map(|d| bounds(d, &s)).collect();
        let x: Vec<f64> = demands
            .iter()
            .zip(&a.limits)
            .map(|(d, &v)| if d.is_fixed() { 0.0 } else { v })
            .collect();
        let found = check(&compiled.problem, &b, &x);
        prop_assert!(found.is_empty(), "{found:?}");
        let over_rows = allocate_rows(&compiled.problem, &demands, &s, false);
        prop_assert_eq!(&a.infeasible_rows, &over_rows.infeasible_rows);
        prop_assert_eq!(&a.limits, &over_rows.limits);
    }

    #[test]
    fn when_everything_fits_everyone_gets_the_maximum(n in 1usize..30, max in 6.0..32.0f64) {
        let t = Topology::new(Wiring::Wye, vec![Node::new(None, 32.0 * 30.0)]).expect("valid");
        let demands: Vec<Demand> = (0..n)
            .map(|_| Demand { active: true, max_a: max, ..Demand::idle(0, 0b111) })
            .collect();
        let (a, _) = allocate(&t, &demands, &Settings::default(), true).expect("valid");
        for &amps in &a.limits {
            prop_assert!((amps - max.floor()).abs() < 1e-9, "{amps} vs {max}");
        }
    }
}

/// A parent table with out-of-range parents and cycles allowed.
fn wild_parents() -> impl Strategy<Value = Vec<Option<usize>>> {
    (1usize..12).prop_flat_map(|n| {
        prop::collection::vec(
            prop_oneof![1 => Just(None), 4 => (0..n + 3).prop_map(Some)],
            n,
        )
    })
}

/// What `Topology::new` must say about a parent table, worked out independently: the first
/// out-of-range parent, else the first node whose walk up never reaches a root.
fn expected_error(parents: &[Option<usize>]) -> Option<TopologyError> {
    for (node, p) in parents.iter().enumerate() {
        if let Some(parent) = p.filter(|&p| p >= parents.len()) {
            return Some(TopologyError::UnknownParent { node, parent });
        }
    }
    (0..parents.len()).find_map(|node| {
        let mut seen = vec![false; parents.len()];
        let mut at = Some(node);
        while let Some(n) = at {
            if seen[n] {
                return Some(TopologyError::Cycle { node });
            }
            seen[n] = true;
            at = parents[n];
        }
        None
    })
}

fn bad_value() -> impl Strategy<Value = f64> {
    prop_oneof![Just(f64::NAN), -1000.0..-1e-9f64, Just(f64::NEG_INFINITY)]
}

/// Meter values as they arrive: unknown or stale (NaN), negative, impossible (above any
/// breaker), infinite.
fn wild_measured() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        -50.0..0.0f64,
        0.0..40.0f64,
        1e3..1e9f64,
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn unknown_parents_and_cycles_are_refused(parents in wild_parents()) {
        let nodes: Vec<Node> = parents.iter().map(|&p| Node::new(p, 32.0)).collect();
        let got = Topology::new(Wiring::Wye, nodes).err();
        prop_assert_eq!(got, expected_error(&parents));
    }

    #[test]
    fn a_negative_or_nan_value_is_refused(
        (t, _) in case(),
        node in 0usize..25,
        field in 0usize..6,
        value in bad_value(),
    ) {
        let mut nodes = t.nodes.clone();
        let n = node % nodes.len();
        let name = match field {
            0 => { nodes[n].limit_a[1] = value; "limit_a" }
            1 => { nodes[n].power_w = value; "power_w" }
            2 => { nodes[n].margin_a = value; "margin_a" }
            3 => { nodes[n].unmanaged_a[2] = value; "unmanaged_a" }
            4 => { nodes[n].unbalance_a = value; "unbalance_a" }
            _ => { nodes[n].voltage = value; "voltage" }
        };
        let err = Topology::new(t.wiring, nodes).expect_err("a bad value");
        prop_assert_eq!(err, TopologyError::BadValue { node: n, field: name });
    }

    #[test]
    fn wild_meter_values_never_break_a_limit(
        (t, mut demands) in case(),
        measured in prop::collection::vec(wild_measured(), 60),
    ) {
        for (d, m) in demands.iter_mut().zip(measured) {
            d.measured_a = m;
        }
        let (a, _) = allocate(&t, &demands, &Settings::default(), true).expect("valid");
        prop_assert!(a.violations.is_empty(), "{:?}", a.violations);
        for (d, &amps) in demands.iter().zip(&a.limits) {
            if !d.is_fixed() {
                prop_assert!(amps == 0.0 || (amps >= IEC_MIN_A && amps <= d.max_a + 1e-9));
            }
        }
    }

    #[test]
    fn an_infeasible_site_pauses_everything_managed_and_alarms(
        (t, demands) in case(),
        over in 0.1..500.0f64,
    ) {
        // every root's phases over their limit by `over` with managed load at 0
        let mut nodes = t.nodes.clone();
        for node in nodes.iter_mut().filter(|n| n.parent.is_none()) {
            node.limit_a = [100.0; 3];
            node.margin_a = 0.0;
            node.unmanaged_a = [100.0 + over; 3];
        }
        let t = Topology::new(t.wiring, nodes).expect("valid");
        let (a, _) = allocate(&t, &demands, &Settings::default(), true).expect("valid");
        prop_assert!(a.violations.is_empty(), "{:?}", a.violations);
        prop_assert!(!a.infeasible_rows.is_empty());
        for (i, d) in demands.iter().enumerate() {
            if !d.is_fixed() {
                prop_assert!(a.limits[i] == 0.0, "connector {} not paused", i);
            }
            if d.active && !d.is_fixed() && bounds(d, &Settings::default()).is_some() {
                prop_assert_eq!(a.reasons[i], Reason::Infeasible);
            }
        }
    }
}

/// A tick's result: limits, reasons, row usage and limits as bits (equal means identical,
/// NaN included), infeasible rows.
type Fingerprint = (Vec<u64>, Vec<Reason>, Vec<u64>, Vec<u64>, Vec<usize>);

fn fingerprint(a: &Allocation) -> Fingerprint {
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    (
        bits(&a.limits),
        a.reasons.clone(),
        bits(&a.row_usage),
        bits(&a.row_limit),
        a.infeasible_rows.clone(),
    )
}

/// The next tick's demands on the same tree: some connectors change, every one ages and
/// remembers the limit it got.
fn next_tick(demands: &[Demand], limits: &[f64], changed: &[Demand]) -> Vec<Demand> {
    demands
        .iter()
        .zip(limits)
        .enumerate()
        .map(|(i, (d, &amps))| {
            let mut d = changed.get(i).filter(|_| i % 3 == 0).copied().unwrap_or(*d);
            d.last_limit_a = if d.is_fixed() { 0.0 } else { amps };
            d.state_age_s += 1.0;
            d
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    #[test]
    fn a_kept_allocator_gives_what_a_fresh_tick_gives(
        cases in prop::collection::vec(case(), 1..4),
        changes in prop::collection::vec(demand(1, Wiring::Wye), 0..60),
        ticks in 1usize..4,
    ) {
        // one Allocator across trees of different sizes and across ticks on one tree: its
        // kept buffers never leak into a result
        let s = Settings::default();
        let mut kept = Allocator::default();
        for (t, demands) in &cases {
            let mut demands = demands.clone();
            for _ in 0..ticks {
                let (fresh, labels) = allocate(t, &demands, &s, true).expect("valid");
                let again = kept.allocate(t, &demands, &s, true).expect("valid");
                prop_assert_eq!(fingerprint(&fresh), fingerprint(&again));
                prop_assert_eq!(&labels[..], kept.labels());
                prop_assert!(again.violations.is_empty(), "{:?}", again.violations);
                // changed connectors keep their own node and phases (valid for this tree)
                let changed: Vec<Demand> = demands
                    .iter()
                    .zip(changes.iter().cycle())
                    .map(|(d, c)| Demand { node: d.node, phases: d.phases, ..*c })
                    .collect();
                demands = next_tick(&demands, &fresh.limits, &changed);
            }
        }
    }
}

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(0.0),
        Just(-0.0),
        Just(f64::NAN),
        Just(-f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        -2000.0..2000.0f64,
    ]
}

proptest! {
    #[test]
    fn packed_admission_keys_sort_as_the_tuples_compare(
        a in (0u16..1024, any_f64(), any::<u32>()),
        b in (0u16..1024, any_f64(), any::<u32>()),
    ) {
        let tuples = a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2));
        prop_assert_eq!(admission::packed(a).cmp(&admission::packed(b)), tuples);
    }
}
