//! Everything needed to build one queue ([`QueueConfig`]), the limits
//! every implementation shares, and why a build fails ([`BuildError`]).
//!
//! [`Info::check`](crate::Info::check) checks a configuration against one
//! implementation; [`check_threads`] is the part that depends on the
//! topology alone.

use crate::wait::Cancel;
use schema::{Setup, Topology};

/// Checks producer and consumer counts against the topology.
pub fn check_threads(
    topology: Topology,
    producers: usize,
    consumers: usize,
) -> Result<(), BuildError> {
    let most = |single: bool| if single { 1 } else { MAX_THREADS };
    let max_producers = most(topology.single_producer());
    let max_consumers = most(topology.single_consumer());
    if !(1..=max_producers).contains(&producers) {
        return Err(BuildError::Producers {
            topology,
            producers,
            max: max_producers,
        });
    }
    let min_consumers = topology.min_consumers();
    if !(min_consumers..=max_consumers).contains(&consumers) {
        return Err(BuildError::Consumers {
            topology,
            consumers,
            min: min_consumers,
            max: max_consumers,
        });
    }
    Ok(())
}

/// Most producers (and most consumers) any configuration may have.
pub const MAX_THREADS: usize = 1024;

/// Smallest capacity any implementation accepts.
pub const MIN_CAPACITY: usize = 2;
/// Largest capacity any implementation accepts (2^24 slots).
pub const MAX_CAPACITY: usize = 1 << 24;

/// Everything needed to build one queue: the run's [`Setup`] and the
/// token that stops its waits.
#[derive(Clone, Debug)]
pub struct QueueConfig {
    /// Topology, endpoints to hand out, slots, batch and wait strategy.
    pub setup: Setup,
    /// Stops every wait when set, so a watchdog can end a stuck run.
    pub cancel: Cancel,
}

impl QueueConfig {
    /// A configuration with one producer and one consumer, batch 1,
    /// spin-then-yield waiting and a fresh cancel token.
    pub fn new(topology: Topology, capacity: usize) -> Self {
        Setup::new(topology, capacity).into()
    }
}

impl From<Setup> for QueueConfig {
    /// `setup` with a fresh cancel token.
    fn from(setup: Setup) -> Self {
        Self {
            setup,
            cancel: Cancel::default(),
        }
    }
}

/// Why a queue could not be built. Every variant says what to change.
///
/// The fields are named for what they hold (`implementation`, `topology`,
/// `producers` ... as asked for; `min`, `max`, `supported` as allowed), and
/// each variant's message says what they mean together.
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// The implementation cannot run the topology.
    #[error(
        "`{implementation}` cannot run topology `{topology}`; it supports: {}",
        list(supported)
    )]
    Topology {
        implementation: &'static str,
        topology: Topology,
        supported: &'static [Topology],
    },
    /// Too few or too many producers for the topology.
    #[error("topology `{topology}` takes 1 to {max} producers, not {producers}")]
    Producers {
        topology: Topology,
        producers: usize,
        max: usize,
    },
    /// Too few or too many consumers for the topology.
    #[error("topology `{topology}` takes {min} to {max} consumers, not {consumers}")]
    Consumers {
        topology: Topology,
        consumers: usize,
        min: usize,
        max: usize,
    },
    /// Below the implementation's smallest capacity.
    #[error("`{implementation}` needs a capacity of at least {min} slots, not {capacity}")]
    CapacityTooSmall {
        implementation: &'static str,
        capacity: usize,
        min: usize,
    },
    /// Above the implementation's largest capacity.
    #[error("`{implementation}` takes a capacity of at most {max} slots, not {capacity}")]
    CapacityTooLarge {
        implementation: &'static str,
        capacity: usize,
        max: usize,
    },
    /// More producers than the implementation can register.
    #[error("`{implementation}` takes at most {max} producers, not {producers}")]
    TooManyProducers {
        implementation: &'static str,
        producers: usize,
        max: usize,
    },
    /// A single-producer implementation asked for several producers.
    #[error("`{implementation}` takes exactly 1 producer, not {producers}")]
    SingleProducer {
        implementation: &'static str,
        producers: usize,
    },
    /// Capacity outside the range every implementation accepts.
    #[error("capacity {capacity} is out of range; use {MIN_CAPACITY} to {MAX_CAPACITY} slots")]
    Capacity { capacity: usize },
    /// The implementation indexes its ring by mask.
    #[error("`{implementation}` needs a power-of-two capacity, not {capacity} (try {})", capacity.next_power_of_two())]
    CapacityNotPowerOfTwo {
        implementation: &'static str,
        capacity: usize,
    },
    /// A batch of zero messages.
    #[error("batch must be at least 1 message")]
    Batch,
}

/// The names of `topologies`, comma-separated.
fn list(topologies: &[Topology]) -> String {
    topologies
        .iter()
        .map(|t| t.name())
        .collect::<Vec<_>>()
        .join(", ")
}
