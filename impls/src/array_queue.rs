//! `array_queue`: crossbeam-queue's `ArrayQueue`, a bounded lock-free MPMC
//! queue (Vyukov's bounded queue with per-slot stamps), through the
//! lock-free adapter of [`crate::lock_free`]: one push or pop per message,
//! waiting with the scenario's strategy, endpoints counted for close.

use crossbeam_queue::ArrayQueue;

use crate::lock_free::{Backend, CountedQueue, LockFree};
use crate::message::Message;

impl<M: Send + 'static> LockFree<M> for ArrayQueue<M> {
    const BOUNDED: bool = true;
    fn with_capacity(capacity: usize) -> Self {
        ArrayQueue::new(capacity)
    }
    #[inline(always)]
    fn push(&self, message: M) -> Result<(), M> {
        ArrayQueue::push(self, message)
    }
    #[inline(always)]
    fn pop(&self) -> Option<M> {
        ArrayQueue::pop(self)
    }
    #[inline(always)]
    fn is_full(&self) -> bool {
        ArrayQueue::is_full(self)
    }
}

/// crossbeam-queue's `ArrayQueue`.
pub struct CrossbeamArrayQueue;

impl Backend for CrossbeamArrayQueue {
    const NAME: &'static str = "array_queue";
    const SUMMARY: &'static str =
        "crossbeam-queue ArrayQueue: bounded lock-free MPMC, one push/pop per message";
    type Queue<M: Message> = ArrayQueue<M>;
}

/// `array_queue`: crossbeam-queue's `ArrayQueue`.
pub type ArrayQueueBaseline = CountedQueue<CrossbeamArrayQueue>;
