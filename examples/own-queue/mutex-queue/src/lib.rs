//! `mutex_queue`: a bounded queue of a `VecDeque` behind a mutex, one
//! message at a time; a small but real design to set beside ringlab's.
//!
//! Producers and consumers wait with ringlab's [`Waiter`], so the
//! scenario's wait strategy applies. The queue counts its endpoints: a
//! consumer that finds it empty after every producer has gone reports
//! `Closed`; a producer that finds every consumer gone reports
//! `Disconnected`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use ringlab::wait::WaitError;
use ringlab::{
    BuildError, Consumed, Consumer, Endpoints, Info, Message, Producer, PublishError, Queue,
    QueueConfig, Topology, Waiter,
};

/// The implementation, as ringlab names it: `mutex_queue`.
pub struct MutexQueue;

struct Shared<M> {
    queue: Mutex<VecDeque<M>>,
    capacity: usize,
    producers: AtomicUsize,
    consumers: AtomicUsize,
}

impl<M> Shared<M> {
    fn queue(&self) -> MutexGuard<'_, VecDeque<M>> {
        // A handler that panicked never held the lock: poisoning is harmless.
        self.queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Sending end.
pub struct MutexProducer<M> {
    shared: Arc<Shared<M>>,
    waiter: Waiter,
}

/// Receiving end.
pub struct MutexConsumer<M> {
    shared: Arc<Shared<M>>,
    waiter: Waiter,
}

impl Queue for MutexQueue {
    type Producer<M: Message> = MutexProducer<M>;
    type Consumer<M: Message> = MutexConsumer<M>;

    fn info() -> Info {
        Info::new(
            "mutex_queue",
            "VecDeque behind a mutex, one message at a time (examples/own-queue)",
            &[Topology::Spsc, Topology::Mpsc, Topology::MpmcWorkerPool],
        )
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<MutexProducer<M>, MutexConsumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        let setup = cfg.setup;
        let shared = Arc::new(Shared {
            queue: Mutex::new(VecDeque::with_capacity(setup.capacity)),
            capacity: setup.capacity,
            producers: AtomicUsize::new(setup.producers),
            consumers: AtomicUsize::new(setup.consumers),
        });
        let waiter = Waiter::new(setup.wait, cfg.cancel.clone());
        let endpoint = |_| (Arc::clone(&shared), waiter.clone());
        Ok(Endpoints {
            producers: (0..setup.producers)
                .map(endpoint)
                .map(|(shared, waiter)| MutexProducer { shared, waiter })
                .collect(),
            consumers: (0..setup.consumers)
                .map(endpoint)
                .map(|(shared, waiter)| MutexConsumer { shared, waiter })
                .collect(),
        })
    }
}

impl<M: Message> Producer<M> for MutexProducer<M> {
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        let shared = &*self.shared;
        for index in 0..n {
            let message = M::new_with(|m| fill(index, m));
            loop {
                {
                    let mut queue = shared.queue();
                    if queue.len() < shared.capacity {
                        queue.push_back(message);
                        break;
                    }
                }
                // Full: wake consumers, then wait for room.
                self.waiter.notify();
                let room = self.waiter.wait_until(|| {
                    if shared.queue().len() < shared.capacity {
                        Some(Ok(()))
                    } else {
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
        }
        self.waiter.notify();
        Ok(())
    }
}

impl<M: Message> Consumer<M> for MutexConsumer<M> {
    fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&M)) -> Consumed {
        let shared = &*self.shared;
        loop {
            // Read before the queue: a producer queues its last message
            // before it leaves, so an empty queue after this is final.
            let gone = shared.producers.load(Ordering::Acquire) == 0;
            let mut handed = 0;
            while handed < max.max(1) {
                // The lock is not held while the handler runs.
                let Some(message) = shared.queue().pop_front() else {
                    break;
                };
                on(&message);
                handed += 1;
            }
            if handed > 0 {
                self.waiter.notify();
                return Consumed::Items(handed);
            }
            if gone {
                return Consumed::Closed;
            }
            let ready = self.waiter.wait_until(|| {
                let gone = shared.producers.load(Ordering::Acquire) == 0;
                (gone || !shared.queue().is_empty()).then_some(())
            });
            if ready.is_err() {
                return Consumed::Idle;
            }
        }
    }
}

impl<M> Drop for MutexProducer<M> {
    fn drop(&mut self) {
        // Release: this producer's messages are queued before a consumer
        // sees it gone.
        self.shared.producers.fetch_sub(1, Ordering::Release);
        self.waiter.notify();
    }
}

impl<M> Drop for MutexConsumer<M> {
    fn drop(&mut self) {
        self.shared.consumers.fetch_sub(1, Ordering::Release);
        self.waiter.notify();
    }
}
