//! `concurrent_queue`: the concurrent-queue crate's bounded queue (smol's:
//! an array of slots with per-slot stamps, as crossbeam's `ArrayQueue`),
//! through the lock-free adapter of [`crate::lock_free`]: one push or
//! pop per message, waiting with the scenario's strategy, endpoints
//! counted for close. Its own `close` is left unused: the adapter's
//! counting is the same for every queue it drives.

use concurrent_queue::{ConcurrentQueue, PushError};

use crate::lock_free::{Backend, CountedQueue, LockFree};
use crate::message::Message;

impl<M: Send + 'static> LockFree<M> for ConcurrentQueue<M> {
    const BOUNDED: bool = true;
    fn with_capacity(capacity: usize) -> Self {
        ConcurrentQueue::bounded(capacity)
    }
    #[inline(always)]
    fn push(&self, message: M) -> Result<(), M> {
        ConcurrentQueue::push(self, message).map_err(|error| match error {
            // Never closed, but either way the message comes back.
            PushError::Full(message) | PushError::Closed(message) => message,
        })
    }
    #[inline(always)]
    fn pop(&self) -> Option<M> {
        ConcurrentQueue::pop(self).ok()
    }
    #[inline(always)]
    fn is_full(&self) -> bool {
        ConcurrentQueue::is_full(self)
    }
}

/// The concurrent-queue crate's bounded queue.
pub struct SmolConcurrentQueue;

impl Backend for SmolConcurrentQueue {
    const NAME: &'static str = "concurrent_queue";
    const SUMMARY: &'static str =
        "concurrent-queue (smol) bounded lock-free MPMC, one push/pop per message";
    type Queue<M: Message> = ConcurrentQueue<M>;
}

/// `concurrent_queue`: the concurrent-queue crate's bounded queue.
pub type ConcurrentQueueBaseline = CountedQueue<SmolConcurrentQueue>;
