//! Disruptors: a ring of pre-allocated events, a sequencer that hands
//! producers sequences, and batch processors that consume through barriers.
//!
//! After the LMAX Disruptor. Three sequencers share the ring buffer, the
//! endpoints and the dependency graphs, behind the [`Sequencer`] trait:
//!
//! - [`single`]: one producer, no atomic read-modify-write;
//! - [`lmax`]: several producers, LMAX's availability array;
//! - [`bitmap`]: several producers, one availability bit per slot.
//!
//! Consumers form a graph by topology: independent (`spsc`, `mpsc`,
//! `mpmc_fanout`: each sees every event), a chain (`pipeline`) or a diamond
//! (all but the last in parallel, the last after all of them). A consumer
//! waits for the sequencer's published end, or for the sequences of the
//! consumers it depends on, handles the whole available batch (up to the
//! batch limit), then stores its own sequence once. Producers reuse a slot
//! only when every *gating* consumer (those nothing depends on) has passed
//! it. Dropping every producer closes the ring: consumers drain what was
//! published, then see `Closed`. Dropping every consumer makes producers
//! waiting for room fail with `Disconnected`.
//!
//! Faults (the contracts are in [`crate::queue`]; the mechanics here):
//!
//! - A claimed sequence that will never hold a message (a `fill` that
//!   panicked, a claim given up after it took its sequences) is published
//!   as *skipped*: recorded in a list consumers read only when its length
//!   changed, then published like any other, so nothing waits at the gap
//!   and no handler sees the slot. A given-up claim is owed until its
//!   slots are free (every gating consumer has passed their previous
//!   round); whoever comes by first (its producer, any consumer waiting at
//!   the gap) settles it.
//! - A dropped consumer of a broadcast stops gating the producers; a
//!   dropped stage of a pipeline or diamond breaks the graph (producers get
//!   `Disconnected` when they would wait for room, the other stages hand
//!   what is ready and then see `Closed`). Worker pools hand a dropped
//!   worker's unfinished run to the others ([`worker_pool`]).

pub mod bitmap;
mod endpoints;
pub mod lmax;
pub mod multi;
pub mod ring_buffer;
pub mod sequence;
pub mod single;
pub mod worker_pool;

use core::marker::PhantomData;

use crossbeam_utils::CachePadded;

pub use endpoints::{DisruptorConsumer, DisruptorProducer, RingFull};
use ring_buffer::RingBuffer;
use sequence::{INITIAL, Sequence, minimum};

use crate::message::Message;
use crate::metrics::{Counter, Metrics};
use crate::queue::{
    Batching, BuildError, Endpoints, Info, PublishError, Queue, QueueConfig, Topology,
};
use crate::sync::{Arc, AtomicBool, AtomicI64, AtomicUsize, Mutex, MutexGuard, Ordering};
use crate::wait::Waiter;

