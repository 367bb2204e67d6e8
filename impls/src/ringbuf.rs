//! `ringbuf`: the ringbuf crate's SPSC ring (`HeapRb`, split into its
//! caching producer and consumer), behind the one trait.
//!
//! Batches of one use `try_push`/`try_pop`, which keep a cached copy of
//! the other side's index and reload it only when the ring looks full or
//! empty. Larger batches use its batch API: `push_iter` writes a run of
//! vacant slots in place and publishes them with one index store (and
//! publishes the written prefix if a message's fill panics); the
//! consumer reads the occupied slots in place through `as_slices` and
//! releases them with one `skip`. Both reload the other side's index on
//! every call, as the crate does. ringbuf has no blocking of its own, so
//! both sides wait with the scenario's strategy; each side learns that
//! the other has gone from the ring's hold flags.

use core::cell::Cell;

use ringbuf::traits::{Consumer as _, Observer as _, Producer as _, Split as _};
use ringbuf::{HeapCons, HeapProd, HeapRb};

use crate::handing::{self, Handing};
use crate::message::Message;
use crate::queue::{
    Batching, BuildError, Consumed, Consumer, Endpoints, Info, Producer, PublishError, Queue,
    QueueConfig, Topology,
};
use crate::wait::Waiter;

/// The `ringbuf` implementation.
pub struct Ringbuf;

/// Sending end of [`Ringbuf`]. `inner` is `None` only inside `drop`, which
/// releases the ring's hold flag before it wakes a parked consumer.
pub struct RingbufProducer<M> {
    inner: Option<HeapProd<M>>,
    waiter: Waiter,
}

/// Receiving end of [`Ringbuf`] (`inner` as for the producer).
pub struct RingbufConsumer<M> {
    inner: Option<HeapCons<M>>,
    waiter: Waiter,
}

impl Queue for Ringbuf {
    type Producer<M: Message> = RingbufProducer<M>;
    type Consumer<M: Message> = RingbufConsumer<M>;

    fn info() -> Info {
        Info::new(
            "ringbuf",
            "the ringbuf crate: SPSC ring, push/pop or its slice API",
            &[Topology::Spsc],
        )
        .batching(Batching::Native)
        .single_producer(true)
        .family(crate::info::Family::Crate)
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<RingbufProducer<M>, RingbufConsumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        let (producer, consumer) = HeapRb::<M>::new(cfg.setup.capacity).split();
        let waiter = Waiter::new(cfg.setup.wait, cfg.cancel.clone());
        Ok(Endpoints {
            producers: vec![RingbufProducer {
                inner: Some(producer),
                waiter: waiter.clone(),
            }],
            consumers: vec![RingbufConsumer {
                inner: Some(consumer),
                waiter,
            }],
        })
    }
}

impl<M: Message> Producer<M> for RingbufProducer<M> {
    #[inline(always)]
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        let inner = self.inner.as_mut().expect("present until dropped");
        if n == 1 {
            let mut message = M::new_with(|m| fill(0, m));
            while let Err(back) = inner.try_push(message) {
                message = back;
                wait_for_room(inner, &self.waiter)?;
            }
            self.waiter.notify();
            return Ok(());
        }
        let mut done = 0;
        while done < n {
            let pushed = inner.push_iter((done..n).map(|index| M::new_with(|m| fill(index, m))));
            if pushed == 0 {
                wait_for_room(inner, &self.waiter)?;
                continue;
            }
            self.waiter.notify();
            done += pushed;
        }
        Ok(())
    }
}

/// Waits until the ring has room.
fn wait_for_room<M>(inner: &HeapProd<M>, waiter: &Waiter) -> Result<(), PublishError> {
    waiter.wait_for_room(
        || (!inner.is_full()).then_some(()),
        || !inner.read_is_held(),
    )
}

impl<M: Message> RingbufConsumer<M> {
    /// Waits for messages, then hands up to `max` of them to `hand` as the
    /// ring's two contiguous parts (the second empty unless they wrap).
    /// `hand` adds to `handed` each message it is about to hand on: if it
    /// panics, those are consumed and the rest stay for the next call.
    #[inline(always)]
    fn consume_with(
        &mut self,
        max: usize,
        hand: impl FnOnce(&[M], &[M], &Cell<usize>),
    ) -> Consumed {
        // 0 counts as 1 (the trait's contract): `Items` is never empty.
        let max = max.max(1);
        let inner = self.inner.as_mut().expect("present until dropped");
        loop {
            if max == 1 {
                // The message is consumed once popped, whatever `hand`
                // does.
                if let Some(message) = inner.try_pop() {
                    hand(core::slice::from_ref(&message), &[], &Cell::new(0));
                    self.waiter.notify();
                    return Consumed::Items(1);
                }
            } else {
                // If `hand` panics, what it handed is skipped (consumed).
                let handing = Handing::new(&mut *inner, |inner, handed| {
                    inner.skip(handed);
                });
                let (first, second) = handing.held().as_slices();
                let run = (first.len() + second.len()).min(max);
                if run > 0 {
                    let in_first = run.min(first.len());
                    hand(
                        &first[..in_first],
                        &second[..run - in_first],
                        handing.handed(),
                    );
                    handing.finish().skip(run);
                    self.waiter.notify();
                    return Consumed::Items(run);
                }
                handing.finish();
            }
            let outcome = self.waiter.wait_for_items(|| {
                if !inner.is_empty() {
                    Some(true)
                } else if !inner.write_is_held() {
                    // The producer is gone, and its last index store
                    // happened before its flag was released: a look now
                    // is final.
                    Some(!inner.is_empty())
                } else {
                    None
                }
            });
            match outcome {
                Ok(true) => {}
                Ok(false) => return Consumed::Closed,
                Err(idle) => return idle,
            }
        }
    }
}

impl<M: Message> Consumer<M> for RingbufConsumer<M> {
    #[inline(always)]
    fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&M)) -> Consumed {
        self.consume_with(max, |first, second, handed| {
            handing::each(first, second, handed, &mut on)
        })
    }

    #[inline(always)]
    fn consume_slices(&mut self, max: usize, mut on: impl FnMut(&[M])) -> Consumed {
        self.consume_with(max, |first, second, handed| {
            handing::slices(first, second, handed, &mut on)
        })
    }
}

impl<M> Drop for RingbufProducer<M> {
    fn drop(&mut self) {
        // Dropping the endpoint releases the ring's hold flag; only then is
        // a parked consumer woken to look at it.
        drop(self.inner.take());
        self.waiter.notify();
    }
}

impl<M> Drop for RingbufConsumer<M> {
    fn drop(&mut self) {
        drop(self.inner.take());
        self.waiter.notify();
    }
}
