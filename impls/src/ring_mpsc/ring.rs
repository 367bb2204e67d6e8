//! One producer's ring, and the table of rings the channel shares.

use core::mem::MaybeUninit;

use crossbeam_utils::CachePadded;

use crate::sync::{AtomicBool, AtomicPtr, AtomicUsize, Ordering, UnsafeCell};

/// One producer's ring.
pub(super) struct Ring<T> {
    /// Next position the producer writes. Written by the producer only.
    /// Invariant: `head <= tail <= head + capacity` (wrapping distances).
    pub(super) tail: CachePadded<AtomicUsize>,
    /// Next position the consumer reads. Written by the consumer only.
    pub(super) head: CachePadded<AtomicUsize>,
    /// Slots; those in `head..tail` hold initialised messages.
    pub(super) slots: Box<[UnsafeCell<MaybeUninit<T>>]>,
}

impl<T> Ring<T> {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            tail: CachePadded::new(AtomicUsize::new(0)),
            head: CachePadded::new(AtomicUsize::new(0)),
            slots: (0..capacity)
                .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
                .collect(),
        }
    }
}

pub(super) struct Shared<T> {
    /// One entry per producer slot: null until a producer registers there,
    /// then its ring, which lives until the channel is dropped.
    pub(super) rings: Box<[AtomicPtr<Ring<T>>]>,
    /// Producer slots handed out (at most `rings.len()`).
    pub(super) claimed: CachePadded<AtomicUsize>,
    /// Live senders: channel handles plus producers.
    pub(super) senders: CachePadded<AtomicUsize>,
    /// Set once, when the consumer is dropped.
    pub(super) consumer_gone: CachePadded<AtomicBool>,
    /// Slots per ring, minus one.
    pub(super) mask: usize,
    pub(super) fair: bool,
}

impl<T> Shared<T> {
    /// The slot of `position` in `ring`.
    #[inline(always)]
    pub(super) fn slot<'r>(
        &self,
        ring: &'r Ring<T>,
        position: usize,
    ) -> &'r UnsafeCell<MaybeUninit<T>> {
        // SAFETY: every ring has `mask + 1` slots, a power of two, so the
        // masked index is in bounds.
        unsafe { ring.slots.get_unchecked(position & self.mask) }
    }
}

// SAFETY: the rings' slots are reached only through the head/tail protocol
// described in the module header, which hands each slot to one side at a
// time, and the values are `Send`.
unsafe impl<T: Send> Sync for Shared<T> {}
// SAFETY: as above; the raw ring pointers are owned by the channel.
unsafe impl<T: Send> Send for Shared<T> {}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        for entry in self.rings.iter() {
            // Acquire: pairs with the registration's Release store; every
            // endpoint is gone (the last `Arc` synchronised with them all).
            let ring = entry.load(Ordering::Acquire);
            if ring.is_null() {
                continue;
            }
            // SAFETY: the pointer came from `Box::into_raw` at registration
            // and is reclaimed exactly once, here, by the last owner.
            let ring = unsafe { Box::from_raw(ring) };
            // Acquire, though the last `Arc` already made every endpoint's
            // final stores visible: it costs nothing once per ring and keeps
            // this code correct on its own.
            let head = ring.head.load(Ordering::Acquire);
            let tail = ring.tail.load(Ordering::Acquire);
            let mut position = head;
            while position != tail {
                self.slot(&ring, position).with_mut(|slot| {
                    // SAFETY: positions head..tail hold initialised, unread
                    // messages, and nobody else can reach them any more.
                    unsafe { (*slot).assume_init_drop() }
                });
                position = position.wrapping_add(1);
            }
        }
    }
}
