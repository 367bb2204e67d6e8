//! The producer and consumer (batch processor) of a disruptor.

use super::sequence::{Sequence, minimum};
use super::sequencer::{Refused, Sequencer};
use super::shared::{Shared, SkipCache};
use crate::message::Message;
use crate::metrics::{Counter, Metrics};
use crate::queue::{Consumed, Consumer, Producer, PublishError};
use crate::sync::{Arc, Ordering, UnsafeCell, on_unwind, read_slices};
use crate::wait::Waiter;
use core::cell::Cell;

/// The ring has no room for the batch right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the ring has fewer than {requested} free slots (capacity {capacity})")]
pub struct RingFull {
    /// Events asked for.
    pub requested: usize,
    /// Slots in the ring.
    pub capacity: usize,
}

/// A producer: claims sequences, writes their events in place, publishes.
pub struct DisruptorProducer<S: Sequencer, E> {
    shared: Arc<Shared<S, E>>,
    claimer: S::Claimer,
    waiter: Waiter,
    metrics: Metrics,
}

impl<S: Sequencer, E> DisruptorProducer<S, E> {
    pub(super) fn new(shared: Arc<Shared<S, E>>, waiter: Waiter) -> Self {
        let claimer = shared.sequencer.claimer();
        Self {
            shared,
            claimer,
            waiter,
            metrics: Metrics::default(),
        }
    }

    /// Writes `low ..= high` with `fill` (indices from `first`) and publishes.
    /// If `fill` panics, the events it wrote are published and the rest of
    /// the claim is published as skipped, so no consumer waits at the gap.
    #[inline(always)]
    fn write_and_publish(
        &mut self,
        low: i64,
        high: i64,
        first: usize,
        fill: &mut impl FnMut(usize, &mut E),
    ) {
        let shared = &*self.shared;
        let waiter = &self.waiter;
        // The sequence being written; where a panic in `fill` left off.
        let at = Cell::new(low);
        on_unwind(
            || {
                let (head, tail) = shared.ring.runs(low, (high - low + 1) as usize);
                let mut sequence = low;
                for run in [head, tail] {
                    for slot in run {
                        at.set(sequence);
                        let index = first + (sequence - low) as usize;
                        // SAFETY: `low ..= high` were claimed by this
                        // producer alone and every gating consumer has
                        // passed their previous round, so no one else
                        // touches these slots until they are published
                        // below (or by the cleanup).
                        slot.with_mut(|event| fill(index, unsafe { &mut *event }));
                        sequence += 1;
                    }
                }
            },
            || {
                shared.publish_skipping(low, at.get(), high);
                waiter.notify();
            },
        );
        shared.sequencer.publish(low, high);
        waiter.notify();
    }

    /// Publishes `n` events if the ring has room for all of them now;
    /// otherwise publishes nothing.
    pub fn try_publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut E),
    ) -> Result<(), RingFull> {
        let capacity = self.shared.ring.capacity();
        let full = RingFull {
            requested: n,
            capacity,
        };
        if n == 0 {
            return Ok(());
        }
        if n > capacity {
            return Err(full);
        }
        let high = self
            .shared
            .sequencer
            .try_claim(&mut self.claimer, n, &mut self.metrics)
            .ok_or(full)?;
        self.write_and_publish(high - n as i64 + 1, high, 0, &mut fill);
        Ok(())
    }

    /// Publishes one event if the ring has room now.
    pub fn try_publish(&mut self, fill: impl FnOnce(&mut E)) -> Result<(), RingFull> {
        let mut fill = Some(fill);
        self.try_publish_batch(1, |_, event| {
            if let Some(fill) = fill.take() {
                fill(event);
            }
        })
    }

    /// Free slots now.
    pub fn remaining_capacity(&self) -> u64 {
        self.shared.sequencer.remaining_capacity()
    }
}

impl<S: Sequencer, M: Message> Producer<M> for DisruptorProducer<S, M> {
    #[inline(always)]
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        let capacity = self.shared.ring.capacity();
        let mut done = 0;
        while done < n {
            let run = (n - done).min(capacity);
            let shared = &*self.shared;
            let high = match shared.sequencer.claim(
                &mut self.claimer,
                run,
                &self.waiter,
                || shared.abandoned(),
                &mut self.metrics,
            ) {
                Ok(high) => high,
                Err(Refused { error, taken }) => {
                    if let Some(high) = taken {
                        shared.owe(high - run as i64 + 1, high);
                        self.waiter.notify();
                    }
                    return Err(error);
                }
            };
            self.write_and_publish(high - run as i64 + 1, high, done, &mut fill);
            done += run;
        }
        Ok(())
    }

    fn metrics(&self) -> Vec<(&'static str, u64)> {
        self.metrics.report()
    }
}

