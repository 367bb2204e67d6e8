//! `rtrb`: the reference SPSC ring buffer crate, behind the one trait.
//!
//! Batches of one use `push`/`pop`; larger batches use its chunk API
//! (`write_chunk_uninit` / `read_chunk`), its fastest path. It has no
//! blocking of its own, so it waits with the scenario's wait strategy, like
//! our rings.

use core::cell::Cell;

use rtrb::chunks::ReadChunk;

use crate::handing::{self, Handing};
use crate::message::Message;
use crate::queue::{
    Batching, BuildError, Consumed, Consumer, Endpoints, Info, Producer, PublishError, Queue,
    QueueConfig, Topology,
};
use crate::wait::Waiter;

/// The `rtrb` implementation.
pub struct Rtrb;

/// Sending end of [`Rtrb`].
pub struct RtrbProducer<M> {
    inner: rtrb::Producer<M>,
    waiter: Waiter,
}

/// Receiving end of [`Rtrb`].
pub struct RtrbConsumer<M> {
    inner: rtrb::Consumer<M>,
    waiter: Waiter,
}

impl Queue for Rtrb {
    type Producer<M: Message> = RtrbProducer<M>;
    type Consumer<M: Message> = RtrbConsumer<M>;

    fn info() -> Info {
        Info::new(
            "rtrb",
            "the rtrb crate: SPSC ring, push/pop or chunks",
            &[Topology::Spsc],
        )
        .batching(Batching::Native)
        .single_producer(true)
        .family(crate::info::Family::Crate)
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<RtrbProducer<M>, RtrbConsumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        let (producer, consumer) = rtrb::RingBuffer::new(cfg.setup.capacity);
        let waiter = Waiter::new(cfg.setup.wait, cfg.cancel.clone());
        Ok(Endpoints {
            producers: vec![RtrbProducer {
                inner: producer,
                waiter: waiter.clone(),
            }],
            consumers: vec![RtrbConsumer {
                inner: consumer,
                waiter,
            }],
        })
    }
}

impl<M: Message> Producer<M> for RtrbProducer<M> {
    #[inline(always)]
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        if n == 1 {
            // `push` checks the cached remote index itself; asking `slots()`
            // first would load the consumer's index on every message.
            let mut message = M::new_with(|m| fill(0, m));
            while let Err(rtrb::PushError::Full(back)) = self.inner.push(message) {
                message = back;
                self.wait_for_room()?;
            }
            self.waiter.notify();
            return Ok(());
        }
        let mut done = 0;
        while done < n {
            let free = self.inner.slots();
            if free == 0 {
                self.wait_for_room()?;
                continue;
            }
            let run = free.min(n - done);
            let chunk = self
                .inner
                .write_chunk_uninit(run)
                .expect("`run` slots are free");
            let first = done;
            let written = chunk
                .fill_from_iter((first..first + run).map(|index| M::new_with(|m| fill(index, m))));
            debug_assert_eq!(written, run);
            self.waiter.notify();
            done += run;
        }
        Ok(())
    }
}

impl<M> RtrbProducer<M> {
    /// Waits until the ring has room.
    fn wait_for_room(&mut self) -> Result<(), PublishError> {
        let inner = &self.inner;
        self.waiter
            .wait_for_room(|| (!inner.is_full()).then_some(()), || inner.is_abandoned())
    }
}

impl<M: Message> RtrbConsumer<M> {
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
        loop {
            if max == 1 {
                // `pop` checks the cached remote index itself. The message
                // is consumed once popped, whatever `hand` does.
                if let Ok(message) = self.inner.pop() {
                    hand(core::slice::from_ref(&message), &[], &Cell::new(0));
                    self.waiter.notify();
                    return Consumed::Items(1);
                }
            } else {
                let available = self.inner.slots();
                if available > 0 {
                    let run = available.min(max);
                    let chunk = self
                        .inner
                        .read_chunk(run)
                        .expect("`run` messages are available");
                    // If `hand` panics, what it handed is committed.
                    let handing = Handing::new(chunk, ReadChunk::commit);
                    let (first, second) = handing.held().as_slices();
                    hand(first, second, handing.handed());
                    handing.finish().commit_all();
                    self.waiter.notify();
                    return Consumed::Items(run);
                }
            }
            let inner = &self.inner;
            let outcome = self.waiter.wait_for_items(|| {
                if !inner.is_empty() {
                    Some(true)
                } else if inner.is_abandoned() {
                    // The producer is gone; whatever it wrote is visible now.
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

impl<M: Message> Consumer<M> for RtrbConsumer<M> {
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