/// Hands out sequences to producers and tells consumers what is published.
pub trait Sequencer: Send + Sync + Sized + 'static {
    /// Implementation name.
    const NAME: &'static str;
    /// One line on it.
    const SUMMARY: &'static str;
    /// Whether several producers may claim at once.
    const MULTI_PRODUCER: bool;
    /// Smallest ring it supports.
    const MIN_CAPACITY: usize;
    /// A producer's private claim state.
    type Claimer: Send;

    /// A sequencer for a ring of `capacity` slots whose slots may be reused
    /// once every sequence in `gating` has passed them.
    fn new(capacity: usize, gating: Box<[Arc<Sequence>]>) -> Self;

    /// Claim state for one more producer.
    fn claimer(&self) -> Self::Claimer;

    /// Claims the next `n` sequences (`n <= capacity`), waiting while the
    /// ring is full; returns the highest. Fails when `abandoned()` says no
    /// consumer is left, or when the wait is cancelled; a sequencer that
    /// takes its sequences before it waits says which it took, and they
    /// are then owed (see `Shared::owe`).
    fn claim(
        &self,
        claimer: &mut Self::Claimer,
        n: usize,
        waiter: &Waiter,
        abandoned: impl Fn() -> bool,
        metrics: &mut Metrics,
    ) -> Result<i64, Refused>;

    /// Claims the next `n` sequences only if they are free now.
    fn try_claim(
        &self,
        claimer: &mut Self::Claimer,
        n: usize,
        metrics: &mut Metrics,
    ) -> Option<i64>;

    /// Publishes `low ..= high`, whose events have been written.
    fn publish(&self, low: i64, high: i64);

    /// The highest `s <= available` with `low ..= s` all published.
    fn highest_published(&self, low: i64, available: i64) -> i64;

    /// The highest `s < low + limit` with `low ..= s` all published
    /// (`limit <= capacity`): what a consumer at `low` that takes at most
    /// `limit` events may handle. By default bounded by the cursor.
    #[inline]
    fn published_from(&self, low: i64, limit: usize) -> i64 {
        let cursor = self.cursor();
        if cursor < low {
            return low - 1;
        }
        self.highest_published(low, cursor.min(low + limit as i64 - 1))
    }

    /// The cursor consumers wait on: highest published (single producer)
    /// or highest claimed (several producers).
    fn cursor(&self) -> i64;

    /// Free slots now.
    fn remaining_capacity(&self) -> u64;

    /// The lowest gating sequence now (`i64::MAX` when nothing gates).
    fn gating_minimum(&self) -> i64;
}

/// A claim that did not complete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused {
    /// Why.
    pub error: PublishError,
    /// The highest of the `n` sequences taken anyway, by a claim that
    /// takes them first and waits for room after; `None` when nothing was
    /// taken.
    pub taken: Option<i64>,
}

impl From<PublishError> for Refused {
    fn from(error: PublishError) -> Self {
        Self { error, taken: None }
    }
}

/// Waits until every gating sequence has reached `wrap_point`; returns their
/// minimum.
fn wait_for_gating(
    gating: &[Arc<Sequence>],
    wrap_point: i64,
    waiter: &Waiter,
    abandoned: impl Fn() -> bool,
    metrics: &mut Metrics,
) -> Result<i64, PublishError> {
    metrics.add(Counter::GatingReductions, 1);
    let first = minimum(gating);
    if first >= wrap_point {
        return Ok(first);
    }
    metrics.add(Counter::WrapWaits, 1);
    waiter.wait_for_room(
        || {
            metrics.add(Counter::GatingReductions, 1);
            let minimum = minimum(gating);
            (minimum >= wrap_point).then_some(minimum)
        },
        abandoned,
    )
}

/// Free slots in a ring of `capacity` whose producers have claimed up to
/// `claimed` and whose slowest gating consumer has finished `gating`
/// (`i64::MAX` when nothing gates). Zero, not negative, while claims run
/// past the gating point, as a multi-producer claim does: it adds to the
/// cursor first and waits for room after. Read `claimed` before `gating`
/// (which only grows), so that a stale `claimed` cannot look further
/// ahead than it was.
fn free_slots(capacity: i64, claimed: i64, gating: i64) -> u64 {
    let in_use = claimed - gating.min(claimed);
    (capacity - in_use).max(0) as u64
}

/// Who is still connected, and whether faults left anything behind.
/// Written only when endpoints are dropped or a fault happens, so readers
/// (consumers, once per batch) share the line without contention.
struct Lifecycle {
    producers: AtomicUsize,
    consumers: AtomicUsize,
    /// Set by the last producer's drop, after its last publish.
    closed: AtomicBool,
    /// Set when a stage of a pipeline or diamond is dropped while other
    /// consumers live: the graph cannot go on.
    broken: AtomicBool,
    /// Ranges in [`Faults::skipped`] (0 unless a fault happened).
    skipped: AtomicUsize,
    /// Claims in [`Faults::owed`] (0 unless a fault happened).
    owed: AtomicUsize,
    /// The lowest `next` of the runs in [`Faults::orphans`] (`i64::MAX`
    /// when there are none, as there are unless a worker was dropped).
    orphan_low: AtomicI64,
}

