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
//!
//! A dropped worker (or one whose handler panicked, which then counts the
//! event it panicked on as handled) leaves its unfinished runs as
//! *orphans*, still gated by its sequence. A worker taking a new run takes
//! an orphan first; a worker waiting for its own run takes over any orphan
//! below it, setting its own run aside, since producers may be waiting for
//! that orphan's slots to be passed before they can publish the ones it
//! waits for. When an orphan is handled, its sequence stops gating
//! (`i64::MAX`). A dropped worker that held no run simply stops gating.
//! A worker reports `Closed` as soon as its own run lies past the final
//! cursor and no orphan is left, without waiting for the others (a worker
//! that never takes a run must not hold the rest back). So a worker
//! dropped with published events of its run unhanded after every other
//! worker has reported `Closed` loses them (the oracle counts them). Its
//! run gates the producers, so this can only happen to events among the
//! last `capacity` published.

use core::marker::PhantomData;

use super::endpoints::{DisruptorProducer, producers};
use super::lmax::LmaxAvailability;
use super::multi::MultiSequencer;
use super::sequence::{INITIAL, Sequence, sequences};
use super::sequencer::{Sequencer, info};
use super::shared::{Run, Shared, SkipCache, lock};
use crate::message::Message;
use crate::metrics::{Counter, Metrics};
use crate::queue::{BuildError, Consumed, Consumer, Endpoints, Info, Queue, QueueConfig, Topology};
use crate::sync::{Arc, Ordering, UnsafeCell, read_slices};
use crate::wait::Waiter;

/// Run length chosen per claim from the load.
pub const ADAPTIVE: usize = 0;

/// How many sequences a worker takes per claim, and what a pool that
/// claims so is called: the pool's name comes from its type.
pub trait Claims: 'static {
    /// Sequences per claim, or [`ADAPTIVE`] (chosen per claim from the
    /// load).
    const RUN: usize;
    /// The pool's name in scenarios, tables and results.
    const NAME: &'static str;
    /// One line on the pool.
    const SUMMARY: &'static str;
}

/// Runs chosen per claim from the load: `worker_pool`.
pub struct Adaptive;

impl Claims for Adaptive {
    const RUN: usize = ADAPTIVE;
    const NAME: &'static str = "worker_pool";
    const SUMMARY: &'static str =
        "disruptor worker pool: workers take adaptive runs from a shared work cursor";
}

/// One sequence per claim, the classic design: `worker_pool_k1`.
pub struct OnePerClaim;

impl Claims for OnePerClaim {
    const RUN: usize = 1;
    const NAME: &'static str = "worker_pool_k1";
    const SUMMARY: &'static str =
        "disruptor worker pool, one sequence per claim (the classic design)";
}

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
/// use impls::disruptor::worker_pool::{Adaptive, WorkerPool};
///
/// WorkerPool::<MultiSequencer<BitmapAvailability>, Adaptive>::info();
/// ```
///
/// while the same over LMAX's array does:
///
/// ```
/// use impls::Queue;
/// use impls::disruptor::lmax::LmaxAvailability;
/// use impls::disruptor::multi::MultiSequencer;
/// use impls::disruptor::worker_pool::{Adaptive, WorkerPool};
///
/// assert_eq!(WorkerPool::<MultiSequencer<LmaxAvailability>, Adaptive>::info().name, "worker_pool");
/// ```
pub trait WorkSharing: Sequencer {}

impl WorkSharing for MultiSequencer<LmaxAvailability> {}

/// A worker pool over sequencer `S`, claiming as `C` says.
pub struct WorkerPool<S: WorkSharing, C: Claims>(PhantomData<(S, fn() -> C)>);

/// `worker_pool`: adaptive runs.
pub type WorkerPoolAdaptive = WorkerPool<MultiSequencer<LmaxAvailability>, Adaptive>;
/// `worker_pool_k1`: one sequence per claim (the classic design).
pub type WorkerPoolK1 = WorkerPool<MultiSequencer<LmaxAvailability>, OnePerClaim>;

/// A worker: takes runs from the shared work cursor and processes them.
pub struct Worker<S: Sequencer, E, C: Claims> {
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
    /// The gate of the current run when it was taken over from a dropped
    /// worker (`None`: the run is this worker's own, gated by `sequence`).
    adopted: Option<Arc<Sequence>>,
    /// Runs set aside to take over an orphan below them, innermost last.
    suspended: Vec<Run>,
    workers: i64,
    skips: SkipCache,
    waiter: Waiter,
    metrics: Metrics,
    /// How it claims (the pool's `C`).
    claims: PhantomData<fn() -> C>,
}

