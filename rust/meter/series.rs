//! A time series of readings for one connector and one measurand, kept sorted by timestamp.
//!
//! Batches arrive mostly in order (append, the fast path); late or out-of-order values are
//! merged by timestamp. Each reading keeps the total and the three line values separately, so
//! a replayed batch is idempotent (the same slot gets the same value again).

use super::units::Context;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    pub ts_ms: i64,
    /// [total, L1, L2, L3] in milli base units.
    slots: [Option<i64>; 4],
    pub context: Context,
}

impl Reading {
    fn new(ts_ms: i64, context: Context) -> Self {
        Reading {
            ts_ms,
            slots: [None; 4],
            context,
        }
    }

    /// The total when the meter sent one, else the sum of the line values present.
    pub fn value(&self) -> i64 {
        self.slots[0].unwrap_or_else(|| self.slots[1..].iter().flatten().sum())
    }
}

#[derive(Clone, Debug, Default)]
pub struct Series {
    readings: Vec<Reading>,
}

impl Series {
    pub fn readings(&self) -> &[Reading] {
        &self.readings
    }

    pub fn is_empty(&self) -> bool {
        self.readings.is_empty()
    }

    /// Put one value in its slot; a transaction context wins over a periodic one.
    #[inline]
    pub fn put(&mut self, ts_ms: i64, slot: usize, value: i64, context: Context) {
        let index = match self.readings.last() {
            Some(last) if last.ts_ms == ts_ms => self.readings.len() - 1,
            Some(last) if last.ts_ms < ts_ms => self.push(ts_ms, context),
            None => self.push(ts_ms, context),
            Some(_) => self.merge_point(ts_ms, context),
        };
        let reading = &mut self.readings[index];
        reading.slots[slot] = Some(value);
        if matches!(context, Context::TransactionBegin | Context::TransactionEnd) {
            reading.context = context;
        }
    }

    fn push(&mut self, ts_ms: i64, context: Context) -> usize {
        self.readings.push(Reading::new(ts_ms, context));
        self.readings.len() - 1
    }

    #[cold]
    #[inline(never)]
    fn merge_point(&mut self, ts_ms: i64, context: Context) -> usize {
        match self.readings.binary_search_by_key(&ts_ms, |r| r.ts_ms) {
            Ok(i) => i,
            Err(i) => {
                self.readings.insert(i, Reading::new(ts_ms, context));
                i
            }
        }
    }

    /// Readings with `from <= ts <= to`.
    pub fn window(&self, from_ms: i64, to_ms: i64) -> &[Reading] {
        let lo = self.readings.partition_point(|r| r.ts_ms < from_ms);
        let hi = self.readings.partition_point(|r| r.ts_ms <= to_ms);
        &self.readings[lo..hi.max(lo)]
    }

    /// Drop readings older than `ts`, keeping the last one before it (a baseline).
    pub fn prune_before(&mut self, ts_ms: i64) {
        let cut = self.readings.partition_point(|r| r.ts_ms < ts_ms);
        if cut > 1 {
            self.readings.drain(..cut - 1);
        }
    }
}
