//! The multi-producer claim shared by `lmax` and `bitmap`.
//!
//! Producers claim by atomically adding to a shared cursor (`claim`, one
//! `lock xadd`, wait-free) or by compare-and-swap (`try_claim`, which must
//! not claim what it cannot use). The cursor is then the highest *claimed*
//! sequence, and claimed slots are published out of order as their
//! producers finish them; the [`Availability`] strategy records which are
//! published and finds the contiguous published end for consumers. Each
//! producer keeps its own cache of the gating minimum (LMAX shares one),
//! so producers never write a shared line except the cursor.

use super::sequence::{INITIAL, Sequence, minimum};
use super::sequencer::{Refused, Sequencer, free_slots, wait_for_gating};
use crate::metrics::{Counter, Metrics};
use crate::sync::Arc;
use crate::wait::Waiter;

/// How published sequences are recorded (the research question:
/// LMAX's availability array or a bitmap).
pub trait Availability: Send + Sync + 'static {
    /// Implementation name.
    const NAME: &'static str;
    /// One line on it.
    const SUMMARY: &'static str;
    /// Smallest ring it can track.
    const MIN_CAPACITY: usize;
    /// Nothing published, for a power-of-two `capacity` of at least
    /// `MIN_CAPACITY`.
    fn new(capacity: usize) -> Self;
    /// Marks `low ..= high` published (`Release`), after their events were
    /// written.
    fn publish(&self, low: i64, high: i64);
    /// The highest sequence `s <= available` such that `low ..= s` are all
    /// published (`low - 1` when `low` is not). Loads with `Acquire`, so
    /// the events up to the result may be read.
    fn highest_published(&self, low: i64, available: i64) -> i64;
}

/// A multi-producer sequencer with availability tracking `A`.
pub struct MultiSequencer<A> {
    /// Highest claimed sequence.
    cursor: Sequence,
    availability: A,
    gating: Box<[Arc<Sequence>]>,
    capacity: i64,
}

/// One producer's private claim state.
pub struct MultiClaimer {
    /// Last minimum of the gating sequences this producer saw.
    cached_gating: i64,
}

impl<A: Availability> Sequencer for MultiSequencer<A> {
    const NAME: &'static str = A::NAME;
    const SUMMARY: &'static str = A::SUMMARY;
    const MULTI_PRODUCER: bool = true;
    const MIN_CAPACITY: usize = A::MIN_CAPACITY;
    type Claimer = MultiClaimer;

    fn new(capacity: usize, gating: Box<[Arc<Sequence>]>) -> Self {
        Self {
            cursor: Sequence::new(INITIAL),
            availability: A::new(capacity),
            gating,
            capacity: capacity as i64,
        }
    }

    fn claimer(&self) -> MultiClaimer {
        MultiClaimer {
            cached_gating: INITIAL,
        }
    }

    #[inline]
    fn claim(
        &self,
        claimer: &mut MultiClaimer,
        n: usize,
        waiter: &Waiter,
        abandoned: impl Fn() -> bool,
        metrics: &mut Metrics,
    ) -> Result<i64, Refused> {
        let high = self.cursor.add(n as i64);
        let wrap_point = high - self.capacity;
        // At `wrap_point == cached_gating` the slot is free already; `>=`
        // here would only wait on a condition that holds at once and store
        // the same or a newer minimum: one more read of the gating
        // sequences, the same claim (equivalent, so no mutant).
        if wrap_point > claimer.cached_gating {
            claimer.cached_gating =
                wait_for_gating(&self.gating, wrap_point, waiter, abandoned, metrics).map_err(
                    // The sequences are taken (the cursor is past them)
                    // whether or not they are ever written.
                    |error| Refused {
                        error,
                        taken: Some(high),
                    },
                )?;
        }
        Ok(high)
    }

    #[inline]
    fn try_claim(
        &self,
        claimer: &mut MultiClaimer,
        n: usize,
        metrics: &mut Metrics,
    ) -> Option<i64> {
        loop {
            metrics.add(Counter::CasAttempts, 1);
            let current = self.cursor.get();
            let high = current + n as i64;
            let wrap_point = high - self.capacity;
            // The first test only decides whether to read the gating
            // sequences again (`>=` would read them once more and let the
            // second test decide with a fresher value: equivalent). The
            // second is the claim's: a wrap point equal to the slowest
            // consumer's sequence fits (loom:
            // multi_try_publish_takes_the_slot_just_freed; mutant
            // multi_try_claim_off_by_one).
            if wrap_point > claimer.cached_gating {
                metrics.add(Counter::GatingReductions, 1);
                claimer.cached_gating = minimum(&self.gating);
                if wrap_point > claimer.cached_gating {
                    return None;
                }
            }
            if self.cursor.compare_exchange(current, high) {
                return Some(high);
            }
            metrics.add(Counter::CasFailures, 1);
        }
    }

    #[inline]
    fn publish(&self, low: i64, high: i64) {
        self.availability.publish(low, high);
    }

    #[inline]
    fn highest_published(&self, low: i64, available: i64) -> i64 {
        self.availability.highest_published(low, available)
    }

    /// Reads the availability record alone, never the claim cursor that
    /// every producer writes on every claim: within `limit <= capacity`
    /// slots of `low`, a slot of the current round is published exactly
    /// when the record says so (a slot still holding its previous round
    /// reads as unpublished). Consumers thus leave the cursor's line to the
    /// producers. LMAX reads the cursor first; this is the one place the
    /// two designs differ beyond the availability record.
    #[inline]
    fn published_from(&self, low: i64, limit: usize) -> i64 {
        debug_assert!(limit as i64 <= self.capacity);
        self.availability
            .highest_published(low, low + limit as i64 - 1)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disruptor::lmax::LmaxAvailability;
    use crate::queue::PublishError;
    use crate::wait::{Cancel, WaitStrategy};

    /// A claim that ran past the gating point and gave up (here: no
    /// consumer left) leaves the cursor beyond `gating + capacity`; the
    /// free count is then zero, not a wrapped-around huge number.
    #[test]
    fn remaining_capacity_is_zero_while_claims_run_past_the_gating_point() {
        let gating = Arc::new(Sequence::new(INITIAL));
        let sequencer =
            MultiSequencer::<LmaxAvailability>::new(4, Box::from([Arc::clone(&gating)]));
        let waiter = Waiter::new(WaitStrategy::SpinYield, Cancel::default());
        let mut metrics = Metrics::default();
        let mut claimer = sequencer.claimer();
        assert_eq!(sequencer.remaining_capacity(), 4);
        let high = sequencer.claim(&mut claimer, 3, &waiter, || false, &mut metrics);
        assert_eq!(high, Ok(2));
        assert_eq!(sequencer.remaining_capacity(), 1);
        let past = sequencer.claim(&mut claimer, 3, &waiter, || true, &mut metrics);
        assert_eq!(
            past,
            Err(Refused {
                error: PublishError::Disconnected,
                taken: Some(5)
            })
        );
        assert_eq!(sequencer.cursor(), 5);
        assert_eq!(sequencer.remaining_capacity(), 0);
        gating.set(3);
        assert_eq!(sequencer.remaining_capacity(), 2);
    }
}
