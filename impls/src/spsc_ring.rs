//! `spsc_ring`: a bounded single-producer single-consumer ring buffer.
//!
//! Lamport's circular buffer, with the refinements that make it fast on
//! modern caches: each index lives in its own cache line, and each side keeps
//! a private copy of the other side's index that it refreshes only when the
//! copy says it must wait (the "cached remote index" of rigtorp's
//! `SPSCQueue` and of rtrb). Batches are written and read in place, and each
//! batch costs one index store.
//!
//! Positions are unbounded counters (wrapping `usize`); a slot is
//! `position & mask`, so the capacity is a power of two.
//!
//! Memory orderings: the producer writes slots, then stores `tail` with
//! `Release`; the consumer loads `tail` with `Acquire` before reading those
//! slots. Symmetrically the consumer stores `head` with `Release` after its
//! reads, and the producer loads `head` with `Acquire` before overwriting the
//! freed slots, so a slot is never rewritten while it is being read.
//! Guarantee: FIFO (one producer, so per-producer and global order coincide).

use core::cell::Cell;

use crossbeam_utils::CachePadded;

use crate::message::Message;
use crate::queue::{
    Batching, BuildError, Consumed, Consumer, Endpoints, Info, Producer, PublishError, Queue,
    QueueConfig, Topology,
};
use crate::runs::wrapped;
use crate::sync::{Arc, AtomicBool, AtomicUsize, Ordering, UnsafeCell, on_unwind, read_slices};
use crate::wait::Waiter;

/// The `spsc_ring` implementation.
pub struct SpscRing;

struct Shared<M> {
    /// Next position the consumer will read. Written only by the consumer.
    head: CachePadded<AtomicUsize>,
    /// Next position the producer will write. Written only by the producer.
    /// Invariant: `head <= tail <= head + capacity` (as wrapping distances).
    tail: CachePadded<AtomicUsize>,
    /// Set once by the producer's drop, after its last `tail` store.
    producer_gone: CachePadded<AtomicBool>,
    /// Set once by the consumer's drop.
    consumer_gone: CachePadded<AtomicBool>,
    /// `capacity` pre-initialised slots.
    slots: Box<[UnsafeCell<M>]>,
    /// `capacity - 1`.
    mask: usize,
}

impl<M> Shared<M> {
    /// The slots of positions `start .. start + len`, as one or two
    /// contiguous runs (see [`wrapped`]).
    #[inline(always)]
    fn runs(&self, start: usize, len: usize) -> (&[UnsafeCell<M>], &[UnsafeCell<M>]) {
        wrapped(&self.slots, start, len)
    }
}

// SAFETY: slots are only reached through `UnsafeCell::with`/`with_mut` under
// the head/tail protocol above, which gives each slot to exactly one side at a
// time; the messages themselves are `Send`.
unsafe impl<M: Send> Sync for Shared<M> {}

/// Sending end of an [`SpscRing`].
pub struct SpscProducer<M> {
    shared: Arc<Shared<M>>,
    /// Private copy of `shared.tail` (this side is its only writer).
    tail: usize,
    /// Last `shared.head` seen; never ahead of the real one.
    cached_head: usize,
    waiter: Waiter,
}

/// Receiving end of an [`SpscRing`].
pub struct SpscConsumer<M> {
    shared: Arc<Shared<M>>,
    /// Private copy of `shared.head` (this side is its only writer).
    head: usize,
    /// Last `shared.tail` seen; never ahead of the real one.
    cached_tail: usize,
    waiter: Waiter,
}

impl Queue for SpscRing {
    type Producer<M: Message> = SpscProducer<M>;
    type Consumer<M: Message> = SpscConsumer<M>;

    fn info() -> Info {
        Info::new(
            "spsc_ring",
            "Lamport ring with cached remote indices and in-place batches",
            &[Topology::Spsc],
        )
        .batching(Batching::Native)
        .capacity_power_of_two(true)
        .single_producer(true)
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<SpscProducer<M>, SpscConsumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        let shared = Arc::new(Shared {
            head: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(AtomicUsize::new(0)),
            producer_gone: CachePadded::new(AtomicBool::new(false)),
            consumer_gone: CachePadded::new(AtomicBool::new(false)),
            slots: (0..cfg.setup.capacity)
                .map(|_| UnsafeCell::new(M::default()))
                .collect(),
            mask: cfg.setup.capacity - 1,
        });
        let waiter = Waiter::new(cfg.setup.wait, cfg.cancel.clone());
        Ok(Endpoints {
            producers: vec![SpscProducer {
                shared: Arc::clone(&shared),
                tail: 0,
                cached_head: 0,
                waiter: waiter.clone(),
            }],
            consumers: vec![SpscConsumer {
                shared,
                head: 0,
                cached_tail: 0,
                waiter,
            }],
        })
    }
}

impl<M: Message> Producer<M> for SpscProducer<M> {
    #[inline(always)]
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        let shared = &*self.shared;
        let capacity = shared.mask + 1;
        let mut done = 0;
        while done < n {
            // Room for exactly what is left needs no fresh look (`<=` would
            // take one, and its first look succeeds: equivalent). The room
            // test below is exact: with `<=` a full ring counts as having
            // room, and the loop spins on an empty run for good (loom: the
            // branch bound, in every spsc_ring model).
            if capacity - self.tail.wrapping_sub(self.cached_head) < n - done {
                let tail = self.tail;
                self.cached_head = self.waiter.wait_for_room(
                    || {
                        // Acquire: the consumer's reads of the slots it
                        // freed happen before we overwrite them.
                        let head = shared.head.load(Ordering::Acquire);
                        (tail.wrapping_sub(head) < capacity).then_some(head)
                    },
                    // Relaxed: only tells us to stop; no data rides on it.
                    || shared.consumer_gone.load(Ordering::Relaxed),
                )?;
            }
            let free = capacity - self.tail.wrapping_sub(self.cached_head);
            let run = free.min(n - done);
            let (first, second) = shared.runs(self.tail, run);
            for (index, slot) in (done..).zip(first.iter().chain(second)) {
                // SAFETY: positions tail .. tail + run are free (at most
                // `capacity` ahead of the head we acquired), so the consumer
                // does not touch these slots until we release them below.
                slot.with_mut(|message| fill(index, unsafe { &mut *message }));
            }
            self.tail = self.tail.wrapping_add(run);
            // Release: the slot writes above happen before the consumer's
            // Acquire load of `tail` that makes them visible.
            shared.tail.store(self.tail, Ordering::Release);
            self.waiter.notify();
            done += run;
        }
        Ok(())
    }
}

