//! The one trait every implementation sits behind, and what describes it.
//!
//! The runner is written once against [`Queue`], [`Producer`] and
//! [`Consumer`], and monomorphised per implementation: no `dyn` in any
//! measured loop.

pub use crate::info::Info;
use crate::message::Message;
use crate::wait::{Cancel, WaitStrategy};
pub use schema::{Batching, OrderingGuarantee, Topology, WaitClass};

/// Checks producer and consumer counts against the topology.
pub fn check_threads(
    topology: Topology,
    producers: usize,
    consumers: usize,
) -> Result<(), BuildError> {
    let (max_producers, max_consumers) = match topology {
        Topology::Spsc => (1, 1),
        Topology::Mpsc => (MAX_THREADS, 1),
        _ => (MAX_THREADS, MAX_THREADS),
    };
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

/// Everything needed to build one queue.
#[derive(Clone, Debug)]
pub struct QueueConfig {
    /// Who talks to whom.
    pub topology: Topology,
    /// Number of producer endpoints to hand out.
    pub producers: usize,
    /// Number of consumer endpoints to hand out.
    pub consumers: usize,
    /// Slots (messages) the queue holds.
    pub capacity: usize,
    /// Messages per publish and most messages per consume.
    pub batch: usize,
    /// How endpoints wait, where the implementation lets them choose.
    pub wait: WaitStrategy,
    /// Stops every wait when set, so a watchdog can end a stuck run.
    pub cancel: Cancel,
}

impl QueueConfig {
    /// A configuration with one producer and one consumer, batch 1,
    /// spin-then-yield waiting and a fresh cancel token.
    pub fn new(topology: Topology, capacity: usize) -> Self {
        Self {
            topology,
            producers: 1,
            consumers: 1,
            capacity,
            batch: 1,
            wait: WaitStrategy::SpinYield,
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

fn list(topologies: &[Topology]) -> String {
    topologies
        .iter()
        .map(|t| t.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a publish did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// Every consumer is gone; nothing will ever read the message.
    #[error("every consumer has been dropped")]
    Disconnected,
    /// The configuration's cancel token was set while waiting.
    #[error("the wait was cancelled")]
    Cancelled,
}

/// What one call of [`Consumer::consume_batch`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consumed {
    /// Handled this many messages (at least one).
    Items(usize),
    /// Nothing was available and the wait was cancelled.
    Idle,
    /// Every producer is gone and everything they published has been
    /// consumed: there will never be more.
    Closed,
}

impl Consumed {
    /// Whether it handled any messages.
    pub fn is_items(self) -> bool {
        matches!(self, Consumed::Items(_))
    }
}

/// The sending end. Dropping every producer closes the queue.
///
/// # Faults
///
/// Every implementation keeps these contracts (`impls/tests/faults.rs`
/// checks each one over the registry; the `faults` scenario shows what
/// happens under load). Two baselines, run as published, are exceptions:
/// the `disruptor` crate runs the fill inside its own claim, so a panicking
/// fill leaves a gap its consumers never pass, and a dropped poller keeps
/// gating its producers; `tokio_mpsc` waits for room in tokio's
/// `blocking_send`, which a cancel does not end (it ends when a consumer
/// makes room or leaves).
///
/// - **A `fill` that panics.** The panic reaches the caller of
///   `publish_batch`. Of that batch, some of the messages before the
///   panicking one may be delivered (all of them in the disruptors and the
///   per-message channels, none in the rings that commit a batch at its
///   end), in order; the panicking message and the rest of the batch never
///   are. Claimed slots that will never hold a message are published as
///   *skipped*, which no consumer hands to its handler, so nobody waits at
///   the gap. The producer stays usable. No other producer's message is
///   lost, and consumers see `Closed` once every producer is dropped.
/// - **A claim given up** (`Cancelled`, or `Disconnected` with consumers
///   still alive in a broken graph): the same, for the part of the batch
///   that was not published. A claim that took its sequences before it
///   waited is settled (published as skipped) by whoever comes by once its
///   slots are free: its producer, or a consumer waiting at it.
/// - **A consumer dropped** (after its handler panicked, say, which counts
///   the message it panicked on as handed to it), while others live:
///   - broadcast (`mpmc_fanout`): it stops holding the producers back; the
///     others get every message;
///   - a stage of a `pipeline` or `diamond`: the graph is broken; producers
///     get `Disconnected` once they would wait for room, and the other
///     stages hand what is ready and then see `Closed`;
///   - work-sharing: the others get every message it had not been handed
///     (a worker pool's unfinished run is taken over, by a worker that may
///     already have handed later messages of the same producers; its
///     [`Info::takes_over`] says so), except that a consumer of a `*_vec`
///     channel takes a whole batch at a time, and the rest of that batch
///     goes with it.
///
///   When the last consumer goes, producers get `Disconnected` once they
///   would wait for room.
/// - **A handler that panics** (the `on` of [`Consumer::consume_batch`] or
///   [`Consumer::consume_slices`]), its panic caught and the consumer
///   called again: what was handed to `on` counts as consumed, and the
///   rest is handed by the next calls, in order; no message is handed
///   twice or lost (see [`Consumer`]). The `harness` conformance suite
///   checks it for every implementation.
pub trait Producer<M: Message>: Send {
    /// Publishes `n` messages, `fill(i, slot)` writing message `i` in place,
    /// waiting per the configured strategy while the queue is full. Messages
    /// become visible to consumers in index order. If `fill` panics, see the
    /// fault contracts above.
    fn publish_batch(
        &mut self,
        n: usize,
        fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError>;

    /// Counters of the `metrics` feature, by name (empty without it, or
    /// where the implementation keeps none).
    fn metrics(&self) -> Vec<(&'static str, u64)> {
        Vec::new()
    }
}

/// The receiving end.
///
/// The harness calls `consume_batch` in its measured loop and keeps its
/// per-message bookkeeping in registers only when the call is inlined
/// there; implementations mark it (and `Producer::publish_batch`)
/// `#[inline(always)]`, so every design pays the harness the same.
///
/// # A handler that panics
///
/// The panic reaches the caller, and the consumer stays usable: every
/// message already handed to `on` counts as consumed, and the messages not
/// yet handed stay, to be handed by the next call, in order. For
/// `consume_batch` those handed are the messages up to and including the
/// one `on` panicked on; for `consume_slices`, every message of every
/// slice handed so far in that call. So a consumer called again after a
/// caught panic never hands a message twice and never loses one. Every
/// implementation keeps this, with no exception. A consumer dropped after
/// the panic, rather than called again, is a fault contract of its own
/// (see [`Producer`]'s *Faults*).
pub trait Consumer<M: Message>: Send + 'static {
    /// Waits (per the configured strategy) until at least one message is
    /// available, then hands up to `max` of them to `on`, in order.
    ///
    /// Every `max` is safe and means the same in every implementation: it
    /// is the most messages this call hands over, 0 counts as 1, and a
    /// value above the capacity (up to `usize::MAX`) hands at most what is
    /// available. `Items(n)` thus always has `1 <= n <= max.max(1)`.
    ///
    /// If `on` panics, see the trait's *A handler that panics*.
    fn consume_batch(&mut self, max: usize, on: impl FnMut(&M)) -> Consumed;

    /// As [`consume_batch`](Self::consume_batch), handing the messages as
    /// slices: `on` is called once or more, each time with a non-empty
    /// slice of consecutive messages, and the slices of one call, in
    /// order, are the messages `consume_batch` would have handed (at most
    /// `max`, read as there). This is how the harness reads messages.
    ///
    /// The default hands each message as a slice of one. Designs that hold
    /// messages in a ring hand each contiguous run of slots in one slice
    /// (two where a batch wraps), so a consumer can read them as an array,
    /// as it would through such a design's own API. If `on` panics, every
    /// message of every slice it was given counts as handed to it (see
    /// the trait's *A handler that panics*).
    #[inline(always)]
    fn consume_slices(&mut self, max: usize, mut on: impl FnMut(&[M])) -> Consumed {
        self.consume_batch(max, |message| on(core::slice::from_ref(message)))
    }

    /// Like [`consume_batch`](Self::consume_batch), but without reading the
    /// messages: it only takes up to `max` of them off the queue. This is
    /// the "consumer that does not read" of some published benchmarks; the
    /// harness runs it only where a scenario asks for it, and then checks
    /// counts alone. Implementations that can skip the reads override it.
    /// `max` means what it means for `consume_batch`.
    fn discard_batch(&mut self, max: usize) -> Consumed {
        self.consume_batch(max, |_| ())
    }

    /// Counters of the `metrics` feature, by name (empty without it, or
    /// where the implementation keeps none).
    fn metrics(&self) -> Vec<(&'static str, u64)> {
        Vec::new()
    }
}

/// The endpoints a built queue hands out.
pub struct Endpoints<P, C> {
    /// One per configured producer.
    pub producers: Vec<P>,
    /// One per configured consumer.
    pub consumers: Vec<C>,
}

/// An implementation under test.
pub trait Queue: 'static {
    /// Its sending end for messages of type `M`.
    type Producer<M: Message>: Producer<M> + 'static;
    /// Its receiving end for messages of type `M`.
    type Consumer<M: Message>: Consumer<M>;

    /// What it is.
    fn info() -> Info;

    /// Builds one queue and its endpoints, or says what is wrong with `cfg`.
    #[allow(clippy::type_complexity)]
    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<Self::Producer<M>, Self::Consumer<M>>, BuildError>;
}