/// What faults left behind, each behind its own lock; touched only after a
/// fault. Each list's length is mirrored in [`Lifecycle`], so the paths
/// without faults read one counter and never lock.
#[derive(Default)]
struct Faults {
    /// Sequences published as skipped, `(low, high)`: no handler sees them.
    skipped: Mutex<Vec<(i64, i64)>>,
    /// Claims given up after they took their sequences, `(low, high)`, to
    /// be published as skipped once their slots are free.
    owed: Mutex<Vec<(i64, i64)>>,
    /// Unfinished runs of dropped workers.
    orphans: Mutex<Vec<Run>>,
}

/// A worker's run `next ..= high` and the sequence that gates it: the
/// worker's own, or that of the dropped worker it was taken over from,
/// which keeps gating the run until it is handled.
struct Run {
    next: i64,
    high: i64,
    gate: Arc<Sequence>,
}

/// Locks `mutex`, whose data stays consistent across a panic (no user code
/// runs under these locks).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the endpoints of one disruptor share.
struct Shared<S, E> {
    ring: RingBuffer<E>,
    sequencer: S,
    lifecycle: CachePadded<Lifecycle>,
    faults: Faults,
}

impl<S: Sequencer, E> Shared<S, E> {
    /// The shared state of one disruptor for `cfg`: a ring of events made by
    /// `factory`, a sequencer whose producers wait for `gating`, and every
    /// endpoint counted as connected.
    fn new(cfg: &QueueConfig, gating: Sequences, factory: impl FnMut() -> E) -> Arc<Self> {
        Arc::new(Shared {
            ring: RingBuffer::new(cfg.capacity, factory),
            sequencer: S::new(cfg.capacity, gating),
            lifecycle: CachePadded::new(Lifecycle {
                producers: AtomicUsize::new(cfg.producers),
                consumers: AtomicUsize::new(cfg.consumers),
                closed: AtomicBool::new(false),
                broken: AtomicBool::new(false),
                skipped: AtomicUsize::new(0),
                owed: AtomicUsize::new(0),
                orphan_low: AtomicI64::new(i64::MAX),
            }),
            faults: Faults::default(),
        })
    }

    /// Whether producers should give up waiting for room: no consumer is
    /// left, or the graph is broken.
    fn abandoned(&self) -> bool {
        // Acquire, on both loads, pairing with the leaving consumer's
        // Release (its last sequence store happens before its drop). No
        // data rides on either: a producer that finds the graph abandoned
        // returns `Disconnected` and touches no slot, and one that does not
        // yet see the count or the flag keeps waiting, looking again, and
        // sees them by coherence. Both loads weakened to `Relaxed` pass
        // every model (`lmax_fan_out_dropped_consumer_stops_gating`,
        // `pipeline_stage_leaves_mid_run`): equivalent, so no mutant.
        self.lifecycle.consumers.load(Ordering::Acquire) == 0
            || self.lifecycle.broken.load(Ordering::Acquire)
    }

    /// Publishes `low ..= high`, of which `skip ..= high` are skipped
    /// (never handed to a handler; `skip > high`: none). The caller holds
    /// the claim, and the slots are free.
    #[cold]
    fn publish_skipping(&self, low: i64, skip: i64, high: i64) {
        if skip <= high {
            let mut skipped = lock(&self.faults.skipped);
            skipped.push((skip, high));
            // Relaxed: the publish below is a Release that comes after this
            // store, so a consumer that sees any of these slots published
            // (Acquire) reads this count or a later one (coherence), and
            // then finds the range under the lock.
            self.lifecycle
                .skipped
                .store(skipped.len(), Ordering::Relaxed);
        }
        self.sequencer.publish(low, high);
    }