impl<M: Message> SpscConsumer<M> {
    /// Waits for messages, then hands up to `max` of them to `hand` as the
    /// slots' one or two contiguous runs, and releases them. The slots are
    /// published, and the producer does not write them until they are
    /// released, after `hand` returns: `hand` may read them. `hand` adds
    /// to `handed` each message it is about to hand on: if it panics, those
    /// are released (consumed) and the rest stay for the next call.
    #[inline(always)]
    fn consume_with(
        &mut self,
        max: usize,
        hand: impl FnOnce(&[UnsafeCell<M>], &[UnsafeCell<M>], &Cell<usize>),
    ) -> Consumed {
        // 0 counts as 1 (the trait's contract): `Items` is never empty.
        let max = max.max(1);
        let shared = &*self.shared;
        let head = self.head;
        // Exactly `max` cached needs no fresh look (`<=` would take one,
        // which finds the tail past `head` at once: equivalent).
        if self.cached_tail.wrapping_sub(head) < max {
            // `wait_until` and its `WaitError`, not `wait_for_items`: with
            // an earlier form of that helper (its own loop, inlined) this
            // loop ran at half the speed at batch 1 in a hand-made A/B of
            // two binaries. Through today's `wait_for_items` (a thin map
            // over `wait_until`), `harness ab --layouts 3` measured no
            // difference in any of three layouts (0.97-1.02x), so the
            // halving was that helper's code or that build's layout.
            let refreshed = self.waiter.wait_until(|| {
                // Acquire: pairs with the producer's Release store of `tail`.
                let tail = shared.tail.load(Ordering::Acquire);
                if tail != head {
                    return Some(Some(tail));
                }
                // Acquire: the producer's last `tail` store happens before
                // its `producer_gone` store, so the reload below is final.
                // That reload's own Acquire adds nothing: through the
                // flag's Acquire, every slot write and the final `tail`
                // store already happen before it, so even a `Relaxed`
                // reload reads the final tail (`Relaxed` there passes
                // `spsc_ring_close_happens_after_producer`: equivalent, no
                // mutant; the flag's load as `Relaxed` is the mutant
                // `spsc_ring_gone_load_relaxed`).
                if shared.producer_gone.load(Ordering::Acquire) {
                    let tail = shared.tail.load(Ordering::Acquire);
                    return Some((tail != head).then_some(tail));
                }
                None
            });
            match refreshed {
                Ok(Some(tail)) => self.cached_tail = tail,
                Ok(None) => return Consumed::Closed,
                Err(_) => return Consumed::Idle,
            }
        }
        let run = self.cached_tail.wrapping_sub(head).min(max);
        // Positions head .. head + run were published (below the tail we
        // acquired) and the producer will not rewrite them until we
        // release them below.
        let (first, second) = shared.runs(head, run);
        let handed = Cell::new(0);
        on_unwind(
            || hand(first, second, &handed),
            || {
                self.head = head.wrapping_add(handed.get());
                // Release: as below, for the messages handed before the
                // panic, the one whose handler panicked among them (the
                // loom model `spsc_ring_handler_panic_releases_what_it_read`
                // finds the producer's rewrite racing that read without it).
                shared.head.store(self.head, Ordering::Release);
                self.waiter.notify();
            },
        );
        self.head = head.wrapping_add(run);
        // Release: our reads happen before the producer reuses the slots.
        shared.head.store(self.head, Ordering::Release);
        self.waiter.notify();
        Consumed::Items(run)
    }
}

impl<M: Message> Consumer<M> for SpscConsumer<M> {
    #[inline(always)]
    fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&M)) -> Consumed {
        self.consume_with(max, |first, second, handed| {
            for slot in first.iter().chain(second) {
                handed.set(handed.get() + 1);
                // SAFETY: published and not yet released (see
                // `consume_with`); nothing writes it meanwhile.
                slot.with(|message| on(unsafe { &*message }));
            }
        })
    }

    #[inline(always)]
    fn consume_slices(&mut self, max: usize, mut on: impl FnMut(&[M])) -> Consumed {
        self.consume_with(max, |first, second, handed| {
            let mut on = |messages: &[M]| {
                handed.set(handed.get() + messages.len());
                on(messages)
            };
            // SAFETY: published and not yet released (see `consume_with`);
            // nothing writes them meanwhile.
            unsafe {
                read_slices(first, &mut on);
                read_slices(second, &mut on);
            }
        })
    }
}

impl<M> Drop for SpscProducer<M> {
    fn drop(&mut self) {
        // Release: publishes the final `tail` to a consumer that sees the flag.
        self.shared.producer_gone.store(true, Ordering::Release);
        self.waiter.notify();
    }
}

impl<M> Drop for SpscConsumer<M> {
    fn drop(&mut self) {
        // Relaxed: the producer only stops waiting; no data rides on it.
        self.shared.consumer_gone.store(true, Ordering::Relaxed);
        self.waiter.notify();
    }
}
