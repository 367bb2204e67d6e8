//! The adapter of the lock-free MPMC queues that have no batch operations,
//! no blocking and no close: crossbeam-queue's `ArrayQueue` (`array_queue`)
//! and `SegQueue` (`seg_queue`), and the concurrent-queue crate's bounded
//! queue (`concurrent_queue`). Each of those files implements [`LockFree`]
//! for its queue and names it with a [`Backend`].
//!
//! A batch is a loop of single pushes and pops, and both sides wait with
//! the scenario's strategy. The queues know nothing of producers or
//! consumers leaving, so the adapter counts them: a consumer that finds
//! the queue empty after every producer has gone reports `Closed`; a
//! producer that finds it full after every consumer has gone reports
//! `Disconnected`.

use core::marker::PhantomData;

use crate::message::{Message, Msg8};
use crate::queue::{
    BuildError, Consumed, Consumer, Endpoints, Info, Producer, PublishError, Queue, QueueConfig,
    Topology,
};
use crate::sync::{Arc, AtomicUsize, Ordering};
use crate::wait::Waiter;

/// A lock-free MPMC queue the adapter drives: one message in or out at a
/// time, never waiting.
pub trait LockFree<M>: Send + Sync + 'static {
    /// Whether it holds at most its capacity (an unbounded queue is never
    /// full).
    const BOUNDED: bool;
    /// A queue for `capacity` messages (ignored by unbounded ones).
    fn with_capacity(capacity: usize) -> Self;
    /// Adds `message`, or hands it back when the queue is full.
    fn push(&self, message: M) -> Result<(), M>;
    /// Takes the oldest message, if any.
    fn pop(&self) -> Option<M>;
    /// Whether a push would fail now.
    fn is_full(&self) -> bool;
}

/// A family of [`LockFree`] queues, one per message type, and how the
/// implementation built on it describes itself.
pub trait Backend: 'static {
    /// The implementation's name.
    const NAME: &'static str;
    /// One line on what it is.
    const SUMMARY: &'static str;
    /// The queue of messages `M`.
    type Queue<M: Message>: LockFree<M>;
}

/// A [`Backend`]'s queue behind the one trait, with its endpoints counted.
pub struct CountedQueue<B>(PhantomData<B>);

struct Shared<Q> {
    queue: Q,
    producers: AtomicUsize,
    consumers: AtomicUsize,
}

/// Sending end of a [`CountedQueue`].
pub struct CountedProducer<Q> {
    shared: Arc<Shared<Q>>,
    waiter: Waiter,
}

/// Receiving end of a [`CountedQueue`].
pub struct CountedConsumer<Q> {
    shared: Arc<Shared<Q>>,
    waiter: Waiter,
}

impl<B: Backend> Queue for CountedQueue<B> {
    type Producer<M: Message> = CountedProducer<B::Queue<M>>;
    type Consumer<M: Message> = CountedConsumer<B::Queue<M>>;

    fn info() -> Info {
        Info::new(
            B::NAME,
            B::SUMMARY,
            &[Topology::Spsc, Topology::Mpsc, Topology::MpmcWorkerPool],
        )
        .bounded(<B::Queue<Msg8> as LockFree<Msg8>>::BOUNDED)
        .family(crate::info::Family::Crate)
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<Self::Producer<M>, Self::Consumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        let shared = Arc::new(Shared {
            queue: B::Queue::<M>::with_capacity(cfg.setup.capacity),
            producers: AtomicUsize::new(cfg.setup.producers),
            consumers: AtomicUsize::new(cfg.setup.consumers),
        });
        let waiter = Waiter::new(cfg.setup.wait, cfg.cancel.clone());
        let producers = (0..cfg.setup.producers)
            .map(|_| CountedProducer {
                shared: Arc::clone(&shared),
                waiter: waiter.clone(),
            })
            .collect();
        let consumers = (0..cfg.setup.consumers)
            .map(|_| CountedConsumer {
                shared: Arc::clone(&shared),
                waiter: waiter.clone(),
            })
            .collect();
        Ok(Endpoints {
            producers,
            consumers,
        })
    }
}

impl<M: Message, Q: LockFree<M>> Producer<M> for CountedProducer<Q> {
    #[inline(always)]
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        let shared = &*self.shared;
        // An unbounded queue is never full, so its producers would never
        // wait and look for consumers: they look once per batch instead.
        // Relaxed: it only tells them to stop; no data rides on it.
        if !Q::BOUNDED && shared.consumers.load(Ordering::Relaxed) == 0 {
            return Err(PublishError::Disconnected);
        }
        // Pushed since the last notify. Progress is signalled before every
        // wait for room as well as at the end: a consumer parked on an empty
        // queue would otherwise sleep until its park slice ends while this
        // producer waits for it to make room.
        let mut unsignalled = false;
        for index in 0..n {
            let mut message = M::new_with(|m| fill(index, m));
            while let Err(back) = shared.queue.push(message) {
                message = back;
                if unsignalled {
                    self.waiter.notify();
                    unsignalled = false;
                }
                self.waiter.wait_for_room(
                    || (!shared.queue.is_full()).then_some(()),
                    // Acquire: pairs with the consumers' Release decrement.
                    || shared.consumers.load(Ordering::Acquire) == 0,
                )?;
            }
            unsignalled = true;
        }
        self.waiter.notify();
        Ok(())
    }
}

impl<M: Message, Q: LockFree<M>> Consumer<M> for CountedConsumer<Q> {
    #[inline(always)]
    fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&M)) -> Consumed {
        let shared = &*self.shared;
        let mut taken = 0;
        while taken < max {
            let Some(message) = shared.queue.pop() else {
                break;
            };
            on(&message);
            taken += 1;
        }
        if taken > 0 {
            self.waiter.notify();
            return Consumed::Items(taken);
        }
        let outcome = self.waiter.wait_for_items(|| {
            if let Some(message) = shared.queue.pop() {
                return Some(Some(message));
            }
            // Acquire: each producer's pushes happen before its Release
            // decrement, so a pop after seeing zero producers is final.
            if shared.producers.load(Ordering::Acquire) == 0 {
                return Some(shared.queue.pop());
            }
            None
        });
        match outcome {
            Ok(Some(message)) => {
                on(&message);
                self.waiter.notify();
                Consumed::Items(1)
            }
            Ok(None) => Consumed::Closed,
            Err(idle) => idle,
        }
    }
}

impl<Q> Drop for CountedProducer<Q> {
    fn drop(&mut self) {
        // Release: this producer's pushes happen before a consumer's Acquire
        // load that sees the decrement.
        self.shared.producers.fetch_sub(1, Ordering::Release);
        self.waiter.notify();
    }
}

impl<Q> Drop for CountedConsumer<Q> {
    fn drop(&mut self) {
        // Release: pairs with the producers' Acquire check.
        self.shared.consumers.fetch_sub(1, Ordering::Release);
        self.waiter.notify();
    }
}
