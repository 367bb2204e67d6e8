//! The channel handle, which registers producers, and a registered
//! producer: the only writer of its ring.

use super::RegisterError;
use super::reservation::Reservation;
use super::ring::{Ring, Shared};
use crate::queue::PublishError;
use crate::sync::{Arc, Ordering};
use crate::wait::Waiter;

/// A handle that registers producers. Clones share the channel; each counts
/// as a sender, so the channel stays open while any handle lives.
pub struct Channel<T> {
    pub(super) shared: Arc<Shared<T>>,
    pub(super) waiter: Waiter,
}

impl<T: Send> Channel<T> {
    /// Registers a producer with its own ring. Fails when every producer
    /// slot has been handed out (slots count registrations over the
    /// channel's life: a dropped producer's ring stays until the channel
    /// is dropped) or the consumer is gone.
    pub fn register(&self) -> Result<RingProducer<T>, RegisterError> {
        let shared = &*self.shared;
        // Relaxed: only decides whether to refuse; a producer registered
        // just as the consumer leaves finds out on its first reserve.
        if shared.consumer_gone.load(Ordering::Relaxed) {
            return Err(RegisterError::Closed);
        }
        let max = shared.rings.len();
        // Built before a slot is claimed, so that the consumer, which learns
        // of rings in slot order and stops at the first claimed slot without
        // a ring, waits on this one for a store, not for an allocation of up
        // to 2^20 slots.
        let ring = Box::new(Ring::new(shared.mask + 1));
        // Relaxed: the counter only hands out distinct indices; the ring is
        // published by the Release store below.
        let mut claimed = shared.claimed.load(Ordering::Relaxed);
        let index = loop {
            if claimed >= max {
                return Err(RegisterError::TooManyProducers { max });
            }
            match shared.claimed.compare_exchange_weak(
                claimed,
                claimed + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break claimed,
                Err(now) => claimed = now,
            }
        };
        let ring = Box::into_raw(ring);
        // Relaxed: this handle holds a count, so it cannot reach zero here
        // (the reasoning of `Arc::clone`); the producer's drop releases.
        shared.senders.fetch_add(1, Ordering::Relaxed);
        // Release: the ring's initialisation happens before the consumer's
        // Acquire load of the pointer.
        shared.rings[index].store(ring, Ordering::Release);
        Ok(RingProducer {
            shared: Arc::clone(&self.shared),
            ring,
            index,
            tail: 0,
            cached_head: 0,
            waiter: self.waiter.clone(),
        })
    }

    /// Most producers this channel can register.
    pub fn max_producers(&self) -> usize {
        self.shared.rings.len()
    }
}

impl<T> Clone for Channel<T> {
    fn clone(&self) -> Self {
        // Relaxed: `self` holds a count (see `register`).
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        Self {
            shared: Arc::clone(&self.shared),
            waiter: self.waiter.clone(),
        }
    }
}

impl<T> Drop for Channel<T> {
    fn drop(&mut self) {
        // Release: ring registrations made through this handle happen before
        // a consumer's Acquire load that sees the count reach zero.
        self.shared.senders.fetch_sub(1, Ordering::Release);
        self.waiter.notify();
    }
}

/// A registered producer: the only writer of its ring.
///
/// Aligned to 128 bytes: its private tail and cached head change on every
/// reservation and commit, and producers kept side by side (in a `Vec`,
/// say) must not share a line.
#[repr(align(128))]
pub struct RingProducer<T> {
    pub(super) shared: Arc<Shared<T>>,
    /// This producer's ring, owned by `shared`.
    pub(super) ring: *const Ring<T>,
    pub(super) index: usize,
    /// Private copy of the ring's tail (this side is its only writer).
    pub(super) tail: usize,
    /// Last head seen; never ahead of the real one.
    pub(super) cached_head: usize,
    pub(super) waiter: Waiter,
}

// SAFETY: the ring pointer is owned by `shared` (kept alive by the `Arc`),
// and this producer is its ring's only writer wherever it runs.
unsafe impl<T: Send> Send for RingProducer<T> {}

impl<T: Send> RingProducer<T> {
    /// This producer's slot in the channel (0 for the first registered).
    pub fn index(&self) -> usize {
        self.index
    }

    #[inline(always)]
    pub(super) fn ring(&self) -> &Ring<T> {
        // SAFETY: the ring lives as long as `shared`, which we hold.
        unsafe { &*self.ring }
    }

    /// Free slots, refreshing the cached head when it shows fewer than
    /// `wanted`.
    #[inline(always)]
    pub(super) fn free(&mut self, wanted: usize) -> usize {
        let capacity = self.shared.mask + 1;
        let mut free = capacity - self.tail.wrapping_sub(self.cached_head);
        if free < wanted {
            // Acquire: the consumer's reads (and drops) of the slots it
            // freed happen before we overwrite them.
            self.cached_head = self.ring().head.load(Ordering::Acquire);
            free = capacity - self.tail.wrapping_sub(self.cached_head);
        }
        free
    }

    /// Reserves up to `n` contiguous slots, waiting (per the configured
    /// strategy) while the ring is full. The reservation may be shorter than
    /// `n`: at most what is free, and never past the ring's wrap; the caller
    /// loops. Fails when the consumer is gone or the wait is cancelled.
    pub fn reserve(&mut self, n: usize) -> Result<Reservation<'_, T>, PublishError> {
        // Relaxed: only decides whether to refuse (see `register`).
        if self.shared.consumer_gone.load(Ordering::Relaxed) {
            return Err(PublishError::Disconnected);
        }
        if n > 0 && self.free(n) == 0 {
            let shared = &*self.shared;
            // SAFETY: the ring lives as long as `shared`.
            let ring = unsafe { &*self.ring };
            let tail = self.tail;
            let capacity = shared.mask + 1;
            self.cached_head = self.waiter.wait_for_room(
                || {
                    // Acquire: as in `free`.
                    let head = ring.head.load(Ordering::Acquire);
                    (tail.wrapping_sub(head) < capacity).then_some(head)
                },
                // Relaxed: only tells us to stop; no data rides on it.
                || shared.consumer_gone.load(Ordering::Relaxed),
            )?;
        }
        Ok(self.reservation(n))
    }

    /// Like [`reserve`](Self::reserve) without waiting: `None` when the ring
    /// is full or the consumer is gone.
    pub fn try_reserve(&mut self, n: usize) -> Option<Reservation<'_, T>> {
        // Relaxed: as in `reserve`.
        if self.shared.consumer_gone.load(Ordering::Relaxed) || (n > 0 && self.free(n) == 0) {
            return None;
        }
        Some(self.reservation(n))
    }

    pub(super) fn reservation(&mut self, n: usize) -> Reservation<'_, T> {
        let capacity = self.shared.mask + 1;
        let free = capacity - self.tail.wrapping_sub(self.cached_head);
        let to_wrap = capacity - (self.tail & self.shared.mask);
        let len = n.min(free).min(to_wrap);
        Reservation {
            producer: self,
            len,
            written: 0,
        }
    }
}

impl<T> Drop for RingProducer<T> {
    fn drop(&mut self) {
        // Release: our last `tail` store happens before a consumer's Acquire
        // load that sees the count reach zero.
        self.shared.senders.fetch_sub(1, Ordering::Release);
        self.waiter.notify();
    }
}
