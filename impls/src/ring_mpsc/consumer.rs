//! The consumer: polls every registered ring, round robin, and stores each
//! ring's head once per batch.

use core::cell::Cell;
use core::mem::MaybeUninit;
use core::ptr;

use crossbeam_utils::CachePadded;

use super::ring::{Ring, Shared};
use crate::queue::Consumed;
use crate::runs::wrapped;
use crate::sync::{Arc, Ordering, UnsafeCell, on_unwind, read_slices};
use crate::wait::Waiter;

/// What the consumer knows of one ring.
struct Local<T> {
    ring: *const Ring<T>,
    /// Private copy of the ring's head (this side is its only writer).
    head: usize,
    /// Last tail seen; never ahead of the real one.
    cached_tail: usize,
}

impl<T> Local<T> {
    #[inline(always)]
    fn ring(&self) -> &Ring<T> {
        // SAFETY: rings live as long as the channel, which the consumer
        // holds.
        unsafe { &*self.ring }
    }

    /// Messages ready, refreshing the cached tail when it shows fewer than
    /// `wanted`.
    #[inline(always)]
    fn ready(&mut self, wanted: usize) -> usize {
        let mut ready = self.cached_tail.wrapping_sub(self.head);
        if ready < wanted {
            // Acquire: pairs with the producer's Release store of `tail`.
            self.cached_tail = self.ring().tail.load(Ordering::Acquire);
            ready = self.cached_tail.wrapping_sub(self.head);
        }
        ready
    }
}

/// Moves a ring's head on drop: past the messages handled so far, even when
/// the handler panics, so nothing is dropped twice.
struct Advance<'a, T> {
    local: &'a mut Local<T>,
    done: usize,
}

impl<T> Drop for Advance<'_, T> {
    fn drop(&mut self) {
        if self.done > 0 {
            self.local.head = self.local.head.wrapping_add(self.done);
            // Release: our reads and drops of the slots happen before the
            // producer's Acquire load of `head` that lets it reuse them.
            self.local
                .ring()
                .head
                .store(self.local.head, Ordering::Release);
        }
    }
}

/// Drops the messages of `cells`, which the consumer has taken (published
/// and initialised, below the tail it acquired, and no longer read),
/// counting each into `advance` before its drop: a drop that panics must
/// not leave the message behind to be dropped again. Touches no slot when
/// `T` needs no drop.
#[inline(always)]
fn drop_taken<T>(cells: &[UnsafeCell<MaybeUninit<T>>], advance: &mut Advance<'_, T>) {
    if !core::mem::needs_drop::<T>() {
        advance.done += cells.len();
        return;
    }
    for cell in cells {
        cell.with_mut(|slot| {
            advance.done += 1;
            // SAFETY: taken, as above: initialised, and dropped once, as
            // the head moves past it.
            unsafe { (*slot).assume_init_drop() }
        });
    }
}

/// Adds the rings registered since the last look to the consumer's table.
fn discover<T>(shared: &Shared<T>, rings: &mut Vec<CachePadded<Local<T>>>) {
    if rings.len() == shared.rings.len() {
        return;
    }
    // Relaxed: only bounds the scan; each pointer is acquired below.
    let claimed = shared
        .claimed
        .load(Ordering::Relaxed)
        .min(shared.rings.len());
    while rings.len() < claimed {
        // Acquire: pairs with the registration's Release store, so the ring
        // is initialised when we see it.
        let ring = shared.rings[rings.len()].load(Ordering::Acquire);
        if ring.is_null() {
            // Still being registered; it cannot have messages yet.
            break;
        }
        rings.push(CachePadded::new(Local {
            ring,
            head: 0,
            cached_tail: 0,
        }));
    }
}

/// Whether any ring has a message (looking for new rings first).
fn any_ready<T>(shared: &Shared<T>, rings: &mut Vec<CachePadded<Local<T>>>) -> bool {
    discover(shared, rings);
    rings.iter_mut().any(|local| local.ready(1) > 0)
}

/// The channel's one consumer. Aligned to 128 bytes, like
/// [`RingProducer`](super::RingProducer), so its round-robin start, written on every pass,
/// shares no line with a neighbour.
#[repr(align(128))]
pub struct RingConsumer<T> {
    shared: Arc<Shared<T>>,
    /// Rings seen so far, in producer-slot order, each on its own line:
    /// a ring's private head and cached tail change with every message
    /// taken from it, and the table is allocated where the channel is
    /// built, next to whatever else was allocated there.
    rings: Vec<CachePadded<Local<T>>>,
    /// Ring the next pass starts at (round robin when fair).
    next_start: usize,
    waiter: Waiter,
}

