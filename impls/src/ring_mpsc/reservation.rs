//! A producer's reserved slots: written in place, then committed.

use super::channel::RingProducer;
use crate::runs::wrapped;
use crate::sync::Ordering;

/// Contiguous reserved slots of one ring. Write them with
/// [`push`](Self::push) or [`fill`](Self::fill) (each value goes straight
/// into its slot), then [`commit`](Self::commit). Dropped without a commit,
/// it publishes nothing and drops what was written.
pub struct Reservation<'a, T: Send> {
    pub(super) producer: &'a mut RingProducer<T>,
    pub(super) len: usize,
    pub(super) written: usize,
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
