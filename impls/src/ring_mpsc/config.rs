//! How a channel is built: the limits of its rings and producers,
//! [`Config`], and what a configuration can get wrong ([`ConfigError`]).

use crate::wait::{Cancel, WaitStrategy};

/// Largest ring: 2^20 slots.
pub const MAX_RING_CAPACITY: usize = 1 << 20;
/// Smallest ring.
pub const MIN_RING_CAPACITY: usize = 2;
/// Most producers one channel can register.
pub const MAX_PRODUCERS: usize = 128;

/// How a channel is built. Check it with [`Config::validate`];
/// [`channel`](fn@super::channel) does.
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

/// A configuration [`channel`](fn@super::channel) refuses.
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
