//! The channel handle, which registers producers, why a registration
//! fails ([`RegisterError`]), and [`channel`], which builds a channel and
//! its consumer.

use core::ptr;

use crossbeam_utils::CachePadded;

use super::config::{Config, ConfigError, MAX_PRODUCERS};
use super::consumer::RingConsumer;
use super::producer::RingProducer;
use super::ring::{Ring, Shared};
use crate::sync::{Arc, AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use crate::wait::Waiter;

/// Why [`Channel::register`] handed out no producer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    /// Every producer slot is taken.
    #[error(
        "all {max} producer slots of this channel have been handed out (a slot is not reused when its producer is dropped); build it with a larger `max_producers` (at most {MAX_PRODUCERS})"
    )]
    TooManyProducers {
        /// The channel's limit.
        max: usize,
    },
    /// The consumer is gone; nothing sent would ever be read.
    #[error("the channel is closed: its consumer has been dropped")]
    Closed,
}

/// Builds a channel and its consumer. Register producers with
/// [`Channel::register`]; the channel closes when every channel handle and
/// every producer is dropped.
pub fn channel<T: Send>(config: Config) -> Result<(Channel<T>, RingConsumer<T>), ConfigError> {
    config.validate()?;
    let shared = Arc::new(Shared {
        rings: (0..config.max_producers)
            .map(|_| AtomicPtr::new(ptr::null_mut()))
            .collect(),
        claimed: CachePadded::new(AtomicUsize::new(0)),
        senders: CachePadded::new(AtomicUsize::new(1)),
        consumer_gone: CachePadded::new(AtomicBool::new(false)),
        mask: config.ring_capacity - 1,
        fair: config.fair,
    });
    let waiter = Waiter::new(config.wait, config.cancel);
    let consumer = RingConsumer::new(Arc::clone(&shared), config.max_producers, waiter.clone());
    Ok((Channel { shared, waiter }, consumer))
}

/// A handle that registers producers. Clones share the channel; each counts
/// as a sender, so the channel stays open while any handle lives.
pub struct Channel<T> {
    pub(super) shared: Arc<Shared<T>>,
    pub(super) waiter: Waiter,
}

impl<T: Send> Channel<T> {
    /// Registers a producer with its own ring. Fails when every producer
    /// slot has been handed out (slots count registrations over the
    /// channel's life: a dropped producer's ring stays until the channel
    /// is dropped) or the consumer is gone.
    pub fn register(&self) -> Result<RingProducer<T>, RegisterError> {
        let shared = &*self.shared;
        // Relaxed: only decides whether to refuse; a producer registered
        // just as the consumer leaves finds out on its first reserve.
        if shared.consumer_gone.load(Ordering::Relaxed) {
            return Err(RegisterError::Closed);
        }
        let max = shared.rings.len();
        // Built before a slot is claimed, so that the consumer, which learns
        // of rings in slot order and stops at the first claimed slot without
        // a ring, waits on this one for a store, not for an allocation of up
        // to 2^20 slots.
        let ring = Box::new(Ring::new(shared.mask + 1));
        // Relaxed: the counter only hands out distinct indices; the ring is
        // published by the Release store below.
        let mut claimed = shared.claimed.load(Ordering::Relaxed);
        let index = loop {
            if claimed >= max {
                return Err(RegisterError::TooManyProducers { max });
            }
            match shared.claimed.compare_exchange_weak(
                claimed,
                claimed + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break claimed,
                Err(now) => claimed = now,
            }
        };
        let ring = Box::into_raw(ring);
        // Relaxed: this handle holds a count, so it cannot reach zero here
        // (the reasoning of `Arc::clone`); the producer's drop releases.
        shared.senders.fetch_add(1, Ordering::Relaxed);
        // Release: the ring's initialisation happens before the consumer's
        // Acquire load of the pointer.
        shared.rings[index].store(ring, Ordering::Release);
        Ok(RingProducer::new(
            Arc::clone(&self.shared),
            ring,
            index,
            self.waiter.clone(),
        ))
    }

    /// Most producers this channel can register.
    pub fn max_producers(&self) -> usize {
        self.shared.rings.len()
    }
}

impl<T> Clone for Channel<T> {
    fn clone(&self) -> Self {
        // Relaxed: `self` holds a count (see `register`).
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        Self {
            shared: Arc::clone(&self.shared),
            waiter: self.waiter.clone(),
        }
    }
}

impl<T> Drop for Channel<T> {
    fn drop(&mut self) {
        // Release: ring registrations made through this handle happen before
        // a consumer's Acquire load that sees the count reach zero.
        self.shared.senders.fetch_sub(1, Ordering::Release);
        self.waiter.notify();
    }
}
