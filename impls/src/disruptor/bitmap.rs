//! `bitmap`: availability as one bit per slot, flipped each round.
//!
//! After the design notes of the BadBatch disruptor: a slot's bit is flipped
//! once per round by the producer that publishes it, so in round `r` (
//! `sequence >> log2(capacity)`) a slot is published when its bit equals
//! `(r + 1) & 1` (all bits start at 0). A batch publish flips a whole run of
//! bits with one `fetch_xor` per 64-bit word (`Release`); a consumer finds
//! the contiguous published end a word at a time, counting trailing ones
//! (`Acquire`). Flipping is correct because gating lets a slot be claimed
//! again only after every consumer has passed its previous round, so each
//! bit is flipped exactly once per round. A word holds the bits of
//! `min(64, capacity)` consecutive slots, so it never spans two rounds and
//! any power-of-two capacity works.

use super::multi::Availability;
use crate::queue::MIN_CAPACITY;
use crate::sync::{AtomicU64, Ordering};

/// Bits per word.
const WORD_BITS: usize = 64;

/// One bit per slot.
pub struct BitmapAvailability {
    words: Box<[AtomicU64]>,
    /// Slots per word: `min(64, capacity)`.
    word_slots: usize,
    /// `capacity - 1`.
    mask: usize,
    /// `log2(capacity)`.
    shift: u32,
}

impl Availability for BitmapAvailability {
    const NAME: &'static str = "bitmap";
    const SUMMARY: &'static str =
        "disruptor, multi-producer, availability bitmap (one bit per slot, flipped per round)";
    const MIN_CAPACITY: usize = MIN_CAPACITY;

    fn new(capacity: usize) -> Self {
        debug_assert!(capacity.is_power_of_two());
        let word_slots = capacity.min(WORD_BITS);
        Self {
            words: (0..capacity / word_slots)
                .map(|_| AtomicU64::new(0))
                .collect(),
            word_slots,
            mask: capacity - 1,
            shift: capacity.trailing_zeros(),
        }
    }

    #[inline]
    fn publish(&self, low: i64, high: i64) {
        let mut sequence = low;
        while sequence <= high {
            let index = sequence as usize & self.mask;
            let bit = index % self.word_slots;
            let run = (self.word_slots - bit).min((high - sequence + 1) as usize);
            let bits = if run == WORD_BITS {
                u64::MAX
            } else {
                ((1u64 << run) - 1) << bit
            };
            // Release: the events' writes happen before a consumer's Acquire
            // load that sees these bits flipped (later flips by other
            // producers are read-modify-writes and continue the release
            // sequence).
            self.words[index / self.word_slots].fetch_xor(bits, Ordering::Release);
            sequence += run as i64;
        }
    }

    #[inline]
    fn highest_published(&self, low: i64, available: i64) -> i64 {
        let mut sequence = low;
        while sequence <= available {
            let index = sequence as usize & self.mask;
            let bit = index % self.word_slots;
            // Acquire: pairs with the Release flip in `publish`.
            let word = self.words[index / self.word_slots].load(Ordering::Acquire);
            // Published bits read 1 in even rounds and 0 in odd ones.
            let published = if (sequence >> self.shift) & 1 == 0 {
                word
            } else {
                !word
            };
            let run = (!(published >> bit)).trailing_zeros() as i64;
            let wanted = ((self.word_slots - bit) as i64).min(available - sequence + 1);
            if run < wanted {
                return sequence + run - 1;
            }
            sequence += wanted;
        }
        available
    }
}
