//! What the endpoints of one disruptor share ([`Shared`]: the ring, the
//! sequencer, who is connected and what faults left behind), and a
//! consumer's copy of the skipped ranges ([`SkipCache`]).

use crossbeam_utils::CachePadded;

use super::ring_buffer::RingBuffer;
use super::sequence::{Sequence, Sequences};
use super::sequencer::Sequencer;
use crate::queue::QueueConfig;
use crate::sync::{Arc, AtomicBool, AtomicI64, AtomicUsize, Mutex, MutexGuard, Ordering};

/// Who is still connected, and whether faults left anything behind.
/// Written only when endpoints are dropped or a fault happens, so readers
/// (consumers, once per batch) share the line without contention.
pub(super) struct Lifecycle {
    pub(super) producers: AtomicUsize,
    pub(super) consumers: AtomicUsize,
    /// Set by the last producer's drop, after its last publish.
    pub(super) closed: AtomicBool,
    /// Set when a stage of a pipeline or diamond is dropped while other
    /// consumers live: the graph cannot go on.
    pub(super) broken: AtomicBool,
    /// Ranges in [`Faults::skipped`] (0 unless a fault happened).
    pub(super) skipped: AtomicUsize,
    /// Claims in [`Faults::owed`] (0 unless a fault happened).
    pub(super) owed: AtomicUsize,
    /// The lowest `next` of the runs in [`Faults::orphans`] (`i64::MAX`
    /// when there are none, as there are unless a worker was dropped).
    pub(super) orphan_low: AtomicI64,
}

/// What faults left behind, each behind its own lock; touched only after a
/// fault. Each list's length is mirrored in [`Lifecycle`], so the paths
/// without faults read one counter and never lock.
#[derive(Default)]
pub(super) struct Faults {
    /// Sequences published as skipped, `(low, high)`: no handler sees them.
    pub(super) skipped: Mutex<Vec<(i64, i64)>>,
    /// Claims given up after they took their sequences, `(low, high)`, to
    /// be published as skipped once their slots are free.
    pub(super) owed: Mutex<Vec<(i64, i64)>>,
    /// Unfinished runs of dropped workers.
    pub(super) orphans: Mutex<Vec<Run>>,
}

/// A worker's run `next ..= high` and the sequence that gates it: the
/// worker's own, or that of the dropped worker it was taken over from,
/// which keeps gating the run until it is handled.
pub(super) struct Run {
    pub(super) next: i64,
    pub(super) high: i64,
    pub(super) gate: Arc<Sequence>,
}

/// Locks `mutex`, whose data stays consistent across a panic (no user code
/// runs under these locks).
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the endpoints of one disruptor share.
pub(super) struct Shared<S, E> {
    pub(super) ring: RingBuffer<E>,
    pub(super) sequencer: S,
    pub(super) lifecycle: CachePadded<Lifecycle>,
    pub(super) faults: Faults,
}

impl<S: Sequencer, E> Shared<S, E> {
    /// The shared state of one disruptor for `cfg`: a ring of events made by
    /// `factory`, a sequencer whose producers wait for `gating`, and every
    /// endpoint counted as connected.
    pub(super) fn new(
        cfg: &QueueConfig,
        gating: Sequences,
        factory: impl FnMut() -> E,
    ) -> Arc<Self> {
        Arc::new(Shared {
            ring: RingBuffer::new(cfg.setup.capacity, factory),
            sequencer: S::new(cfg.setup.capacity, gating),
            lifecycle: CachePadded::new(Lifecycle {
                producers: AtomicUsize::new(cfg.setup.producers),
                consumers: AtomicUsize::new(cfg.setup.consumers),
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
    pub(super) fn abandoned(&self) -> bool {
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
    pub(super) fn publish_skipping(&self, low: i64, skip: i64, high: i64) {
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
    pub(super) fn owe(&self, low: i64, high: i64) {
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
    pub(super) fn settle(&self) {
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
    pub(super) fn faulted(&self) -> bool {
        self.lifecycle.owed.load(Ordering::Relaxed) != 0
            || self.lifecycle.broken.load(Ordering::Relaxed)
    }
}

/// A consumer's copy of the skipped ranges that still lie ahead of it.
#[derive(Default)]
pub(super) struct SkipCache {
    /// Ranges of [`Faults::skipped`] copied so far.
    seen: usize,
    /// Those not yet passed, in no particular order.
    ahead: Vec<(i64, i64)>,
}

impl SkipCache {
    /// Whether a batch might hold skipped sequences: no, when no fault ever
    /// skipped any (one load of a line nobody writes).
    #[inline(always)]
    pub(super) fn any(&self, lifecycle: &Lifecycle) -> bool {
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
    pub(super) fn hand(
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