impl<S: Sequencer, E> Drop for DisruptorProducer<S, E> {
    fn drop(&mut self) {
        // A claim this producer gave up may be free to settle by now.
        self.shared.settle();
        let lifecycle = &self.shared.lifecycle;
        // AcqRel: the last producer to leave sees every other producer's
        // claims and publishes (they came before their decrements) ...
        if lifecycle.producers.fetch_sub(1, Ordering::AcqRel) == 1 {
            // ... and Release passes them on to consumers that see `closed`,
            // which read the cursor after it as final. Relaxed, a consumer
            // can read a cursor from before another producer's last claim
            // and close without its message (loom:
            // lmax_last_producer_to_leave_passes_on_the_others_claims).
            lifecycle.closed.store(true, Ordering::Release);
        }
        self.waiter.notify();
    }
}

/// `count` producers of `shared`, waiting with clones of `waiter`.
pub(super) fn producers<S: Sequencer, E>(
    shared: &Arc<Shared<S, E>>,
    count: usize,
    waiter: &Waiter,
) -> Vec<DisruptorProducer<S, E>> {
    (0..count)
        .map(|_| DisruptorProducer::new(Arc::clone(shared), waiter.clone()))
        .collect()
}

/// A batch processor: waits on its barrier (the sequencer, or the consumers
/// it depends on), handles everything available up to its batch limit, and
/// stores its own sequence once per batch.
pub struct DisruptorConsumer<S: Sequencer, E> {
    shared: Arc<Shared<S, E>>,
    /// Last sequence handled; read by producers (gating) and by downstream
    /// consumers. Written only by this consumer.
    sequence: Arc<Sequence>,
    /// Next sequence to handle (`sequence + 1`, kept privately).
    next: i64,
    /// Highest sequence known to be ready for this consumer.
    available: i64,
    /// Consumers this one waits for; empty: it waits for the sequencer.
    upstream: Box<[Arc<Sequence>]>,
    /// Whether it is a stage of a pipeline or diamond (dropping it breaks
    /// the graph) rather than an independent consumer (dropping it releases
    /// its gating).
    stage: bool,
    /// Whether it has reported `Closed`: dropping it then is the normal
    /// end, not a fault.
    finished: bool,
    skips: SkipCache,
    waiter: Waiter,
    metrics: Metrics,
}

impl<S: Sequencer, E> DisruptorConsumer<S, E> {
    pub(super) fn new(
        shared: Arc<Shared<S, E>>,
        sequence: Arc<Sequence>,
        upstream: Box<[Arc<Sequence>]>,
        stage: bool,
        waiter: Waiter,
    ) -> Self {
        let next = sequence.get() + 1;
        Self {
            shared,
            sequence,
            next,
            available: next - 1,
            upstream,
            stage,
            finished: false,
            skips: SkipCache::default(),
            waiter,
            metrics: Metrics::default(),
        }
    }

    /// The highest sequence ready for this consumer now (looking at most
    /// `limit` ahead), or `None`.
    #[inline(always)]
    fn ready(
        shared: &Shared<S, E>,
        upstream: &[Arc<Sequence>],
        next: i64,
        limit: usize,
        metrics: &mut Metrics,
    ) -> Option<i64> {
        let highest = if upstream.is_empty() {
            let highest = shared.sequencer.published_from(next, limit);
            metrics.add(Counter::ScanCalls, 1);
            // Slots found published, plus the one that stopped the scan.
            metrics.add(
                Counter::ScanLength,
                (highest - next + 2).min(limit as i64) as u64,
            );
            highest
        } else {
            // Upstream consumers only pass published events.
            minimum(upstream)
        };
        (highest >= next).then_some(highest)
    }

