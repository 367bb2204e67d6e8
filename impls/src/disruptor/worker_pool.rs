//! `worker_pool` and `worker_pool_k1`: a disruptor worker pool, each event
//! processed by exactly one worker.
//!
//! After LMAX's `WorkerPool`: producers publish into the ring through the
//! multi-producer sequencer (LMAX availability array); workers share a
//! *work cursor*, the highest sequence any worker has taken. The classic
//! design takes one sequence per atomic operation, so every event costs a
//! contended read-modify-write on one cache line and throughput falls as
//! workers are added; LMAX dropped its pool for that reason. Here a worker
//! takes a *run* of `k` sequences with one `fetch_add` and processes the
//! published part of its run as a batch. `k` adapts to the load: a fair
//! share of what producers have claimed beyond the work cursor (`claimed /
//! workers`), at least 1 and at most the batch limit and the ring. With
//! little waiting, runs are short (latency and balance); under load they
//! grow and the shared cursor is touched once per run. `worker_pool_k1`
//! fixes `k = 1`: the classic design, kept for comparison.
//!
//! Gating: each worker's sequence says "everything I may still touch is
//! above this". On taking a run `low ..= high` a worker stores `low - 1`
//! (it will touch nothing lower, so an idle worker never holds producers
//! back), and after each batch the last sequence it finished. Producers
//! reuse a slot only when every worker's sequence has passed it. The work
//! cursor is never below any worker's sequence, so LMAX's practice of also
//! gating on it would never change the minimum, and it is left out.
//!
//! Closing: once every producer is gone, the claim cursor is final. A
//! worker whose run straddles it processes up to it; a worker whose run
//! starts past it is done. Every sequence up to the final one lies in
//! exactly one run, so every published event is processed exactly once.

use core::marker::PhantomData;

use super::endpoints::DisruptorProducer;
use super::lmax::LmaxAvailability;
use super::multi::MultiSequencer;
use super::sequence::{INITIAL, Sequence};
use super::{Sequencer, Shared, info, producers, sequences};
use crate::message::Message;
use crate::metrics::{Counter, Metrics};
use crate::queue::{BuildError, Consumed, Consumer, Endpoints, Info, Queue, QueueConfig, Topology};
use crate::sync::{Arc, Ordering};
use crate::wait::Waiter;

/// Run length chosen per claim from the load.
pub const ADAPTIVE: usize = 0;

/// A sequencer whose availability record a worker pool may trust.
///
/// The work cursor runs ahead of the claim cursor while workers wait, so a
/// worker may ask whether a sequence is published while the producers are
/// still rounds behind it (at most about one round per worker, each
/// holding one run of at most the ring). Ordinary consumers never ask more
/// than one round ahead. The answer must be exact however far ahead the
/// worker is:
///
/// - LMAX's availability array stores each slot's round, so a slot still
///   holding any earlier round reads as unpublished (an `i32` round repeats
///   only after 2^31 rounds);
/// - the bitmap stores one bit per slot, the round's parity, so a slot two
///   rounds behind reads as published and a worker would hand out a stale
///   event. It does not implement this trait, and a pool over it does not
///   compile:
///
/// ```compile_fail
/// use impls::Queue;
/// use impls::disruptor::bitmap::BitmapAvailability;
/// use impls::disruptor::multi::MultiSequencer;
/// use impls::disruptor::worker_pool::{ADAPTIVE, WorkerPool};
///
/// WorkerPool::<MultiSequencer<BitmapAvailability>, ADAPTIVE>::info();
/// ```
///
/// while the same over LMAX's array does:
///
/// ```
/// use impls::Queue;
/// use impls::disruptor::lmax::LmaxAvailability;
/// use impls::disruptor::multi::MultiSequencer;
/// use impls::disruptor::worker_pool::{ADAPTIVE, WorkerPool};
///
/// assert_eq!(WorkerPool::<MultiSequencer<LmaxAvailability>, ADAPTIVE>::info().name, "worker_pool");
/// ```
pub trait WorkSharing: Sequencer {}

impl WorkSharing for MultiSequencer<LmaxAvailability> {}

/// A worker pool over sequencer `S`, taking runs of `RUN` sequences
/// (`ADAPTIVE`: chosen per claim).
pub struct WorkerPool<S: WorkSharing, const RUN: usize>(PhantomData<S>);

/// `worker_pool`: adaptive runs.
pub type WorkerPoolAdaptive = WorkerPool<MultiSequencer<LmaxAvailability>, ADAPTIVE>;
/// `worker_pool_k1`: one sequence per claim (the classic design).
pub type WorkerPoolK1 = WorkerPool<MultiSequencer<LmaxAvailability>, 1>;

/// A worker: takes runs from the shared work cursor and processes them.
pub struct Worker<S: Sequencer, E, const RUN: usize> {
    shared: Arc<Shared<S, E>>,
    /// Highest sequence any worker has taken. Written by every worker.
    work: Arc<Sequence>,
    /// Everything this worker may still touch is above it. Written only by
    /// this worker; read by producers (gating).
    sequence: Arc<Sequence>,
    /// Next sequence of the current run; `next > high` means no run.
    next: i64,
    /// Last sequence of the current run.
    high: i64,
    workers: i64,
    waiter: Waiter,
    metrics: Metrics,
}