    /// Records `low ..= high`, taken by a claim that then gave up, as owed,
    /// and settles what it can.
    #[cold]
    fn owe(&self, low: i64, high: i64) {
        let mut owed = lock(&self.faults.owed);
        owed.push((low, high));
        // Relaxed: read only as a hint that the list (under its lock) has
        // entries; a stale zero delays a settle to the next look, and the
        // owing producer settles right below.
        self.lifecycle.owed.store(owed.len(), Ordering::Relaxed);
        drop(owed);
        self.settle();
    }

    /// Publishes as skipped every owed claim whose slots are free now
    /// (every gating consumer has passed their previous round), so that no
    /// consumer waits at the gap it left.
    #[inline]
    fn settle(&self) {
        if self.lifecycle.owed.load(Ordering::Relaxed) != 0 {
            self.settle_slow();
        }
    }

    #[cold]
    fn settle_slow(&self) {
        let mut owed = lock(&self.faults.owed);
        let gating = self.sequencer.gating_minimum();
        let capacity = self.ring.capacity() as i64;
        let mut index = 0;
        while index < owed.len() {
            let (low, high) = owed[index];
            if gating >= high - capacity {
                owed.swap_remove(index);
                // Under the lock: each owed claim is published exactly once
                // (the bitmap flips its bits).
                self.publish_skipping(low, low, high);
            } else {
                index += 1;
            }
        }
        self.lifecycle.owed.store(owed.len(), Ordering::Relaxed);
    }

    /// Whether a fault left work for a waiting consumer: an owed claim to
    /// settle, or a broken graph. One load of the lifecycle line each.
    #[inline]
    fn faulted(&self) -> bool {
        self.lifecycle.owed.load(Ordering::Relaxed) != 0
            || self.lifecycle.broken.load(Ordering::Relaxed)
    }
}

/// A consumer's copy of the skipped ranges that still lie ahead of it.
#[derive(Default)]
struct SkipCache {
    /// Ranges of [`Faults::skipped`] copied so far.
    seen: usize,
    /// Those not yet passed, in no particular order.
    ahead: Vec<(i64, i64)>,
}

impl SkipCache {
    /// Whether a batch might hold skipped sequences: no, when no fault ever
    /// skipped any (one load of a line nobody writes).
    #[inline(always)]
    fn any(&self, lifecycle: &Lifecycle) -> bool {
        // Relaxed: see `Shared::publish_skipping`; the caller has already
        // seen the batch published (Acquire).
        !self.ahead.is_empty() || lifecycle.skipped.load(Ordering::Relaxed) != self.seen
    }

    /// Copies new ranges and forgets those that end below `floor`, below
    /// which this consumer never looks again.
    #[cold]
    fn refresh(&mut self, faults: &Faults, floor: i64) {
        let skipped = lock(&faults.skipped);
        self.ahead.extend_from_slice(&skipped[self.seen..]);
        self.seen = skipped.len();
        drop(skipped);
        self.ahead.retain(|&(_, high)| high >= floor);
    }

    /// Whether `sequence` is skipped.
    #[inline]
    fn skips(&self, sequence: i64) -> bool {
        self.ahead
            .iter()
            .any(|&(low, high)| (low..=high).contains(&sequence))
    }

    /// Hands the sequences of `next ..= end` that are not skipped to
    /// `handle(sequence, last)`, `last` marking the last one handed;
    /// returns how many it handed. `floor`: as for `refresh`.
    #[cold]
    #[inline(never)]
    fn hand(
        &mut self,
        faults: &Faults,
        floor: i64,
        next: i64,
        end: i64,
        mut handle: impl FnMut(i64, bool),
    ) -> usize {
        self.refresh(faults, floor.min(next));
        let Some(last) = (next..=end).rev().find(|&s| !self.skips(s)) else {
            return 0;
        };
        let mut handed = 0;
        for sequence in next..=last {
            if !self.skips(sequence) {
                handle(sequence, sequence == last);
                handed += 1;
            }
        }
        handed
    }
}

