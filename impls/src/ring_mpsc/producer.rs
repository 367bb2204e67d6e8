//! A registered producer, the only writer of its ring, and the slots it
//! reserves there: written in place, then committed.

use super::ring::{Ring, Shared};
use crate::queue::PublishError;
use crate::runs::wrapped;
use crate::sync::{Arc, Ordering};
use crate::wait::Waiter;

/// A registered producer: the only writer of its ring.
///
/// Aligned to 128 bytes: its private tail and cached head change on every
/// reservation and commit, and producers kept side by side (in a `Vec`,
/// say) must not share a line.
#[repr(align(128))]
pub struct RingProducer<T> {
    shared: Arc<Shared<T>>,
    /// This producer's ring, owned by `shared`.
    ring: *const Ring<T>,
    index: usize,
    /// Private copy of the ring's tail (this side is its only writer).
    tail: usize,
    /// Last head seen; never ahead of the real one.
    cached_head: usize,
    waiter: Waiter,
}

// SAFETY: the ring pointer is owned by `shared` (kept alive by the `Arc`),
// and this producer is its ring's only writer wherever it runs.
unsafe impl<T: Send> Send for RingProducer<T> {}

impl<T: Send> RingProducer<T> {
    /// The producer of `ring`, registered at slot `index` of the channel
    /// `shared`, before it has written anything.
    pub(super) fn new(
        shared: Arc<Shared<T>>,
        ring: *const Ring<T>,
        index: usize,
        waiter: Waiter,
    ) -> Self {
        Self {
            shared,
            ring,
            index,
            tail: 0,
            cached_head: 0,
            waiter,
        }
    }

    /// This producer's slot in the channel (0 for the first registered).
    pub fn index(&self) -> usize {
        self.index
    }

    #[inline(always)]
    fn ring(&self) -> &Ring<T> {
        // SAFETY: the ring lives as long as `shared`, which we hold.
        unsafe { &*self.ring }
    }

    /// Free slots, refreshing the cached head when it shows fewer than
    /// `wanted`.
    #[inline(always)]
    fn free(&mut self, wanted: usize) -> usize {
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

    fn reservation(&mut self, n: usize) -> Reservation<'_, T> {
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

/// Contiguous reserved slots of one ring. Write them with
/// [`push`](Self::push) or [`fill`](Self::fill) (each value goes straight
/// into its slot), then [`commit`](Self::commit). Dropped without a commit,
/// it publishes nothing and drops what was written.
pub struct Reservation<'a, T: Send> {
    producer: &'a mut RingProducer<T>,
    len: usize,
    written: usize,
}

impl<T: Send> Reservation<'_, T> {
    /// Slots reserved (possibly fewer than asked for).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no slot was reserved.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Slots written so far.
    pub fn written(&self) -> usize {
        self.written
    }

    #[inline(always)]
    fn write(&mut self, value: T) {
        let producer = &*self.producer;
        let position = producer.tail.wrapping_add(self.written);
        producer
            .shared
            .slot(producer.ring(), position)
            .with_mut(|slot| {
                // SAFETY: the slot is reserved (free, below the head we
                // acquired plus capacity) and not yet published: only this
                // producer touches it.
                unsafe { (*slot).write(value) };
            });
        self.written += 1;
    }

    /// Writes `value` into the next reserved slot, or hands it back when
    /// every slot is written.
    pub fn push(&mut self, value: T) -> Result<(), T> {
        if self.written == self.len {
            return Err(value);
        }
        self.write(value);
        Ok(())
    }

    /// Writes every remaining slot with `make(i)`, `i` counting from the
    /// reservation's first slot.
    #[inline]
    pub fn fill(&mut self, mut make: impl FnMut(usize) -> T) {
        let producer = &*self.producer;
        let start = producer.tail.wrapping_add(self.written);
        let (first, second) = wrapped(&producer.ring().slots, start, self.len - self.written);
        for slot in first.iter().chain(second) {
            let value = make(self.written);
            slot.with_mut(|slot| {
                // SAFETY: as in `write`: reserved and not yet published.
                unsafe { (*slot).write(value) };
            });
            self.written += 1;
        }
    }

    /// Publishes the written slots with one tail store and returns how many.
    pub fn commit(mut self) -> usize {
        let written = core::mem::take(&mut self.written);
        let producer = &mut *self.producer;
        producer.tail = producer.tail.wrapping_add(written);
        if written > 0 {
            // Release: the slot writes happen before the consumer's Acquire
            // load of `tail` that makes them visible.
            producer.ring().tail.store(producer.tail, Ordering::Release);
            producer.waiter.notify();
        }
        written
    }
}

impl<T: Send> Drop for Reservation<'_, T> {
    fn drop(&mut self) {
        let producer = &*self.producer;
        for offset in 0..self.written {
            let position = producer.tail.wrapping_add(offset);
            producer
                .shared
                .slot(producer.ring(), position)
                .with_mut(|slot| {
                    // SAFETY: written by this reservation and never
                    // published, so initialised and ours alone.
                    unsafe { (*slot).assume_init_drop() }
                });
        }
    }
}
