//! Sequences: the 64-bit counters a disruptor coordinates with.
//!
//! As in LMAX, a sequence names the last event a party has finished with
//! (inclusive) and starts at [`INITIAL`] (-1). Each sits in its own cache
//! line, since each has one writer and several readers.

use crossbeam_utils::CachePadded;

use crate::sync::{Arc, AtomicI64, Ordering};

/// Value of a sequence before anything has been done.
pub const INITIAL: i64 = -1;

/// A cache-padded sequence with one writer.
#[derive(Debug)]
pub struct Sequence(CachePadded<AtomicI64>);

impl Sequence {
    /// A sequence holding `value`.
    pub fn new(value: i64) -> Self {
        Self(CachePadded::new(AtomicI64::new(value)))
    }

    /// Reads it. Acquire: whatever its writer did before the matching
    /// [`Sequence::set`] (reading or writing events) is visible after.
    #[inline(always)]
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Acquire)
    }

    /// Stores `value`. Release: publishes the writer's preceding work on
    /// the events up to `value` to readers that [`Sequence::get`] it.
    #[inline(always)]
    pub fn set(&self, value: i64) {
        self.0.store(value, Ordering::Release);
    }

    /// Adds `n` and returns the new value: a claim on a shared cursor (the
    /// producers' claim cursor, the worker pool's work cursor).
    ///
    /// Relaxed: a read-modify-write reads the latest value whatever its
    /// ordering, so each claim gets a range of its own, and nothing else
    /// rides on the claim. Reusing a slot is ordered by the Acquire loads
    /// of the gating sequences that allowed it, which come before the
    /// slot's writes in the claiming thread (now, or earlier for a cached
    /// minimum); events reach consumers through the availability record's
    /// Release and Acquire; a closing consumer sees the final cursor
    /// because every claim comes before its producer's Release decrement of
    /// the producer count. The loom models of `lmax`, `bitmap` and the
    /// worker pools check it.
    #[inline(always)]
    pub fn add(&self, n: i64) -> i64 {
        self.0.fetch_add(n, Ordering::Relaxed) + n
    }

    /// Replaces `current` with `new` if it still holds `current`.
    #[inline(always)]
    pub fn compare_exchange(&self, current: i64, new: i64) -> bool {
        // Relaxed on success as for `add` (`try_claim` reads the gating
        // sequences with Acquire before it); Relaxed on failure, where the
        // value read is only a hint for the next attempt.
        self.0
            .compare_exchange_weak(current, new, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }
}

/// The lowest of `sequences`, or `i64::MAX` when there are none.
#[inline]
pub fn minimum(sequences: &[Arc<Sequence>]) -> i64 {
    sequences
        .iter()
        .map(|sequence| sequence.get())
        .min()
        .unwrap_or(i64::MAX)
}

/// Sequences a consumer waits for (empty: the sequencer's), or that gate
/// the producers.
pub(super) type Sequences = Box<[Arc<Sequence>]>;

/// One sequence per consumer, each at [`INITIAL`].
pub(super) fn sequences(count: usize) -> Vec<Arc<Sequence>> {
    (0..count)
        .map(|_| Arc::new(Sequence::new(INITIAL)))
        .collect()
}
