//! `array_queue`: crossbeam-queue's `ArrayQueue`, a bounded lock-free MPMC
//! queue (Vyukov's bounded queue with per-slot stamps), behind the one trait.
//!
//! It has no batch operations and no blocking: a batch is a loop of single
//! pushes and pops, and both sides wait with the scenario's strategy. It
//! knows nothing of producers or consumers leaving, so the adapter counts
//! them: a consumer that finds the queue empty after every producer has
//! gone reports `Closed`; a producer that finds it full after every
//! consumer has gone reports `Disconnected`.

use crossbeam_queue::ArrayQueue;

use crate::message::Message;
use crate::queue::{
    Batching, BuildError, Consumed, Consumer, Endpoints, Info, MIN_CAPACITY, OrderingGuarantee,
    Producer, PublishError, Queue, QueueConfig, Topology, WaitClass,
};
use crate::sync::{Arc, AtomicUsize, Ordering};
use crate::wait::{WaitError, Waiter};

/// The `array_queue` implementation.
pub struct ArrayQueueBaseline;

struct Shared<M> {
    queue: ArrayQueue<M>,
    producers: AtomicUsize,
    consumers: AtomicUsize,
}

/// Sending end of [`ArrayQueueBaseline`].
pub struct ArrayQueueProducer<M> {
    shared: Arc<Shared<M>>,
    waiter: Waiter,
}

/// Receiving end of [`ArrayQueueBaseline`].
pub struct ArrayQueueConsumer<M> {
    shared: Arc<Shared<M>>,
    waiter: Waiter,
}

impl Queue for ArrayQueueBaseline {
    type Producer<M: Message> = ArrayQueueProducer<M>;
    type Consumer<M: Message> = ArrayQueueConsumer<M>;

    fn info() -> Info {
        Info {
            name: "array_queue",
            summary: "crossbeam-queue ArrayQueue: bounded lock-free MPMC, one push/pop per message",
            topologies: &[Topology::Spsc, Topology::Mpsc, Topology::MpmcWorkerPool],
            ordering: OrderingGuarantee::GlobalFifo,
            wait_class: WaitClass::Configurable,
            batching: Batching::PerMessage,
            fanout_emulated: false,
            capacity_power_of_two: false,
            min_capacity: MIN_CAPACITY,
            single_producer: false,
            max_capacity: crate::queue::MAX_CAPACITY,
            max_producers: crate::queue::MAX_THREADS,
        }
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<ArrayQueueProducer<M>, ArrayQueueConsumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        let shared = Arc::new(Shared {
            queue: ArrayQueue::new(cfg.capacity),
            producers: AtomicUsize::new(cfg.producers),
            consumers: AtomicUsize::new(cfg.consumers),
        });
        let waiter = Waiter::new(cfg.wait, cfg.cancel.clone());
        let producers = (0..cfg.producers)
            .map(|_| ArrayQueueProducer {
                shared: Arc::clone(&shared),
                waiter: waiter.clone(),
            })
            .collect();
        let consumers = (0..cfg.consumers)
            .map(|_| ArrayQueueConsumer {
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

impl<M: Message> Producer<M> for ArrayQueueProducer<M> {
    #[inline(always)]
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        let shared = &*self.shared;
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
                let room = self.waiter.wait_until(|| {
                    if !shared.queue.is_full() {
                        Some(Ok(()))
                    } else {
                        // Acquire: pairs with the consumers' Release decrement.
                        let gone = shared.consumers.load(Ordering::Acquire) == 0;
                        gone.then_some(Err(PublishError::Disconnected))
                    }
                });
                match room {
                    Ok(result) => result?,
                    Err(WaitError::Cancelled) => return Err(PublishError::Cancelled),
                    Err(WaitError::TimedOut) => {}
                }
            }
            unsignalled = true;
        }
        self.waiter.notify();
        Ok(())
    }
}

impl<M: Message> Consumer<M> for ArrayQueueConsumer<M> {
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
        let outcome = self.waiter.wait_until(|| {
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
            Err(_) => Consumed::Idle,
        }
    }
}

impl<M> Drop for ArrayQueueProducer<M> {
    fn drop(&mut self) {
        // Release: this producer's pushes happen before a consumer's Acquire
        // load that sees the decrement.
        self.shared.producers.fetch_sub(1, Ordering::Release);
        self.waiter.notify();
    }
}

impl<M> Drop for ArrayQueueConsumer<M> {
    fn drop(&mut self) {
        // Release: pairs with the producers' Acquire check.
        self.shared.consumers.fetch_sub(1, Ordering::Release);
        self.waiter.notify();
    }
}
