//! The ring buffer: pre-allocated events, indexed by sequence and mask.
//!
//! Events are created once, when the ring is built, and then written in
//! place by producers and read in place by consumers; the sequencer and the
//! consumers' sequences decide who may touch which slot when.

use crate::runs::wrapped;
use crate::sync::UnsafeCell;

/// `capacity` events, `capacity` a power of two.
pub struct RingBuffer<E> {
    slots: Box<[UnsafeCell<E>]>,
    /// `capacity - 1`.
    mask: usize,
}

// SAFETY: slots are only reached through `UnsafeCell::with`/`with_mut` under
// the sequencing protocol: a producer writes a slot only between claiming it
// (after every gating consumer passed its previous round) and publishing it,
// and consumers read it only between its publication and their sequence
// store. Events move between threads (`Send`) and are read by several
// consumers at once (`Sync`).
unsafe impl<E: Send + Sync> Sync for RingBuffer<E> {}

impl<E> RingBuffer<E> {
    /// A ring of `capacity` events made by `factory`. The caller has checked
    /// that `capacity` is a power of two.
    pub fn new(capacity: usize, factory: impl FnMut() -> E) -> Self {
        debug_assert!(capacity.is_power_of_two());
        let mut factory = factory;
        Self {
            slots: (0..capacity).map(|_| UnsafeCell::new(factory())).collect(),
            mask: capacity - 1,
        }
    }

    /// Events it holds.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// The slot of `sequence` (sequences are non-negative).
    #[inline(always)]
    pub fn slot(&self, sequence: i64) -> &UnsafeCell<E> {
        debug_assert!(sequence >= 0);
        // SAFETY: `mask` is `slots.len() - 1` for a power-of-two length, so
        // the masked index is in bounds.
        unsafe { self.slots.get_unchecked(sequence as usize & self.mask) }
    }

    /// The slots of `len` sequences from `first`, as one or two contiguous
    /// runs (the second empty unless they wrap). `len` is at most the
    /// capacity.
    #[inline(always)]
    pub fn runs(&self, first: i64, len: usize) -> (&[UnsafeCell<E>], &[UnsafeCell<E>]) {
        debug_assert!(first >= 0);
        wrapped(&self.slots, first as usize, len)
    }
}
