//! Interval roll-ups: the energy of each bucket (1 min, 15 min, ...) from register steps.
//!
//! A step between two readings is spread over the buckets it spans in proportion to time
//! (integer mWh, exact: buckets of any size sum to the same totals). Steps that go
//! backwards (a reset) or exceed the power ceiling count 0, as in the session energy.

use super::series::Reading;

/// Buckets `[from, from + interval)`, ... up to `to` (exclusive); `out[i]` adds mWh.
pub struct Buckets<'a> {
    pub from_ms: i64,
    pub interval_ms: i64,
    pub out: &'a mut [i64],
}

impl Buckets<'_> {
    fn index(&self, ts_ms: i64) -> i64 {
        (ts_ms - self.from_ms).div_euclid(self.interval_ms)
    }

    /// Spread `energy` over `(t0, t1]` linearly. Each bucket gets `E(hi) - E(lo)` with
    /// `E(t) = floor(energy * (t - t0) / span)`, so buckets of any size nest exactly.
    fn spread(&mut self, t0: i64, t1: i64, energy: i64) {
        let span = t1 - t0;
        if span <= 0 {
            self.add(self.index(t1), energy);
            return;
        }
        let cumulative = |t: i64| {
            i64::try_from(i128::from(energy) * i128::from(t - t0) / i128::from(span))
                .expect("E(t) <= energy")
        };
        for b in self.index(t0)..=self.index(t1 - 1) {
            let lo = (self.from_ms + b * self.interval_ms).max(t0);
            let hi = (self.from_ms + (b + 1) * self.interval_ms).min(t1);
            self.add(b, cumulative(hi) - cumulative(lo));
        }
    }

    fn add(&mut self, index: i64, energy: i64) {
        if let Some(slot) = usize::try_from(index)
            .ok()
            .and_then(|i| self.out.get_mut(i))
        {
            *slot += energy;
        }
    }
}

/// Add the register steps of one connector into `buckets`.
pub fn add_steps(registers: &[Reading], max_power_mw: i64, buckets: &mut Buckets<'_>) {
    for pair in registers.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let delta = b.value() - a.value();
        let dt = b.ts_ms - a.ts_ms;
        let ceiling = i128::from(max_power_mw) * i128::from(dt + 1000) / 3_600_000;
        if delta > 0 && i128::from(delta) <= ceiling {
            buckets.spread(a.ts_ms, b.ts_ms, delta);
        }
    }
}
