//! `ring_mpsc`: ring decomposition. Every registered producer gets its own
//! single-producer single-consumer ring, so producers never contend with one
//! another; the one consumer polls every ring and moves each ring's head once
//! per batch.
//!
//! The price of that design is the ordering guarantee: each producer's
//! messages arrive in the order it sent them, but there is no order between
//! producers (per-producer FIFO, not a global FIFO). The other price is
//! memory: the scenario's capacity is per ring, so `P` producers buffer
//! `P x capacity` messages.
//!
//! # Using it directly
//!
//! ```
//! use impls::ring_mpsc::{self, Config};
//!
//! let (channel, mut consumer) = ring_mpsc::channel::<String>(Config::low_latency()).unwrap();
//! let mut producer = channel.register().unwrap();
//! let words = ["reserve", "then", "commit"];
//! let mut sent = 0;
//! while sent < words.len() {
//!     // A reservation may be shorter than asked for at the ring's wrap.
//!     let mut reservation = producer.reserve(words.len() - sent).unwrap();
//!     reservation.fill(|i| words[sent + i].to_owned());
//!     sent += reservation.commit();
//! }
//! drop((producer, channel)); // the last sender gone closes the channel
//! let mut seen = Vec::new();
//! while consumer.consume_all(|word| seen.push(word.clone())).is_items() {}
//! assert_eq!(seen, words);
//! ```
//!
//! # Layout
//! Each ring's `tail` (written by its producer) and `head` (written by the
//! consumer) sit in their own 128-byte-aligned lines. The cached copies of
//! the other side's index live in the endpoint that owns them: the
//! producer's private tail and cached head in its handle (itself
//! 128-byte aligned), the consumer's private head and cached tail of each
//! ring in its own table, one 128-byte line per ring, so no line is written
//! by more than one thread.
//!
//! # Memory orderings
//! Per ring, exactly the SPSC protocol of `spsc_ring`: the producer writes
//! slots, then stores `tail` with `Release`; the consumer loads `tail` with
//! `Acquire` before reading them. The consumer stores `head` with `Release`
//! after its reads (and the drops of what it read); the producer loads
//! `head` with `Acquire` before overwriting freed slots.
//!
//! Registration: a ring is fully initialised, then its pointer is stored
//! with `Release` into the channel's table; the consumer loads pointers with
//! `Acquire`. Closing: every sender (the channel handles and the producers)
//! holds one count of `senders`; each drops it with a `Release` decrement
//! after its last `tail` store. A consumer that loads zero with `Acquire`
//! therefore sees every ring and every final tail, and can decide that the
//! channel is closed once those are drained. A registration needs a live
//! channel handle, so once the count is zero it stays zero.
//!
//! # Files
//! `ring` holds one producer's ring and the table the channel shares;
//! `channel` the channel handle, which registers producers; `producer` a
//! registered producer and its reserved slots; `consumer` the consumer
//! that polls every ring; `adapter` the implementation behind the one
//! trait.

mod adapter;
mod channel;
mod consumer;
mod producer;
mod ring;

use core::ptr;

use crossbeam_utils::CachePadded;

pub use adapter::RingMpsc;
pub use channel::Channel;
pub use consumer::RingConsumer;
pub use producer::{Reservation, RingProducer};
use ring::Shared;

use crate::sync::{Arc, AtomicBool, AtomicPtr, AtomicUsize};
use crate::wait::{Cancel, WaitStrategy, Waiter};

/// Largest ring: 2^20 slots.
pub const MAX_RING_CAPACITY: usize = 1 << 20;
/// Smallest ring.
pub const MIN_RING_CAPACITY: usize = 2;
/// Most producers one channel can register.
pub const MAX_PRODUCERS: usize = 128;

/// How a channel is built. Check it with [`Config::validate`]; [`channel`]
/// does.
#[derive(Clone, Debug)]
pub struct Config {
    /// Slots per producer ring: a power of two from 2 to 2^20.
    pub ring_capacity: usize,
    /// Most producers that can register: 1 to 128.
    pub max_producers: usize,
    /// Start each consumption at the ring after the one the previous call
    /// started at (round robin), so one busy producer cannot starve the
    /// others when a batch limit cuts a pass short. On by default; off, every
    /// pass starts at the first ring.
    pub fair: bool,
    /// How endpoints wait on a full ring or on empty rings.
    pub wait: WaitStrategy,
    /// Stops every wait when set.
    pub cancel: Cancel,
}

impl Config {
    /// `ring_capacity` slots per ring, up to `max_producers` producers,
    /// fair consumption, spin-then-yield waiting.
    pub fn new(ring_capacity: usize, max_producers: usize) -> Self {
        Self {
            ring_capacity,
            max_producers,
            fair: true,
            wait: WaitStrategy::SpinYield,
            cancel: Cancel::default(),
        }
    }

    /// Low latency: 4096 slots per ring (a ring of 8-byte messages fits in
    /// L1), up to 16 producers.
    pub fn low_latency() -> Self {
        Self::new(1 << 12, 16)
    }

    /// High throughput: 262 144 slots per ring, up to 16 producers.
    pub fn high_throughput() -> Self {
        Self::new(1 << 18, 16)
    }

    /// Says what is wrong with the configuration, if anything.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let capacity = self.ring_capacity;
        if !(MIN_RING_CAPACITY..=MAX_RING_CAPACITY).contains(&capacity)
            || !capacity.is_power_of_two()
        {
            return Err(ConfigError::RingCapacity { capacity });
        }
        if !(1..=MAX_PRODUCERS).contains(&self.max_producers) {
            return Err(ConfigError::MaxProducers {
                producers: self.max_producers,
            });
        }
        Ok(())
    }
}

/// A configuration [`channel`] refuses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Ring capacity not a power of two in range.
    #[error(
        "ring capacity {capacity} is not allowed: use a power of two from {MIN_RING_CAPACITY} to {MAX_RING_CAPACITY} (2^20) slots, e.g. {}",
        (*capacity).clamp(MIN_RING_CAPACITY, MAX_RING_CAPACITY).next_power_of_two().min(MAX_RING_CAPACITY)
    )]
    RingCapacity {
        /// What was asked for.
        capacity: usize,
    },
    /// Producer limit out of range.
    #[error("max_producers {producers} is not allowed: use 1 to {MAX_PRODUCERS}")]
    MaxProducers {
        /// What was asked for.
        producers: usize,
    },
}

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