/// What a ring over sequencer `S` is: everything but the name, summary and
/// topologies follows from the sequencer.
fn info<S: Sequencer>(
    name: &'static str,
    summary: &'static str,
    topologies: &'static [Topology],
) -> Info {
    Info::new(name, summary, topologies)
        .batching(Batching::Native)
        .capacity_power_of_two(true)
        .min_capacity(S::MIN_CAPACITY)
        .single_producer(!S::MULTI_PRODUCER)
}

/// One sequence per consumer, each at [`INITIAL`].
fn sequences(count: usize) -> Vec<Arc<Sequence>> {
    (0..count)
        .map(|_| Arc::new(Sequence::new(INITIAL)))
        .collect()
}

/// `count` producers of `shared`, waiting with clones of `waiter`.
fn producers<S: Sequencer, E>(
    shared: &Arc<Shared<S, E>>,
    count: usize,
    waiter: &Waiter,
) -> Vec<DisruptorProducer<S, E>> {
    (0..count)
        .map(|_| DisruptorProducer::new(Arc::clone(shared), waiter.clone()))
        .collect()
}

/// A disruptor with sequencer `S`.
pub struct Disruptor<S>(PhantomData<S>);

/// `single`: single-producer sequencer.
pub type Single = Disruptor<single::SingleSequencer>;
/// `lmax`: multi-producer sequencer, LMAX availability array.
pub type Lmax = Disruptor<multi::MultiSequencer<lmax::LmaxAvailability>>;
/// `bitmap`: multi-producer sequencer, availability bitmap.
pub type Bitmap = Disruptor<multi::MultiSequencer<bitmap::BitmapAvailability>>;
pub use worker_pool::{WorkerPoolAdaptive, WorkerPoolK1};

/// Sequences a consumer waits for (empty: the sequencer's), or that gate
/// the producers.
type Sequences = Box<[Arc<Sequence>]>;

/// For each consumer, the consumers it waits for (empty: the sequencer;
/// as [`Topology::upstream`] names them), and which consumers gate the
/// producers: the last stage of a pipeline or diamond, every consumer
/// otherwise.
fn graph(topology: Topology, sequences: &[Arc<Sequence>]) -> (Vec<Sequences>, Sequences) {
    let count = sequences.len();
    let upstream = (0..count)
        .map(|index| {
            sequences[topology.upstream(index, count)]
                .iter()
                .cloned()
                .collect()
        })
        .collect();
    let gating = match topology {
        Topology::Pipeline | Topology::Diamond => Box::from([Arc::clone(&sequences[count - 1])]),
        _ => sequences.iter().cloned().collect(),
    };
    (upstream, gating)
}

impl<S: Sequencer> Queue for Disruptor<S> {
    type Producer<M: Message> = DisruptorProducer<S, M>;
    type Consumer<M: Message> = DisruptorConsumer<S, M>;

    fn info() -> Info {
        let topologies: &'static [Topology] = if S::MULTI_PRODUCER {
            &[
                Topology::Spsc,
                Topology::Mpsc,
                Topology::MpmcFanout,
                Topology::Pipeline,
                Topology::Diamond,
            ]
        } else {
            &[
                Topology::Spsc,
                Topology::MpmcFanout,
                Topology::Pipeline,
                Topology::Diamond,
            ]
        };
        info::<S>(S::NAME, S::SUMMARY, topologies)
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<Self::Producer<M>, Self::Consumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        let sequences = sequences(cfg.consumers);
        let (upstream, gating) = graph(cfg.topology, &sequences);
        let shared = Shared::new(cfg, gating, M::default);
        let waiter = Waiter::new(cfg.wait, cfg.cancel.clone());
        let producers = producers(&shared, cfg.producers, &waiter);
        let stage = matches!(cfg.topology, Topology::Pipeline | Topology::Diamond);
        let consumers = sequences
            .into_iter()
            .zip(upstream)
            .map(|(sequence, upstream)| {
                DisruptorConsumer::new(
                    Arc::clone(&shared),
                    sequence,
                    upstream,
                    stage,
                    waiter.clone(),
                )
            })
            .collect();
        Ok(Endpoints {
            producers,
            consumers,
        })
    }
}