impl<S: WorkSharing, const RUN: usize> Queue for WorkerPool<S, RUN> {
    type Producer<M: Message> = DisruptorProducer<S, M>;
    type Consumer<M: Message> = Worker<S, M, RUN>;

    fn info() -> Info {
        let (name, summary) = if RUN == ADAPTIVE {
            (
                "worker_pool",
                "disruptor worker pool: workers take adaptive runs from a shared work cursor",
            )
        } else {
            (
                "worker_pool_k1",
                "disruptor worker pool, one sequence per claim (the classic design)",
            )
        };
        info::<S>(
            name,
            summary,
            &[Topology::Spsc, Topology::Mpsc, Topology::MpmcWorkerPool],
        )
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<Self::Producer<M>, Self::Consumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        let sequences = sequences(cfg.consumers);
        // Every worker gates the producers.
        let shared = Shared::new(cfg, sequences.iter().cloned().collect(), M::default);
        let work = Arc::new(Sequence::new(INITIAL));
        let waiter = Waiter::new(cfg.wait, cfg.cancel.clone());
        let producers = producers(&shared, cfg.producers, &waiter);
        let consumers = sequences
            .into_iter()
            .map(|sequence| Worker {
                shared: Arc::clone(&shared),
                work: Arc::clone(&work),
                sequence,
                next: 0,
                high: INITIAL,
                workers: cfg.consumers as i64,
                waiter: waiter.clone(),
                metrics: Metrics::default(),
            })
            .collect();
        Ok(Endpoints {
            producers,
            consumers,
        })
    }
}

impl<S: Sequencer, E, const RUN: usize> Worker<S, E, RUN> {
    /// How many sequences to take now, for a batch limit of `limit`
    /// (`1 ..= capacity`).
    #[inline(always)]
    fn run_length(&self, limit: usize) -> usize {
        if RUN != ADAPTIVE {
            return RUN.min(limit);
        }
        if limit == 1 {
            // Nothing to adapt; reading the two contended cursors below
            // would only cost.
            return 1;
        }
        let claimed_ahead = self.shared.sequencer.cursor() - self.work.get();
        usize::try_from(claimed_ahead / self.workers)
            .unwrap_or(0)
            .clamp(1, limit)
    }

    /// Takes a run if the last one is done, waits until part of it is
    /// published, then hands up to `max` events to `handle(event, sequence,
    /// end_of_batch)`. `max` reads as for [`Consumer::consume_batch`]: 0
    /// counts as 1.
    #[inline]
    pub fn process_batch(&mut self, max: usize, mut handle: impl FnMut(&E, i64, bool)) -> Consumed {
        // Runs are 1 to `capacity` long.
        let max = max.clamp(1, self.shared.ring.capacity());
        if self.next > self.high {
            let run = self.run_length(max);
            self.high = self.work.add(run as i64);
            self.next = self.high - run as i64 + 1;
            // Nothing below the new run is this worker's any more; that can
            // be what a producer parked on a full ring waits for, so say so
            // (loom found the lost wake-up when this signal was missing).
            self.sequence.set(self.next - 1);
            self.waiter.notify();
            self.metrics.add(Counter::WorkClaims, 1);
        }
        let next = self.next;
        let limit = ((self.high - next + 1) as usize).min(max);
        let shared = &*self.shared;
        let mut end = shared.sequencer.published_from(next, limit);
        if end < next {
            self.metrics.add(Counter::IdleWaits, 1);
            let outcome = self.waiter.wait_until(|| {
                let end = shared.sequencer.published_from(next, limit);
                if end >= next {
                    return Some(Some(end));
                }
                // Acquire: every producer published before `closed` was set,
                // so the cursor read after it is final.
                if shared.lifecycle.closed.load(Ordering::Acquire)
                    && next > shared.sequencer.cursor()
                {
                    return Some(None);
                }
                None
            });
            end = match outcome {
                Ok(Some(end)) => end,
                Ok(None) => return Consumed::Closed,
                Err(_) => return Consumed::Idle,
            };
        }
        for sequence in next..=end {
            // SAFETY: `sequence` lies in this worker's run (no other worker
            // takes it) and is published; producers do not reuse its slot
            // until this worker's sequence passes it below.
            shared
                .ring
                .slot(sequence)
                .with(|event| handle(unsafe { &*event }, sequence, sequence == end));
        }
        self.sequence.set(end);
        self.next = end + 1;
        self.waiter.notify();
        Consumed::Items((end - next + 1) as usize)
    }
}

impl<S: Sequencer, M: Message, const RUN: usize> Consumer<M> for Worker<S, M, RUN> {
    #[inline(always)]
    fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&M)) -> Consumed {
        self.process_batch(max, |event, _, _| on(event))
    }

    fn metrics(&self) -> Vec<(&'static str, u64)> {
        self.metrics.report()
    }
}

impl<S: Sequencer, E, const RUN: usize> Drop for Worker<S, E, RUN> {
    fn drop(&mut self) {
        // Release: pairs with the producers' Acquire check for consumers.
        self.shared
            .lifecycle
            .consumers
            .fetch_sub(1, Ordering::Release);
        self.waiter.notify();
    }
}