/// What a waiting worker woke for.
enum Wake {
    /// Its run is published up to here.
    Ready(i64),
    /// The producers are gone and nothing is left in its run.
    Past,
    /// A dropped worker's run lies below its own.
    Orphan,
}

/// On unwind out of a handler, marks the event it panicked on, and those
/// before it, as handed; on return, the whole batch.
struct Handed<'a> {
    next: &'a mut i64,
    at: i64,
}

impl Drop for Handed<'_> {
    fn drop(&mut self) {
        *self.next = self.at + 1;
    }
}

impl<S: WorkSharing, C: Claims> Queue for WorkerPool<S, C> {
    type Producer<M: Message> = DisruptorProducer<S, M>;
    type Consumer<M: Message> = Worker<S, M, C>;

    fn info() -> Info {
        info::<S>(
            C::NAME,
            C::SUMMARY,
            &[Topology::Spsc, Topology::Mpsc, Topology::MpmcWorkerPool],
        )
        // A dropped worker's unfinished run goes to the others as an orphan.
        .takes_over(true)
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<Self::Producer<M>, Self::Consumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        let sequences = sequences(cfg.setup.consumers);
        // Every worker gates the producers.
        let shared = Shared::new(cfg, sequences.iter().cloned().collect(), M::default);
        let work = Arc::new(Sequence::new(INITIAL));
        let waiter = Waiter::new(cfg.setup.wait, cfg.cancel.clone());
        let producers = producers(&shared, cfg.setup.producers, &waiter);
        let consumers = sequences
            .into_iter()
            .map(|sequence| Worker {
                shared: Arc::clone(&shared),
                work: Arc::clone(&work),
                sequence,
                next: 0,
                high: INITIAL,
                adopted: None,
                suspended: Vec::new(),
                workers: cfg.setup.consumers as i64,
                skips: SkipCache::default(),
                waiter: waiter.clone(),
                metrics: Metrics::default(),
                claims: PhantomData,
            })
            .collect();
        Ok(Endpoints {
            producers,
            consumers,
        })
    }
}