// SAFETY: the ring pointers are owned by `shared`, and the consumer is the
// only reader of every ring wherever it runs.
unsafe impl<T: Send> Send for RingConsumer<T> {}

/// How a pass treats each message it takes.
enum Handle<'o, T, F, G> {
    /// Hands a reference to the callback, then drops the message.
    Read(F),
    /// Hands each contiguous run of a ring's messages to the callback as
    /// one slice, then drops them.
    Slices(G),
    /// Drops the message without showing it to anyone (no read at all when
    /// `T` needs no drop).
    Discard,
    /// Moves the message out (passes of one message: `try_recv`).
    Move(&'o mut Option<T>),
}

/// Takes the `run` messages at the head of `local`'s ring (ready: below
/// the tail it acquired), treating each as `handle` says, then moves the
/// ring's head past them with one store (past those taken so far, if the
/// handler or a drop panics).
#[inline(always)]
fn take_run<T, F: FnMut(&T), G: FnMut(&[T])>(
    shared: &Shared<T>,
    local: &mut Local<T>,
    run: usize,
    handle: &mut Handle<'_, T, F, G>,
) {
    let head = local.head;
    let ring = local.ring;
    let mut advance = Advance { local, done: 0 };
    // SAFETY: rings live as long as `shared`.
    let ring = unsafe { &*ring };
    match handle {
        Handle::Read(on) => {
            for offset in 0..run {
                shared
                    .slot(ring, head.wrapping_add(offset))
                    .with_mut(|slot| {
                        let message = slot.cast::<T>();
                        // Counted as taken before it is handed: if
                        // `on` panics, it was handed, and a drop
                        // that panics must not leave it behind to
                        // be dropped again.
                        advance.done += 1;
                        on_unwind(
                            // SAFETY: below the tail we acquired,
                            // so published and initialised; the
                            // producer does not reuse it until our
                            // head store.
                            || on(unsafe { &*message }),
                            // SAFETY: as above; `on` is gone.
                            || unsafe { ptr::drop_in_place(message) },
                        );
                        // SAFETY: as above; read for the last time.
                        unsafe { ptr::drop_in_place(message) };
                    });
            }
        }
        Handle::Slices(on) => {
            let (first, second) = wrapped(&ring.slots, head, run);
            // Cells of the run being handed that `on` has seen.
            let handed = Cell::new(0);
            let mut hand = |values: &[MaybeUninit<T>]| {
                handed.set(handed.get() + values.len());
                // SAFETY: below the tail we acquired, so published
                // and initialised (see below), and `MaybeUninit<T>`
                // has `T`'s layout.
                on(unsafe {
                    core::slice::from_raw_parts(values.as_ptr().cast::<T>(), values.len())
                })
            };
            for cells in [first, second] {
                handed.set(0);
                on_unwind(
                    // SAFETY: below the tail we acquired, so
                    // published and initialised; the producer does
                    // not reuse them until our head store, and
                    // nothing writes them.
                    || unsafe { read_slices(cells, &mut hand) },
                    // `on` panicked: what it was handed is taken.
                    || drop_taken(&cells[..handed.get()], &mut advance),
                );
                drop_taken(cells, &mut advance);
            }
        }
        Handle::Discard => {
            let (first, second) = wrapped(&ring.slots, head, run);
            drop_taken(first, &mut advance);
            drop_taken(second, &mut advance);
        }
        Handle::Move(out) => {
            debug_assert_eq!(run, 1, "a move takes one message");
            **out = Some(shared.slot(ring, head).with(|slot| {
                // SAFETY: published and initialised (below the
                // acquired tail); moved out once, and the head
                // moves past it when `advance` drops, so it is
                // never read or dropped again.
                unsafe { (*slot).assume_init_read() }
            }));
            advance.done = 1;
        }
    }
    drop(advance);
}

impl<T: Send> RingConsumer<T> {
    /// The consumer of the channel `shared`, which can register up to
    /// `max_producers` rings.
    pub(super) fn new(shared: Arc<Shared<T>>, max_producers: usize, waiter: Waiter) -> Self {
        Self {
            shared,
            rings: Vec::with_capacity(max_producers),
            next_start: 0,
            waiter,
        }
    }

    /// Picks up rings registered since the last look.
    pub(super) fn discover(&mut self) {
        discover(&self.shared, &mut self.rings);
    }

