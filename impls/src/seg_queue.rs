//! `seg_queue`: crossbeam-queue's `SegQueue`, an unbounded lock-free MPMC
//! queue (a linked list of 32-slot segments, allocated as it grows),
//! through the lock-free adapter of [`crate::lock_free`].
//!
//! It is **unbounded**: a push never fails, so a producer never waits, and
//! the queue holds as many messages as the producers get ahead of the
//! consumers. The scenario's capacity does not apply to it and nothing
//! bounds its memory; its `Info` says so, and every table, results file
//! and report notes it beside its figures.

use crossbeam_queue::SegQueue;

use crate::lock_free::{Backend, CountedQueue, LockFree};
use crate::message::Message;

impl<M: Send + 'static> LockFree<M> for SegQueue<M> {
    const BOUNDED: bool = false;
    fn with_capacity(_: usize) -> Self {
        SegQueue::new()
    }
    #[inline(always)]
    fn push(&self, message: M) -> Result<(), M> {
        SegQueue::push(self, message);
        Ok(())
    }
    #[inline(always)]
    fn pop(&self) -> Option<M> {
        SegQueue::pop(self)
    }
    #[inline(always)]
    fn is_full(&self) -> bool {
        false
    }
}

/// crossbeam-queue's `SegQueue`.
pub struct CrossbeamSegQueue;

impl Backend for CrossbeamSegQueue {
    const NAME: &'static str = "seg_queue";
    const SUMMARY: &'static str = "crossbeam-queue SegQueue: UNBOUNDED lock-free MPMC (capacity does not apply), one push/pop per message";
    type Queue<M: Message> = SegQueue<M>;
}

/// `seg_queue`: crossbeam-queue's `SegQueue` (unbounded).
pub type SegQueueBaseline = CountedQueue<CrossbeamSegQueue>;
