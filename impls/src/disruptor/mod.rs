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
    Batching, BuildError, Endpoints, Info, OrderingGuarantee, PublishError, Queue, QueueConfig,
    Topology, WaitClass,
};
use crate::sync::{Arc, AtomicBool, AtomicUsize};
use crate::wait::{WaitError, Waiter};

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
    /// consumer is left, or when the wait is cancelled.
    fn claim(
        &self,
        claimer: &mut Self::Claimer,
        n: usize,
        waiter: &Waiter,
        abandoned: impl Fn() -> bool,
        metrics: &mut Metrics,
    ) -> Result<i64, PublishError>;

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
    loop {
        let outcome = waiter.wait_until(|| {
            metrics.add(Counter::GatingReductions, 1);
            let minimum = minimum(gating);
            if minimum >= wrap_point {
                Some(Ok(minimum))
            } else {
                abandoned().then_some(Err(PublishError::Disconnected))
            }
        });
        match outcome {
            Ok(result) => return result,
            Err(WaitError::Cancelled) => return Err(PublishError::Cancelled),
            Err(WaitError::TimedOut) => {}
        }
    }
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

/// Who is still connected; written only when endpoints are dropped.
struct Lifecycle {
    producers: AtomicUsize,
    consumers: AtomicUsize,
    /// Set by the last producer's drop, after its last publish.
    closed: AtomicBool,
}

/// What the endpoints of one disruptor share.
struct Shared<S, E> {
    ring: RingBuffer<E>,
    sequencer: S,
    lifecycle: CachePadded<Lifecycle>,
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
            }),
        })
    }
}

/// What a ring over sequencer `S` is: everything but the name, summary and
/// topologies follows from the sequencer.
fn info<S: Sequencer>(
    name: &'static str,
    summary: &'static str,
    topologies: &'static [Topology],
) -> Info {
    Info {
        name,
        summary,
        topologies,
        ordering: OrderingGuarantee::GlobalFifo,
        wait_class: WaitClass::Configurable,
        batching: Batching::Native,
        fanout_emulated: false,
        capacity_power_of_two: true,
        min_capacity: S::MIN_CAPACITY,
        single_producer: !S::MULTI_PRODUCER,
        max_capacity: crate::queue::MAX_CAPACITY,
        max_producers: crate::queue::MAX_THREADS,
    }
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

/// For each consumer, the consumers it waits for (empty: the sequencer),
/// and which consumers gate the producers.
fn graph(topology: Topology, sequences: &[Arc<Sequence>]) -> (Vec<Sequences>, Sequences) {
    let count = sequences.len();
    let last = || Box::from([Arc::clone(&sequences[count - 1])]);
    match topology {
        Topology::Pipeline => {
            let upstream = (0..count)
                .map(|index| {
                    if index == 0 {
                        Box::from([])
                    } else {
                        Box::from([Arc::clone(&sequences[index - 1])])
                    }
                })
                .collect();
            (upstream, last())
        }
        Topology::Diamond => {
            let mut upstream: Vec<Sequences> = (0..count - 1).map(|_| Box::from([])).collect();
            upstream.push(sequences[..count - 1].iter().cloned().collect());
            (upstream, last())
        }
        _ => (
            (0..count).map(|_| Box::from([])).collect(),
            sequences.iter().cloned().collect(),
        ),
    }
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
        let consumers = sequences
            .into_iter()
            .zip(upstream)
            .map(|(sequence, upstream)| {
                DisruptorConsumer::new(Arc::clone(&shared), sequence, upstream, waiter.clone())
            })
            .collect();
        Ok(Endpoints {
            producers,
            consumers,
        })
    }
}