    /// One pass over the rings, taking up to `max` messages in all; one
    /// head store per ring that gave any.
    #[inline(always)]
    fn pass<F: FnMut(&T), G: FnMut(&[T])>(
        &mut self,
        max: usize,
        handle: &mut Handle<'_, T, F, G>,
    ) -> usize {
        self.discover();
        let rings = self.rings.len();
        if rings == 0 || max == 0 {
            return 0;
        }
        let start = self.start(rings);
        let shared = &*self.shared;
        let mut done = 0;
        for k in 0..rings {
            let mut index = start + k;
            if index >= rings {
                index -= rings;
            }
            let local: &mut Local<T> = &mut self.rings[index];
            let run = local.ready(max - done).min(max - done);
            if run == 0 {
                continue;
            }
            take_run(shared, local, run, handle);
            done += run;
            if done == max {
                break;
            }
        }
        if done > 0 {
            self.waiter.notify();
        }
        done
    }

    /// The ring a pass starts at, moving the round-robin start on (no
    /// division: this runs once per call, at batch 1 once per message).
    #[inline(always)]
    fn start(&mut self, rings: usize) -> usize {
        if !self.shared.fair {
            return 0;
        }
        let start = if self.next_start >= rings {
            0
        } else {
            self.next_start
        };
        self.next_start = start + 1;
        start
    }

    /// Waits for a message. `Ok(false)`: the channel is closed and drained;
    /// `Err(Consumed::Idle)`: the wait timed out or was cancelled.
    fn wait_ready(&mut self) -> Result<bool, Consumed> {
        let RingConsumer {
            shared,
            rings,
            waiter,
            ..
        } = self;
        waiter.wait_for_items(|| {
            if any_ready(shared, rings) {
                return Some(true);
            }
            // Acquire: pairs with every sender's Release decrement, so at
            // zero every ring and every final tail is visible.
            if shared.senders.load(Ordering::Acquire) == 0 {
                return Some(any_ready(shared, rings));
            }
            None
        })
    }

    #[inline(always)]
    fn consume<F: FnMut(&T), G: FnMut(&[T])>(
        &mut self,
        max: usize,
        handle: &mut Handle<'_, T, F, G>,
    ) -> Consumed {
        let max = max.max(1);
        loop {
            let done = self.pass(max, handle);
            if done > 0 {
                return Consumed::Items(done);
            }
            match self.wait_ready() {
                Ok(true) => continue,
                Ok(false) => return Consumed::Closed,
                Err(idle) => return idle,
            }
        }
    }

    /// Waits for messages, then hands up to `max` of them to `on` (each
    /// producer's in order), dropping each after `on` returns (or panics:
    /// the message it panicked on and those before it are taken, the rest
    /// stay for the next call). One head store per ring per call. `Closed`
    /// once every sender is gone and everything is consumed; `Idle` when
    /// the wait was cancelled (or timed out, with timeout-blocking).
    #[inline(always)]
    pub fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&T)) -> Consumed {
        self.consume(max, &mut Handle::<T, _, fn(&[T])>::Read(&mut on))
    }

    /// As [`consume_batch`](Self::consume_batch), handing each contiguous
    /// run of a ring's messages to `on` as one slice (a ring gives one, or
    /// two where its messages wrap), then dropping them. If `on` panics,
    /// the messages of every slice it was given are taken (and dropped);
    /// the rest stay for the next call.
    #[inline(always)]
    pub fn consume_slices(&mut self, max: usize, mut on: impl FnMut(&[T])) -> Consumed {
        self.consume(max, &mut Handle::<T, fn(&T), _>::Slices(&mut on))
    }

    /// Waits for messages, then drains every ring of what it holds now.
    pub fn consume_all(&mut self, mut on: impl FnMut(&T)) -> Consumed {
        self.consume(usize::MAX, &mut Handle::<T, _, fn(&[T])>::Read(&mut on))
    }

    /// Like [`consume_batch`](Self::consume_batch), but drops the messages
    /// unread (without touching them at all when `T` needs no drop).
    pub fn discard_batch(&mut self, max: usize) -> Consumed {
        self.consume(max, &mut Handle::<T, fn(&T), fn(&[T])>::Discard)
    }

    /// Takes one message by value without waiting, if any is ready (the
    /// first ready ring, in fair order).
    pub fn try_recv(&mut self) -> Option<T> {
        let mut taken = None;
        self.pass(1, &mut Handle::<T, fn(&T), fn(&[T])>::Move(&mut taken));
        taken
    }
}

impl<T> Drop for RingConsumer<T> {
    fn drop(&mut self) {
        // Relaxed: producers only stop; no data rides on it. Unconsumed
        // messages are dropped with the channel.
        self.shared.consumer_gone.store(true, Ordering::Relaxed);
        self.waiter.notify();
    }
}
