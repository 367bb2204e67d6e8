//! `single`: the single-producer sequencer.
//!
//! LMAX's `SingleProducerSequencer`: the one producer claims by adding to a
//! private counter (no atomic read-modify-write), checks for wrap-around
//! against a cached minimum of the gating sequences and refreshes that cache
//! only when the claim would pass it, and publishes by storing the cursor
//! (`Release`), so everything up to the cursor is published.

use super::sequence::{INITIAL, Sequence, minimum};
use super::sequencer::{Refused, Sequencer, free_slots, wait_for_gating};
use crate::metrics::{Counter, Metrics};
use crate::queue::MIN_CAPACITY;
use crate::sync::Arc;
use crate::wait::Waiter;

/// The single-producer sequencer.
pub struct SingleSequencer {
    /// Highest published sequence. Written only by the producer.
    cursor: Sequence,
    /// Sequences of the consumers that must have passed a slot before it
    /// is reused.
    gating: Box<[Arc<Sequence>]>,
    capacity: i64,
}

/// The producer's private claim state.
pub struct SingleClaimer {
    /// Highest claimed sequence.
    claimed: i64,
    /// Last minimum of the gating sequences seen; never ahead of the real one.
    cached_gating: i64,
}

impl Sequencer for SingleSequencer {
    const NAME: &'static str = "single";
    const SUMMARY: &'static str =
        "disruptor, single-producer sequencer: plain claims, cached gating minimum";
    const MULTI_PRODUCER: bool = false;
    const MIN_CAPACITY: usize = MIN_CAPACITY;
    type Claimer = SingleClaimer;

    fn new(capacity: usize, gating: Box<[Arc<Sequence>]>) -> Self {
        Self {
            cursor: Sequence::new(INITIAL),
            gating,
            capacity: capacity as i64,
        }
    }

    fn claimer(&self) -> SingleClaimer {
        SingleClaimer {
            claimed: self.cursor.get(),
            cached_gating: INITIAL,
        }
    }

    #[inline]
    fn claim(
        &self,
        claimer: &mut SingleClaimer,
        n: usize,
        waiter: &Waiter,
        abandoned: impl Fn() -> bool,
        metrics: &mut Metrics,
    ) -> Result<i64, Refused> {
        // Waits first and takes after: a claim given up takes nothing.
        let high = claimer.claimed + n as i64;
        let wrap_point = high - self.capacity;
        if wrap_point > claimer.cached_gating {
            claimer.cached_gating =
                wait_for_gating(&self.gating, wrap_point, waiter, abandoned, metrics)?;
        }
        claimer.claimed = high;
        Ok(high)
    }

    #[inline]
    fn try_claim(
        &self,
        claimer: &mut SingleClaimer,
        n: usize,
        metrics: &mut Metrics,
    ) -> Option<i64> {
        let high = claimer.claimed + n as i64;
        let wrap_point = high - self.capacity;
        if wrap_point > claimer.cached_gating {
            metrics.add(Counter::GatingReductions, 1);
            claimer.cached_gating = minimum(&self.gating);
            if wrap_point > claimer.cached_gating {
                return None;
            }
        }
        claimer.claimed = high;
        Some(high)
    }

    #[inline]
    fn publish(&self, _low: i64, high: i64) {
        self.cursor.set(high);
    }

    #[inline]
    fn highest_published(&self, _low: i64, available: i64) -> i64 {
        // The cursor is the published sequence itself.
        available
    }

    #[inline]
    fn cursor(&self) -> i64 {
        self.cursor.get()
    }

    fn remaining_capacity(&self) -> u64 {
        free_slots(self.capacity, self.cursor.get(), minimum(&self.gating))
    }

    fn gating_minimum(&self) -> i64 {
        minimum(&self.gating)
    }
}
