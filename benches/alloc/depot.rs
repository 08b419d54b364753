//! The depot workload of the allocator benches: a 5-level tree (grid → sites → transformers →
//! sub-boards → chargers) with two connectors per charger, and seeded churn.

use super::{Demand, Node, Topology, Wiring};

/// xorshift64*: seeded, no dependency.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

const CHARGERS_PER_BOARD: usize = 25;
const BOARDS_PER_TRANSFORMER: usize = 10;
const TRANSFORMERS_PER_SITE: usize = 4;

pub struct Depot {
    pub topology: Topology,
    pub demands: Vec<Demand>,
    /// Node indices whose limits the churn steps (sites and transformers).
    pub stepped: Vec<(usize, f64)>,
    rng: Rng,
}

impl Depot {
    /// `connectors` connectors (rounded to whole chargers) under one grid connection.
    pub fn new(connectors: usize, seed: u64) -> Self {
        let chargers = connectors.div_ceil(2);
        let boards = chargers.div_ceil(CHARGERS_PER_BOARD);
        let transformers = boards.div_ceil(BOARDS_PER_TRANSFORMER);
        let sites = transformers.div_ceil(TRANSFORMERS_PER_SITE);
        let mut nodes = vec![Node::new(None, 5800.0 * sites as f64 * 0.8)];
        let mut stepped = Vec::new();
        for s in 0..sites {
            stepped.push((nodes.len(), 5800.0));
            nodes.push(Node::new(Some(0), 5800.0));
            let _ = s;
        }
        for t in 0..transformers {
            stepped.push((nodes.len(), 1800.0));
            nodes.push(Node::new(Some(1 + t / TRANSFORMERS_PER_SITE), 1800.0));
        }
        let first_transformer = 1 + sites;
        for b in 0..boards {
            let mut board = Node::new(Some(first_transformer + b / BOARDS_PER_TRANSFORMER), 250.0);
            board.unmanaged_a = [10.0, 5.0, 0.0];
            nodes.push(board);
        }
        let first_board = first_transformer + transformers;
        let first_charger = nodes.len();
        for c in 0..chargers {
            nodes.push(Node::new(Some(first_board + c / CHARGERS_PER_BOARD), 32.0));
        }
        let topology = Topology::new(Wiring::Wye, nodes).expect("a tree");
        let mut rng = Rng::new(seed);
        let demands = (0..chargers * 2)
            .map(|i| random_demand(&mut rng, first_charger + i / 2, i / 2))
            .collect();
        Self {
            topology,
            demands,
            stepped,
            rng,
        }
    }

    /// One second of churn: 1 % of connectors change state; every 60 ticks the stepped
    /// limits move by up to ±20 %. Connectors that got current start "charging".
    pub fn churn(&mut self, tick: usize, limits: &[f64]) {
        for (d, &amps) in self.demands.iter_mut().zip(limits) {
            if (amps >= 6.0) != d.is_charging() {
                d.state_age_s = 0.0;
            }
            d.last_limit_a = amps;
            d.state_age_s += 1.0;
        }
        let n = self.demands.len();
        for _ in 0..n.div_ceil(100) {
            let i = self.rng.below(n);
            let (node, charger) = (self.demands[i].node, i / 2);
            self.demands[i] = random_demand(&mut self.rng, node, charger);
        }
        if tick % 60 == 59 {
            for &(node, base) in &self.stepped {
                let limit = base * (0.8 + 0.4 * self.rng.unit());
                self.topology.nodes[node].limit_a = [limit; 3];
            }
        }
    }
}

fn random_demand(rng: &mut Rng, node: usize, charger: usize) -> Demand {
    let three = rng.unit() < 0.7;
    let rotation = charger % 3;
    let phases = if three { 0b111 } else { 1 << rotation };
    let active = rng.unit() < 0.8;
    let measured = if rng.unit() < 0.5 {
        f64::NAN
    } else {
        6.0 + 26.0 * rng.unit()
    };
    Demand {
        node,
        phases,
        active,
        min_a: 6.0,
        max_a: if rng.unit() < 0.5 { 16.0 } else { 32.0 },
        measured_a: measured,
        last_limit_a: 0.0,
        state_age_s: 0.0,
        priority: u8::from(rng.unit() < 0.1),
        weight: 1.0,
        need_a: if rng.unit() < 0.5 {
            f64::NAN
        } else {
            32.0 * rng.unit()
        },
        fixed_a: if rng.unit() < 0.01 { 16.0 } else { f64::NAN },
        step_a: 1.0,
    }
}
