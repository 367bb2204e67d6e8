//! `lmax`: LMAX's availability array.
//!
//! One `i32` per slot holding the round in which the slot was last
//! published, `sequence >> log2(capacity)` (LMAX `MultiProducerSequencer`'s
//! `availableBuffer`). Publishing stores the round (`Release`) for every
//! sequence of the range; a consumer finds the contiguous published end by
//! comparing each slot's round with the one its sequence expects
//! (`Acquire`), one slot at a time. Rounds start at -1 (nothing published);
//! an `i32` round wraps after 2^31 rounds, far beyond any gap the gating
//! sequences allow between producers and consumers.

use super::multi::Availability;
use crate::queue::MIN_CAPACITY;
use crate::sync::{AtomicI32, Ordering};

/// Per-slot publication rounds.
pub struct LmaxAvailability {
    rounds: Box<[AtomicI32]>,
    /// `capacity - 1`.
    mask: usize,
    /// `log2(capacity)`.
    shift: u32,
}

impl LmaxAvailability {
    #[inline(always)]
    fn round(&self, sequence: i64) -> i32 {
        (sequence >> self.shift) as i32
    }

    #[inline(always)]
    fn slot(&self, sequence: i64) -> &AtomicI32 {
        &self.rounds[sequence as usize & self.mask]
    }
}

impl Availability for LmaxAvailability {
    const NAME: &'static str = "lmax";
    const SUMMARY: &'static str =
        "disruptor, multi-producer, LMAX availability array (round per slot)";
    const MIN_CAPACITY: usize = MIN_CAPACITY;

    fn new(capacity: usize) -> Self {
        Self {
            rounds: (0..capacity).map(|_| AtomicI32::new(-1)).collect(),
            mask: capacity - 1,
            shift: capacity.trailing_zeros(),
        }
    }

    #[inline]
    fn publish(&self, low: i64, high: i64) {
        for sequence in low..=high {
            // Release: the event's writes happen before a consumer's
            // Acquire load that sees this round.
            self.slot(sequence)
                .store(self.round(sequence), Ordering::Release);
        }
    }

    #[inline]
    fn highest_published(&self, low: i64, available: i64) -> i64 {
        for sequence in low..=available {
            // Acquire: pairs with the Release store in `publish`.
            if self.slot(sequence).load(Ordering::Acquire) != self.round(sequence) {
                return sequence - 1;
            }
        }
        available
    }
}
