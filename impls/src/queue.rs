//! The one trait every implementation sits behind, and what describes it.
//!
//! The runner is written once against [`Queue`], [`Producer`] and
//! [`Consumer`], and monomorphised per implementation: no `dyn` in any
//! measured loop. What a queue is built from and what its calls return are
//! defined in modules of their own (the configuration and its limits, the
//! publish and consume outcomes, the description) and re-exported here, so
//! that the wait strategies and the description can use them without
//! depending on the trait.

pub use crate::config::{
    BuildError, MAX_CAPACITY, MAX_THREADS, MIN_CAPACITY, QueueConfig, check_threads,
};
pub use crate::error::{Consumed, PublishError};
pub use crate::info::Info;
use crate::message::Message;
pub use schema::{Batching, OrderingGuarantee, Topology, WaitClass};

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