    /// Waits (per the wait strategy) for events, then hands up to `max` of
    /// them to `handle(event, sequence, end_of_batch)` and marks them done.
    /// `max` reads as for [`Consumer::consume_batch`]: 0 counts as 1.
    /// Skipped sequences (see [`crate::disruptor`]) are passed over. If
    /// `handle` panics, the event it panicked on and those before it are
    /// marked done; the rest are handed by the next call.
    #[inline(always)]
    pub fn process_batch(&mut self, max: usize, mut handle: impl FnMut(&E, i64, bool)) -> Consumed {
        self.process_runs(max, |slots, first, ends_batch, handed| {
            let last = first + slots.len() as i64 - 1;
            for (sequence, slot) in (first..).zip(slots) {
                handed.set(sequence);
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
    /// panics, that one and those before it are marked done). The slots
    /// are published (or passed by every upstream consumer), and producers
    /// do not reuse them until this consumer's sequence passes them, after
    /// the call: `hand` may read them, and nothing writes them meanwhile.
    #[inline(always)]
    fn process_runs(
        &mut self,
        max: usize,
        mut hand: impl FnMut(&[UnsafeCell<E>], i64, bool, &Cell<i64>),
    ) -> Consumed {
        // At most the ring can be available at once; the clamp keeps
        // `next + limit - 1` below from wrapping (which would move this
        // consumer's sequence backwards) and makes 0 count as 1.
        let limit = max.clamp(1, self.shared.ring.capacity());
        loop {
            let next = self.next;
            // `available` is the highest sequence known ready; at
            // `available == next` one event is ready without a look. (`<=`
            // here would only look again, and the look's first `ready`
            // answers at once: the same behaviour, one more scan.)
            if self.available < next {
                let (shared, upstream, metrics) =
                    (&*self.shared, &*self.upstream, &mut self.metrics);
                let outcome = self.waiter.wait_for_items(|| {
                    if let Some(highest) = Self::ready(shared, upstream, next, limit, metrics) {
                        return Some(Some(highest));
                    }
                    if shared.faulted() {
                        // A broken graph will never deliver more than what is
                        // ready now: look once more, then close. Acquire:
                        // pairs with the Release of the stage that left, so
                        // the look sees its last sequence, and what it passed
                        // on before it left is handed before `Closed` (loom:
                        // pipeline_stage_leaves_mid_run, and
                        // ..._while_the_next_spins). A given-up claim may
                        // be what this consumer waits at (settled, it is
                        // ready below).
                        if shared.lifecycle.broken.load(Ordering::Acquire) {
                            return Some(Self::ready(shared, upstream, next, limit, metrics));
                        }
                        shared.settle();
                    }
                    // Acquire: every producer published before `closed` was
                    // set, so the cursor read after it is final.
                    if shared.lifecycle.closed.load(Ordering::Acquire) {
                        if next > shared.sequencer.cursor() {
                            return Some(None);
                        }
                        return Self::ready(shared, upstream, next, limit, metrics).map(Some);
                    }
                    None
                });
                match outcome {
                    Ok(Some(highest)) => self.available = highest,
                    Ok(None) => {
                        self.finished = true;
                        return Consumed::Closed;
                    }
                    Err(idle) => return idle,
                }
            }
            let end = self.available.min(next + limit as i64 - 1);
            let ring = &self.shared.ring;
            // `next ..= end` are published (or passed by every upstream
            // consumer), and producers do not reuse them until this
            // consumer's sequence passes them below.
            let at = Cell::new(next - 1);
            let handed = on_unwind(
                || {
                    if self.skips.any(&self.shared.lifecycle) {
                        self.skips
                            .hand(&self.shared.faults, next, next, end, |sequence, last| {
                                hand(ring.runs(sequence, 1).0, sequence, last, &at);
                            })
                    } else {
                        let len = (end - next + 1) as usize;
                        let (first, second) = ring.runs(next, len);
                        hand(first, next, second.is_empty(), &at);
                        if !second.is_empty() {
                            hand(second, next + first.len() as i64, true, &at);
                        }
                        len
                    }
                },
                || {
                    // The handler panicked: what it was handed is done, as
                    // below; the rest waits for the next call.
                    self.sequence.set(at.get());
                    self.next = at.get() + 1;
                    self.waiter.notify();
                },
            );
            self.sequence.set(end);
            self.next = end + 1;
            self.waiter.notify();
            if handed > 0 {
                return Consumed::Items(handed);
            }
            // Everything here was skipped: wait for more.
        }
    }
}

impl<S: Sequencer, M: Message> Consumer<M> for DisruptorConsumer<S, M> {
    #[inline(always)]
    fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&M)) -> Consumed {
        self.process_batch(max, |event, _, _| on(event))
    }

    #[inline(always)]
    fn consume_slices(&mut self, max: usize, mut on: impl FnMut(&[M])) -> Consumed {
        self.process_runs(max, |slots, first, _, handed| {
            // The whole slice counts as handed if `on` panics.
            handed.set(first + slots.len() as i64 - 1);
            // SAFETY: handed by `process_runs`, so readable here.
            unsafe { read_slices(slots, &mut on) }
        })
    }

    fn metrics(&self) -> Vec<(&'static str, u64)> {
        self.metrics.report()
    }
}

impl<S: Sequencer, E> Drop for DisruptorConsumer<S, E> {
    fn drop(&mut self) {
        let lifecycle = &self.shared.lifecycle;
        // Release: pairs with the Acquire in the producers' `abandoned`;
        // no data rides on it (a producer that sees no consumers left
        // returns `Disconnected` and touches no slot), so it is kept for
        // the flag's sake only: weakened to Relaxed, no model can tell
        // (the count still reaches every producer, by coherence). Being a
        // read-modify-write, it reads the latest count whatever its
        // ordering, so exactly one consumer finds itself the last.
        let others = lifecycle.consumers.fetch_sub(1, Ordering::Release) - 1;
        if others > 0 && !self.finished {
            if self.stage {
                // Release: this stage's sequence (stored after its last
                // hand-off) happens before `broken`, so a waiting consumer
                // that acquires `broken` hands what this stage passed on
                // before closing (see `process_runs`). Producers that
                // acquire it only return `Disconnected`. A parking wait
                // hides it (the notify after the hand-off is a SeqCst
                // fence before this store, which releases the sequence
                // too); a spinning wait's notify does nothing, and there
                // only this Release carries it (loom:
                // pipeline_stage_leaves_while_the_next_spins loses event 0
                // with Relaxed here).
                lifecycle.broken.store(true, Ordering::Release);
            } else {
                // An independent consumer: nothing depends on its
                // sequence but the producers' gating, which it leaves.
                self.sequence.set(i64::MAX);
            }
        }
        // The last consumer keeps its sequence: producers see `abandoned`
        // and fail with `Disconnected` instead of publishing into a ring
        // nobody reads.
        self.waiter.notify();
    }
}