impl<S: Sequencer, E, C: Claims> Worker<S, E, C> {
    /// How many sequences to take now, for a batch limit of `limit`
    /// (`1 ..= capacity`).
    #[inline(always)]
    fn run_length(&self, limit: usize) -> usize {
        if C::RUN != ADAPTIVE {
            return C::RUN.min(limit);
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

    /// Starts the next run once the current one is done: a run set aside,
    /// else an orphan, else a new run from the work cursor.
    #[inline(always)]
    fn next_run(&mut self, max: usize) {
        if (self.adopted.is_some() || !self.suspended.is_empty() || self.orphaned())
            && self.next_run_after_fault()
        {
            return;
        }
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

    /// Whether a dropped worker left a run (a hint; the list is read under
    /// its lock).
    #[inline(always)]
    fn orphaned(&self) -> bool {
        self.shared.lifecycle.orphan_low.load(Ordering::Relaxed) != i64::MAX
    }

    /// Releases a finished run taken over from a dropped worker, then
    /// resumes a run set aside or takes over an orphan; false when there
    /// is neither.
    #[cold]
    fn next_run_after_fault(&mut self) -> bool {
        if let Some(gate) = self.adopted.take() {
            // Handled: the dropped worker's sequence gates nothing more.
            gate.set(i64::MAX);
            self.waiter.notify();
        }
        if let Some(run) = self.suspended.pop() {
            self.resume(run);
            return true;
        }
        self.adopt_below(i64::MAX)
    }

    /// Makes `run` the current one.
    fn resume(&mut self, run: Run) {
        self.next = run.next;
        self.high = run.high;
        self.adopted = (!Arc::ptr_eq(&run.gate, &self.sequence)).then_some(run.gate);
    }

    /// Takes over the lowest orphan if it starts below `below`, setting the
    /// current run aside if it is unfinished; false when there is none.
    #[cold]
    fn adopt_below(&mut self, below: i64) -> bool {
        let lifecycle = &self.shared.lifecycle;
        let mut orphans = lock(&self.shared.faults.orphans);
        let Some(lowest) = (0..orphans.len()).min_by_key(|&i| orphans[i].next) else {
            return false;
        };
        // `below` is `i64::MAX` or this worker's own `next`, a sequence of
        // its current run; an orphan is another run, and runs never share a
        // sequence, so an orphan never starts exactly at `below` (`>` here
        // is equivalent, so no mutant).
        if orphans[lowest].next >= below {
            return false;
        }
        let orphan = orphans.swap_remove(lowest);
        let low = orphans.iter().map(|run| run.next).min().unwrap_or(i64::MAX);
        // Relaxed: a hint for waiting workers; the list is under the lock.
        lifecycle.orphan_low.store(low, Ordering::Relaxed);
        drop(orphans);
        // Unfinished, even with one event left (`next == high`): that one
        // must be set aside too, or it is lost (loom:
        // worker_pool_takeover_sets_aside_the_last_event_of_its_run).
        if self.next <= self.high {
            let gate = self
                .adopted
                .take()
                .unwrap_or_else(|| Arc::clone(&self.sequence));
            self.suspended.push(Run {
                next: self.next,
                high: self.high,
                gate,
            });
        } else {
            // This worker has no run of its own: its sequence must not hold
            // back the producers that the orphan's unpublished part waits
            // for. The work cursor is past the orphan, so every later run
            // of this worker starts above the orphan's end too.
            let own = self.sequence.get().max(orphan.high);
            self.sequence.set(own);
        }
        self.metrics.add(Counter::WorkClaims, 1);
        self.resume(orphan);
        true
    }

    /// Takes a run if the last one is done, waits until part of it is
    /// published, then hands up to `max` events to `handle(event, sequence,
    /// end_of_batch)`. `max` reads as for [`Consumer::consume_batch`]: 0
    /// counts as 1. Skipped sequences (see [`crate::disruptor`]) are passed
    /// over. If `handle` panics, the event it panicked on and those before
    /// it count as handed (the rest of the run is taken over by the other
    /// workers when this one is dropped).
    #[inline(always)]
    pub fn process_batch(&mut self, max: usize, mut handle: impl FnMut(&E, i64, bool)) -> Consumed {
        self.process_runs(max, |slots, first, ends_batch, handed| {
            let last = first + slots.len() as i64 - 1;
            for (sequence, slot) in (first..).zip(slots) {
                *handed = sequence;
                slot.with(|event| {
                    // SAFETY: handed by `process_runs`, so readable here.
                    let event = unsafe { &*event };
                    handle(event, sequence, ends_batch && sequence == last)
                });
            }
        })
    }

    /// As [`process_batch`](Self::process_batch), handing the events as
    /// runs of consecutive slots: `hand(slots, first_sequence, ends_batch,
    /// handed)`, once or more per call, where `hand` sets `handed` to the
    /// last sequence it has handed on before it hands it on (if `hand`
    /// panics, that one and those before it count as handed). The slots
    /// lie in this worker's run (no other worker takes them) and are
    /// published, and producers do not reuse them until the run's gate
    /// passes them, after the call: `hand` may read them, and nothing
    /// writes them meanwhile.
    #[inline(always)]
    fn process_runs(
        &mut self,
        max: usize,
        mut hand: impl FnMut(&[UnsafeCell<E>], i64, bool, &mut i64),
    ) -> Consumed {
        // Runs are 1 to `capacity` long.
        let max = max.clamp(1, self.shared.ring.capacity());
        loop {
            if self.next > self.high {
                self.next_run(max);
            }
            let next = self.next;
            let limit = ((self.high - next + 1) as usize).min(max);
            let shared = &*self.shared;
            let mut end = shared.sequencer.published_from(next, limit);
            // `<=` would wait at `end == next`, and the wait's first look
            // finds the event: one more look, equivalent.
            if end < next {
                self.metrics.add(Counter::IdleWaits, 1);
                let outcome = self.waiter.wait_for_items(|| {
                    let end = shared.sequencer.published_from(next, limit);
                    if end >= next {
                        return Some(Wake::Ready(end));
                    }
                    // Acquire: every producer published before `closed` was
                    // set, so the cursor read after it is final.
                    if shared.lifecycle.closed.load(Ordering::Acquire)
                        && next > shared.sequencer.cursor()
                    {
                        return Some(Wake::Past);
                    }
                    // Relaxed: a hint; the list is read under its lock. (`<=`:
                    // no orphan starts at this worker's `next`; equivalent.)
                    if shared.lifecycle.orphan_low.load(Ordering::Relaxed) < next {
                        return Some(Wake::Orphan);
                    }
                    // A given-up claim may be what this run waits for.
                    shared.settle();
                    None
                });
                end = match outcome {
                    Ok(Wake::Ready(end)) => end,
                    Ok(Wake::Past) => {
                        // Nothing will ever be published in the rest of this
                        // run; go on with any other run this worker can take.
                        self.next = self.high + 1;
                        if self.adopted.is_some() || !self.suspended.is_empty() || self.orphaned() {
                            continue;
                        }
                        return Consumed::Closed;
                    }
                    Ok(Wake::Orphan) => {
                        self.adopt_below(next);
                        continue;
                    }
                    Err(idle) => return idle,
                };
            }
            let gate = self.adopted.as_deref().unwrap_or(&*self.sequence);
            let mut handed = Handed {
                next: &mut self.next,
                at: next - 1,
            };
            // `next ..= end` lie in this worker's run (no other worker
            // takes them) and are published; producers do not reuse their
            // slots until the run's gate passes them below.
            let count = if self.skips.any(&shared.lifecycle) {
                // A worker may go back to a lower run (one set aside, or
                // taken over), so it keeps every range some worker may still
                // reach: above the lowest gate.
                let floor = shared.sequencer.gating_minimum().saturating_add(1);
                self.skips
                    .hand(&shared.faults, floor, next, end, |sequence, last| {
                        hand(
                            shared.ring.runs(sequence, 1).0,
                            sequence,
                            last,
                            &mut handed.at,
                        );
                    })
            } else {
                let len = (end - next + 1) as usize;
                let (first, second) = shared.ring.runs(next, len);
                hand(first, next, second.is_empty(), &mut handed.at);
                if !second.is_empty() {
                    hand(second, next + first.len() as i64, true, &mut handed.at);
                }
                len
            };
            handed.at = end;
            drop(handed);
            gate.set(end);
            self.waiter.notify();
            if count > 0 {
                return Consumed::Items(count);
            }
            // Everything here was skipped: go on.
        }
    }
}

impl<S: Sequencer, M: Message, C: Claims> Consumer<M> for Worker<S, M, C> {
    #[inline(always)]
    fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&M)) -> Consumed {
        self.process_batch(max, |event, _, _| on(event))
    }

    #[inline(always)]
    fn consume_slices(&mut self, max: usize, mut on: impl FnMut(&[M])) -> Consumed {
        self.process_runs(max, |slots, first, _, handed| {
            // The whole slice counts as handed if `on` panics.
            *handed = first + slots.len() as i64 - 1;
            // SAFETY: handed by `process_runs`, so readable here.
            unsafe { read_slices(slots, &mut on) }
        })
    }

    fn metrics(&self) -> Vec<(&'static str, u64)> {
        self.metrics.report()
    }
}

impl<S: Sequencer, E, C: Claims> Drop for Worker<S, E, C> {
    fn drop(&mut self) {
        let shared = &*self.shared;
        // Release: pairs with the producers' Acquire check for consumers.
        // Being a read-modify-write, it reads the latest count whatever its
        // ordering, so exactly one worker finds itself the last. No data
        // rides on the pairing: a producer that sees no worker left returns
        // `Disconnected` and touches no slot, and the runs this worker
        // leaves are handed over under the orphans' lock, not through the
        // count. `Relaxed` here passes every model
        // (`worker_pool_dropped_worker_run_is_taken_over` among them):
        // equivalent, so no mutant.
        let others = shared.lifecycle.consumers.fetch_sub(1, Ordering::Release) - 1;
        if others > 0 {
            // Hand every unfinished run to the others, each with its gate;
            // release the gates of the rest.
            let mut runs = core::mem::take(&mut self.suspended);
            let gate = self.adopted.take();
            if self.next <= self.high {
                let gate = gate.unwrap_or_else(|| Arc::clone(&self.sequence));
                runs.push(Run {
                    next: self.next,
                    high: self.high,
                    gate,
                });
            } else if let Some(gate) = gate {
                gate.set(i64::MAX);
            }
            if !runs
                .iter()
                .any(|run| Arc::ptr_eq(&run.gate, &self.sequence))
            {
                self.sequence.set(i64::MAX);
            }
            if !runs.is_empty() {
                let mut orphans = lock(&shared.faults.orphans);
                orphans.append(&mut runs);
                let low = orphans.iter().map(|run| run.next).min().unwrap_or(i64::MAX);
                // Relaxed: a hint for the workers; they read the list under
                // its lock.
                shared.lifecycle.orphan_low.store(low, Ordering::Relaxed);
            }
        }
        // The last worker keeps its gate: producers see no consumer left and
        // fail with `Disconnected` instead of publishing into a ring nobody
        // reads.
        self.waiter.notify();
    }
}
