//! `ring_mpsc`: ring decomposition. Every registered producer gets its own
//! single-producer single-consumer ring, so producers never contend with one
//! another; the one consumer polls every ring and moves each ring's head once
//! per batch.
//!
//! The price of that design is the ordering guarantee: each producer's
//! messages arrive in the order it sent them, but there is no order between
//! producers (per-producer FIFO, not a global FIFO). The other price is
//! memory: the scenario's capacity is per ring, so `P` producers buffer
//! `P x capacity` messages.
//!
//! # Using it directly
//!
//! ```
//! use impls::ring_mpsc::{self, Config};
//!
//! let (channel, mut consumer) = ring_mpsc::channel::<String>(Config::low_latency()).unwrap();
//! let mut producer = channel.register().unwrap();
//! let words = ["reserve", "then", "commit"];
//! let mut sent = 0;
//! while sent < words.len() {
//!     // A reservation may be shorter than asked for at the ring's wrap.
//!     let mut reservation = producer.reserve(words.len() - sent).unwrap();
//!     reservation.fill(|i| words[sent + i].to_owned());
//!     sent += reservation.commit();
//! }
//! drop((producer, channel)); // the last sender gone closes the channel
//! let mut seen = Vec::new();
//! while consumer.consume_all(|word| seen.push(word.clone())).is_items() {}
//! assert_eq!(seen, words);
//! ```
//!
//! # Layout
//! Each ring's `tail` (written by its producer) and `head` (written by the
//! consumer) sit in their own 128-byte-aligned lines. The cached copies of
//! the other side's index live in the endpoint that owns them: the
//! producer's private tail and cached head in its handle (itself
//! 128-byte aligned), the consumer's private head and cached tail of each
//! ring in its own table, one 128-byte line per ring, so no line is written
//! by more than one thread.
//!
//! # Memory orderings
//! Per ring, exactly the SPSC protocol of `spsc_ring`: the producer writes
//! slots, then stores `tail` with `Release`; the consumer loads `tail` with
//! `Acquire` before reading them. The consumer stores `head` with `Release`
//! after its reads (and the drops of what it read); the producer loads
//! `head` with `Acquire` before overwriting freed slots.
//!
//! Registration: a ring is fully initialised, then its pointer is stored
//! with `Release` into the channel's table; the consumer loads pointers with
//! `Acquire`. Closing: every sender (the channel handles and the producers)
//! holds one count of `senders`; each drops it with a `Release` decrement
//! after its last `tail` store. A consumer that loads zero with `Acquire`
//! therefore sees every ring and every final tail, and can decide that the
//! channel is closed once those are drained. A registration needs a live
//! channel handle, so once the count is zero it stays zero.

use core::mem::MaybeUninit;
use core::ops::{Deref, DerefMut};
use core::ptr;

use crate::message::Message;
use crate::queue::{
    Batching, BuildError, Consumed, Consumer, Endpoints, Info, MIN_CAPACITY, OrderingGuarantee,
    Producer, PublishError, Queue, QueueConfig, Topology, WaitClass,
};
use crate::runs::wrapped;
use crate::sync::{Arc, AtomicBool, AtomicPtr, AtomicUsize, Ordering, UnsafeCell, read_slices};
use crate::wait::{Cancel, WaitError, WaitStrategy, Waiter};

/// Largest ring: 2^20 slots.
pub const MAX_RING_CAPACITY: usize = 1 << 20;
/// Smallest ring.
pub const MIN_RING_CAPACITY: usize = 2;
/// Most producers one channel can register.
pub const MAX_PRODUCERS: usize = 128;

/// How a channel is built. Check it with [`Config::validate`]; [`channel`]
/// does.
#[derive(Clone, Debug)]
pub struct Config {
    /// Slots per producer ring: a power of two from 2 to 2^20.
    pub ring_capacity: usize,
    /// Most producers that can register: 1 to 128.
    pub max_producers: usize,
    /// Start each consumption at the ring after the one the previous call
    /// started at (round robin), so one busy producer cannot starve the
    /// others when a batch limit cuts a pass short. On by default; off, every
    /// pass starts at the first ring.
    pub fair: bool,
    /// How endpoints wait on a full ring or on empty rings.
    pub wait: WaitStrategy,
    /// Stops every wait when set.
    pub cancel: Cancel,
}

impl Config {
    /// `ring_capacity` slots per ring, up to `max_producers` producers,
    /// fair consumption, spin-then-yield waiting.
    pub fn new(ring_capacity: usize, max_producers: usize) -> Self {
        Self {
            ring_capacity,
            max_producers,
            fair: true,
            wait: WaitStrategy::SpinYield,
            cancel: Cancel::default(),
        }
    }

    /// Low latency: 4096 slots per ring (a ring of 8-byte messages fits in
    /// L1), up to 16 producers.
    pub fn low_latency() -> Self {
        Self::new(1 << 12, 16)
    }

    /// High throughput: 262 144 slots per ring, up to 16 producers.
    pub fn high_throughput() -> Self {
        Self::new(1 << 18, 16)
    }

    /// Says what is wrong with the configuration, if anything.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let capacity = self.ring_capacity;
        if !(MIN_RING_CAPACITY..=MAX_RING_CAPACITY).contains(&capacity)
            || !capacity.is_power_of_two()
        {
            return Err(ConfigError::RingCapacity { capacity });
        }
        if !(1..=MAX_PRODUCERS).contains(&self.max_producers) {
            return Err(ConfigError::MaxProducers {
                producers: self.max_producers,
            });
        }
        Ok(())
    }
}

/// A configuration [`channel`] refuses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Ring capacity not a power of two in range.
    #[error(
        "ring capacity {capacity} is not allowed: use a power of two from {MIN_RING_CAPACITY} to {MAX_RING_CAPACITY} (2^20) slots, e.g. {}",
        (*capacity).clamp(MIN_RING_CAPACITY, MAX_RING_CAPACITY).next_power_of_two().min(MAX_RING_CAPACITY)
    )]
    RingCapacity {
        /// What was asked for.
        capacity: usize,
    },
    /// Producer limit out of range.
    #[error("max_producers {producers} is not allowed: use 1 to {MAX_PRODUCERS}")]
    MaxProducers {
        /// What was asked for.
        producers: usize,
    },
}

/// Why [`Channel::register`] handed out no producer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RegisterError {
    /// Every producer slot is taken.
    #[error(
        "all {max} producer slots of this channel have been handed out (a slot is not reused when its producer is dropped); build it with a larger `max_producers` (at most {MAX_PRODUCERS})"
    )]
    TooManyProducers {
        /// The channel's limit.
        max: usize,
    },
    /// The consumer is gone; nothing sent would ever be read.
    #[error("the channel is closed: its consumer has been dropped")]
    Closed,
}

/// A value on its own 128-byte-aligned line (two 64-byte lines: adjacent-line
/// prefetchers fetch pairs).
#[repr(align(128))]
struct Line<T>(T);

impl<T> Deref for Line<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Line<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// One producer's ring.
struct Ring<T> {
    /// Next position the producer writes. Written by the producer only.
    /// Invariant: `head <= tail <= head + capacity` (wrapping distances).
    tail: Line<AtomicUsize>,
    /// Next position the consumer reads. Written by the consumer only.
    head: Line<AtomicUsize>,
    /// Slots; those in `head..tail` hold initialised messages.
    slots: Box<[UnsafeCell<MaybeUninit<T>>]>,
}

impl<T> Ring<T> {
    fn new(capacity: usize) -> Self {
        Self {
            tail: Line(AtomicUsize::new(0)),
            head: Line(AtomicUsize::new(0)),
            slots: (0..capacity)
                .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
                .collect(),
        }
    }
}

struct Shared<T> {
    /// One entry per producer slot: null until a producer registers there,
    /// then its ring, which lives until the channel is dropped.
    rings: Box<[AtomicPtr<Ring<T>>]>,
    /// Producer slots handed out (at most `rings.len()`).
    claimed: Line<AtomicUsize>,
    /// Live senders: channel handles plus producers.
    senders: Line<AtomicUsize>,
    /// Set once, when the consumer is dropped.
    consumer_gone: Line<AtomicBool>,
    /// Slots per ring, minus one.
    mask: usize,
    fair: bool,
}

impl<T> Shared<T> {
    /// The slot of `position` in `ring`.
    #[inline(always)]
    fn slot<'r>(&self, ring: &'r Ring<T>, position: usize) -> &'r UnsafeCell<MaybeUninit<T>> {
        // SAFETY: every ring has `mask + 1` slots, a power of two, so the
        // masked index is in bounds.
        unsafe { ring.slots.get_unchecked(position & self.mask) }
    }
}

// SAFETY: the rings' slots are reached only through the head/tail protocol
// described in the module header, which hands each slot to one side at a
// time, and the values are `Send`.
unsafe impl<T: Send> Sync for Shared<T> {}
// SAFETY: as above; the raw ring pointers are owned by the channel.
unsafe impl<T: Send> Send for Shared<T> {}

impl<T> Drop for Shared<T> {
    fn drop(&mut self) {
        for entry in self.rings.iter() {
            // Acquire: pairs with the registration's Release store; every
            // endpoint is gone (the last `Arc` synchronised with them all).
            let ring = entry.load(Ordering::Acquire);
            if ring.is_null() {
                continue;
            }
            // SAFETY: the pointer came from `Box::into_raw` at registration
            // and is reclaimed exactly once, here, by the last owner.
            let ring = unsafe { Box::from_raw(ring) };
            // Acquire, though the last `Arc` already made every endpoint's
            // final stores visible: it costs nothing once per ring and keeps
            // this code correct on its own.
            let head = ring.head.load(Ordering::Acquire);
            let tail = ring.tail.load(Ordering::Acquire);
            let mut position = head;
            while position != tail {
                self.slot(&ring, position).with_mut(|slot| {
                    // SAFETY: positions head..tail hold initialised, unread
                    // messages, and nobody else can reach them any more.
                    unsafe { (*slot).assume_init_drop() }
                });
                position = position.wrapping_add(1);
            }
        }
    }
}

/// Builds a channel and its consumer. Register producers with
/// [`Channel::register`]; the channel closes when every channel handle and
/// every producer is dropped.
pub fn channel<T: Send>(config: Config) -> Result<(Channel<T>, RingConsumer<T>), ConfigError> {
    config.validate()?;
    let shared = Arc::new(Shared {
        rings: (0..config.max_producers)
            .map(|_| AtomicPtr::new(ptr::null_mut()))
            .collect(),
        claimed: Line(AtomicUsize::new(0)),
        senders: Line(AtomicUsize::new(1)),
        consumer_gone: Line(AtomicBool::new(false)),
        mask: config.ring_capacity - 1,
        fair: config.fair,
    });
    let waiter = Waiter::new(config.wait, config.cancel);
    let consumer = RingConsumer {
        shared: Arc::clone(&shared),
        rings: Vec::with_capacity(config.max_producers),
        next_start: 0,
        waiter: waiter.clone(),
    };
    Ok((Channel { shared, waiter }, consumer))
}

/// A handle that registers producers. Clones share the channel; each counts
/// as a sender, so the channel stays open while any handle lives.
pub struct Channel<T> {
    shared: Arc<Shared<T>>,
    waiter: Waiter,
}

impl<T: Send> Channel<T> {
    /// Registers a producer with its own ring. Fails when every producer
    /// slot has been handed out (slots count registrations over the
    /// channel's life: a dropped producer's ring stays until the channel
    /// is dropped) or the consumer is gone.
    pub fn register(&self) -> Result<RingProducer<T>, RegisterError> {
        let shared = &*self.shared;
        // Relaxed: only decides whether to refuse; a producer registered
        // just as the consumer leaves finds out on its first reserve.
        if shared.consumer_gone.load(Ordering::Relaxed) {
            return Err(RegisterError::Closed);
        }
        let max = shared.rings.len();
        // Built before a slot is claimed, so that the consumer, which learns
        // of rings in slot order and stops at the first claimed slot without
        // a ring, waits on this one for a store, not for an allocation of up
        // to 2^20 slots.
        let ring = Box::new(Ring::new(shared.mask + 1));
        // Relaxed: the counter only hands out distinct indices; the ring is
        // published by the Release store below.
        let mut claimed = shared.claimed.load(Ordering::Relaxed);
        let index = loop {
            if claimed >= max {
                return Err(RegisterError::TooManyProducers { max });
            }
            match shared.claimed.compare_exchange_weak(
                claimed,
                claimed + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break claimed,
                Err(now) => claimed = now,
            }
        };
        let ring = Box::into_raw(ring);
        // Relaxed: this handle holds a count, so it cannot reach zero here
        // (the reasoning of `Arc::clone`); the producer's drop releases.
        shared.senders.fetch_add(1, Ordering::Relaxed);
        // Release: the ring's initialisation happens before the consumer's
        // Acquire load of the pointer.
        shared.rings[index].store(ring, Ordering::Release);
        Ok(RingProducer {
            shared: Arc::clone(&self.shared),
            ring,
            index,
            tail: 0,
            cached_head: 0,
            waiter: self.waiter.clone(),
        })
    }

    /// Most producers this channel can register.
    pub fn max_producers(&self) -> usize {
        self.shared.rings.len()
    }
}

impl<T> Clone for Channel<T> {
    fn clone(&self) -> Self {
        // Relaxed: `self` holds a count (see `register`).
        self.shared.senders.fetch_add(1, Ordering::Relaxed);
        Self {
            shared: Arc::clone(&self.shared),
            waiter: self.waiter.clone(),
        }
    }
}

impl<T> Drop for Channel<T> {
    fn drop(&mut self) {
        // Release: ring registrations made through this handle happen before
        // a consumer's Acquire load that sees the count reach zero.
        self.shared.senders.fetch_sub(1, Ordering::Release);
        self.waiter.notify();
    }
}

/// A registered producer: the only writer of its ring.
///
/// Aligned to 128 bytes: its private tail and cached head change on every
/// reservation and commit, and producers kept side by side (in a `Vec`,
/// say) must not share a line.
#[repr(align(128))]
pub struct RingProducer<T> {
    shared: Arc<Shared<T>>,
    /// This producer's ring, owned by `shared`.
    ring: *const Ring<T>,
    index: usize,
    /// Private copy of the ring's tail (this side is its only writer).
    tail: usize,
    /// Last head seen; never ahead of the real one.
    cached_head: usize,
    waiter: Waiter,
}

// SAFETY: the ring pointer is owned by `shared` (kept alive by the `Arc`),
// and this producer is its ring's only writer wherever it runs.
unsafe impl<T: Send> Send for RingProducer<T> {}

impl<T: Send> RingProducer<T> {
    /// This producer's slot in the channel (0 for the first registered).
    pub fn index(&self) -> usize {
        self.index
    }

    #[inline(always)]
    fn ring(&self) -> &Ring<T> {
        // SAFETY: the ring lives as long as `shared`, which we hold.
        unsafe { &*self.ring }
    }

    /// Free slots, refreshing the cached head when it shows fewer than
    /// `wanted`.
    #[inline(always)]
    fn free(&mut self, wanted: usize) -> usize {
        let capacity = self.shared.mask + 1;
        let mut free = capacity - self.tail.wrapping_sub(self.cached_head);
        if free < wanted {
            // Acquire: the consumer's reads (and drops) of the slots it
            // freed happen before we overwrite them.
            self.cached_head = self.ring().head.load(Ordering::Acquire);
            free = capacity - self.tail.wrapping_sub(self.cached_head);
        }
        free
    }

    /// Reserves up to `n` contiguous slots, waiting (per the configured
    /// strategy) while the ring is full. The reservation may be shorter than
    /// `n`: at most what is free, and never past the ring's wrap; the caller
    /// loops. Fails when the consumer is gone or the wait is cancelled.
    pub fn reserve(&mut self, n: usize) -> Result<Reservation<'_, T>, PublishError> {
        // Relaxed: only decides whether to refuse (see `register`).
        if self.shared.consumer_gone.load(Ordering::Relaxed) {
            return Err(PublishError::Disconnected);
        }
        if n > 0 && self.free(n) == 0 {
            let shared = &*self.shared;
            // SAFETY: the ring lives as long as `shared`.
            let ring = unsafe { &*self.ring };
            let tail = self.tail;
            let capacity = shared.mask + 1;
            let refreshed = self.waiter.wait_until(|| {
                // Acquire: as in `free`.
                let head = ring.head.load(Ordering::Acquire);
                if tail.wrapping_sub(head) < capacity {
                    return Some(Ok(head));
                }
                // Relaxed: only tells us to stop; no data rides on it.
                let gone = shared.consumer_gone.load(Ordering::Relaxed);
                gone.then_some(Err(PublishError::Disconnected))
            });
            self.cached_head = match refreshed {
                Ok(head) => head?,
                Err(WaitError::Cancelled) => return Err(PublishError::Cancelled),
                // Timeout-blocking: an empty reservation; the caller loops.
                Err(WaitError::TimedOut) => self.cached_head,
            };
        }
        Ok(self.reservation(n))
    }

    /// Like [`reserve`](Self::reserve) without waiting: `None` when the ring
    /// is full or the consumer is gone.
    pub fn try_reserve(&mut self, n: usize) -> Option<Reservation<'_, T>> {
        // Relaxed: as in `reserve`.
        if self.shared.consumer_gone.load(Ordering::Relaxed) || (n > 0 && self.free(n) == 0) {
            return None;
        }
        Some(self.reservation(n))
    }

    fn reservation(&mut self, n: usize) -> Reservation<'_, T> {
        let capacity = self.shared.mask + 1;
        let free = capacity - self.tail.wrapping_sub(self.cached_head);
        let to_wrap = capacity - (self.tail & self.shared.mask);
        let len = n.min(free).min(to_wrap);
        Reservation {
            producer: self,
            len,
            written: 0,
        }
    }
}

impl<T> Drop for RingProducer<T> {
    fn drop(&mut self) {
        // Release: our last `tail` store happens before a consumer's Acquire
        // load that sees the count reach zero.
        self.shared.senders.fetch_sub(1, Ordering::Release);
        self.waiter.notify();
    }
}

/// Contiguous reserved slots of one ring. Write them with
/// [`push`](Self::push) or [`fill`](Self::fill) (each value goes straight
/// into its slot), then [`commit`](Self::commit). Dropped without a commit,
/// it publishes nothing and drops what was written.
pub struct Reservation<'a, T: Send> {
    producer: &'a mut RingProducer<T>,
    len: usize,
    written: usize,
}

impl<T: Send> Reservation<'_, T> {
    /// Slots reserved (possibly fewer than asked for).
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no slot was reserved.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Slots written so far.
    pub fn written(&self) -> usize {
        self.written
    }

    #[inline(always)]
    fn write(&mut self, value: T) {
        let producer = &*self.producer;
        let position = producer.tail.wrapping_add(self.written);
        producer
            .shared
            .slot(producer.ring(), position)
            .with_mut(|slot| {
                // SAFETY: the slot is reserved (free, below the head we
                // acquired plus capacity) and not yet published: only this
                // producer touches it.
                unsafe { (*slot).write(value) };
            });
        self.written += 1;
    }

    /// Writes `value` into the next reserved slot, or hands it back when
    /// every slot is written.
    pub fn push(&mut self, value: T) -> Result<(), T> {
        if self.written == self.len {
            return Err(value);
        }
        self.write(value);
        Ok(())
    }

    /// Writes every remaining slot with `make(i)`, `i` counting from the
    /// reservation's first slot.
    #[inline]
    pub fn fill(&mut self, mut make: impl FnMut(usize) -> T) {
        let producer = &*self.producer;
        let start = producer.tail.wrapping_add(self.written);
        let (first, second) = wrapped(&producer.ring().slots, start, self.len - self.written);
        for slot in first.iter().chain(second) {
            let value = make(self.written);
            slot.with_mut(|slot| {
                // SAFETY: as in `write`: reserved and not yet published.
                unsafe { (*slot).write(value) };
            });
            self.written += 1;
        }
    }

    /// Publishes the written slots with one tail store and returns how many.
    pub fn commit(mut self) -> usize {
        let written = core::mem::take(&mut self.written);
        let producer = &mut *self.producer;
        producer.tail = producer.tail.wrapping_add(written);
        if written > 0 {
            // Release: the slot writes happen before the consumer's Acquire
            // load of `tail` that makes them visible.
            producer.ring().tail.store(producer.tail, Ordering::Release);
            producer.waiter.notify();
        }
        written
    }
}

impl<T: Send> Drop for Reservation<'_, T> {
    fn drop(&mut self) {
        let producer = &*self.producer;
        for offset in 0..self.written {
            let position = producer.tail.wrapping_add(offset);
            producer
                .shared
                .slot(producer.ring(), position)
                .with_mut(|slot| {
                    // SAFETY: written by this reservation and never
                    // published, so initialised and ours alone.
                    unsafe { (*slot).assume_init_drop() }
                });
        }
    }
}

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
fn discover<T>(shared: &Shared<T>, rings: &mut Vec<Line<Local<T>>>) {
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
        rings.push(Line(Local {
            ring,
            head: 0,
            cached_tail: 0,
        }));
    }
}

/// Whether any ring has a message (looking for new rings first).
fn any_ready<T>(shared: &Shared<T>, rings: &mut Vec<Line<Local<T>>>) -> bool {
    discover(shared, rings);
    rings.iter_mut().any(|local| local.ready(1) > 0)
}

/// The channel's one consumer. Aligned to 128 bytes, like
/// [`RingProducer`], so its round-robin start, written on every pass,
/// shares no line with a neighbour.
#[repr(align(128))]
pub struct RingConsumer<T> {
    shared: Arc<Shared<T>>,
    /// Rings seen so far, in producer-slot order, each on its own line:
    /// a ring's private head and cached tail change with every message
    /// taken from it, and the table is allocated where the channel is
    /// built, next to whatever else was allocated there.
    rings: Vec<Line<Local<T>>>,
    /// Ring the next pass starts at (round robin when fair).
    next_start: usize,
    waiter: Waiter,
}

// SAFETY: the ring pointers are owned by `shared`, and the consumer is the
// only reader of every ring wherever it runs.
unsafe impl<T: Send> Send for RingConsumer<T> {}

/// How a pass treats each message it takes.
enum Handle<F, G> {
    /// Hands a reference to the callback, then drops the message.
    Read(F),
    /// Hands each contiguous run of a ring's messages to the callback as
    /// one slice, then drops them.
    Slices(G),
    /// Drops the message without showing it to anyone (no read at all when
    /// `T` needs no drop).
    Discard,
}

impl<T: Send> RingConsumer<T> {
    /// Picks up rings registered since the last look.
    fn discover(&mut self) {
        discover(&self.shared, &mut self.rings);
    }

    /// One pass over the rings, taking up to `max` messages in all; one
    /// head store per ring that gave any.
    #[inline(always)]
    fn pass<F: FnMut(&T), G: FnMut(&[T])>(
        &mut self,
        max: usize,
        handle: &mut Handle<F, G>,
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
                                // SAFETY: below the tail we acquired, so
                                // published and initialised; the producer
                                // does not reuse it until our head store.
                                let message = unsafe { (*slot).assume_init_mut() };
                                on(message);
                                // Counted as taken before it is dropped: a
                                // drop that panics must not leave the
                                // message behind to be dropped again.
                                advance.done += 1;
                                // SAFETY: as above; read for the last time.
                                unsafe { ptr::drop_in_place(message) };
                            });
                    }
                }
                Handle::Slices(on) => {
                    let (first, second) = wrapped(&ring.slots, head, run);
                    let mut hand = |values: &[MaybeUninit<T>]| {
                        // SAFETY: below the tail we acquired, so published
                        // and initialised (see below), and `MaybeUninit<T>`
                        // has `T`'s layout.
                        on(unsafe {
                            core::slice::from_raw_parts(values.as_ptr().cast::<T>(), values.len())
                        })
                    };
                    for cells in [first, second] {
                        // SAFETY: below the tail we acquired, so published
                        // and initialised; the producer does not reuse them
                        // until our head store, and nothing writes them.
                        unsafe { read_slices(cells, &mut hand) };
                        drop_taken(cells, &mut advance);
                    }
                }
                Handle::Discard => {
                    let (first, second) = wrapped(&ring.slots, head, run);
                    drop_taken(first, &mut advance);
                    drop_taken(second, &mut advance);
                }
            }
            drop(advance);
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

    /// Waits for a message. `Ok(false)`: the channel is closed and drained.
    fn wait_ready(&mut self) -> Result<bool, WaitError> {
        let RingConsumer {
            shared,
            rings,
            waiter,
            ..
        } = self;
        waiter.wait_until(|| {
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
        handle: &mut Handle<F, G>,
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
                Err(_) => return Consumed::Idle,
            }
        }
    }

    /// Waits for messages, then hands up to `max` of them to `on` (each
    /// producer's in order), dropping each after `on` returns. One head
    /// store per ring per call. `Closed` once every sender is gone and
    /// everything is consumed; `Idle` when the wait was cancelled (or timed
    /// out, with timeout-blocking).
    #[inline(always)]
    pub fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&T)) -> Consumed {
        self.consume(max, &mut Handle::<_, fn(&[T])>::Read(&mut on))
    }

    /// As [`consume_batch`](Self::consume_batch), handing each contiguous
    /// run of a ring's messages to `on` as one slice (a ring gives one, or
    /// two where its messages wrap), then dropping them. If `on` panics,
    /// the messages of its slice stay in the ring, to be dropped with the
    /// channel.
    #[inline(always)]
    pub fn consume_slices(&mut self, max: usize, mut on: impl FnMut(&[T])) -> Consumed {
        self.consume(max, &mut Handle::<fn(&T), _>::Slices(&mut on))
    }

    /// Waits for messages, then drains every ring of what it holds now.
    pub fn consume_all(&mut self, mut on: impl FnMut(&T)) -> Consumed {
        self.consume(usize::MAX, &mut Handle::<_, fn(&[T])>::Read(&mut on))
    }

    /// Like [`consume_batch`](Self::consume_batch), but drops the messages
    /// unread (without touching them at all when `T` needs no drop).
    pub fn discard_batch(&mut self, max: usize) -> Consumed {
        self.consume(max, &mut Handle::<fn(&T), fn(&[T])>::Discard)
    }

    /// Takes one message by value without waiting, if any is ready.
    pub fn try_recv(&mut self) -> Option<T> {
        let mut taken = None;
        self.pass_move(&mut taken);
        taken
    }

    /// One message moved out of the first ready ring (fair order).
    fn pass_move(&mut self, out: &mut Option<T>) {
        self.discover();
        let rings = self.rings.len();
        if rings == 0 {
            return;
        }
        let start = self.start(rings);
        let shared = &*self.shared;
        for k in 0..rings {
            let mut index = start + k;
            if index >= rings {
                index -= rings;
            }
            let local: &mut Local<T> = &mut self.rings[index];
            if local.ready(1) == 0 {
                continue;
            }
            let head = local.head;
            // SAFETY: rings live as long as `shared`.
            let ring = unsafe { &*local.ring };
            *out = Some(shared.slot(ring, head).with(|slot| {
                // SAFETY: published and initialised (below the acquired
                // tail); moved out once, and the head moves past it below,
                // so it is never read or dropped again.
                unsafe { (*slot).assume_init_read() }
            }));
            drop(Advance { local, done: 1 });
            self.waiter.notify();
            return;
        }
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

/// The `ring_mpsc` implementation behind the one trait.
pub struct RingMpsc;

impl Queue for RingMpsc {
    type Producer<M: Message> = RingProducer<M>;
    type Consumer<M: Message> = RingConsumer<M>;

    fn info() -> Info {
        Info {
            name: "ring_mpsc",
            summary: "one SPSC ring per producer (capacity is per ring), consumer polls all rings, one head store per ring per batch",
            topologies: &[Topology::Spsc, Topology::Mpsc],
            ordering: OrderingGuarantee::PerProducerFifo,
            wait_class: WaitClass::Configurable,
            batching: Batching::Native,
            fanout_emulated: false,
            capacity_power_of_two: true,
            min_capacity: MIN_CAPACITY.max(MIN_RING_CAPACITY),
            single_producer: false,
            max_capacity: MAX_RING_CAPACITY,
            max_producers: MAX_PRODUCERS,
            bounded: true,
        }
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<RingProducer<M>, RingConsumer<M>>, BuildError> {
        let info = Self::info();
        info.check(cfg)?;
        let config = Config {
            wait: cfg.wait,
            cancel: cfg.cancel.clone(),
            ..Config::new(cfg.capacity, cfg.producers)
        };
        // `info.check` has refused these already (the limits in `info`
        // are the channel's); mapped by cause all the same.
        let (channel, mut consumer) = channel(config).map_err(|error| match error {
            ConfigError::RingCapacity { capacity } if capacity > MAX_RING_CAPACITY => {
                BuildError::CapacityTooLarge {
                    implementation: info.name,
                    capacity,
                    max: MAX_RING_CAPACITY,
                }
            }
            ConfigError::RingCapacity { capacity } if capacity < MIN_RING_CAPACITY => {
                BuildError::CapacityTooSmall {
                    implementation: info.name,
                    capacity,
                    min: MIN_RING_CAPACITY,
                }
            }
            ConfigError::RingCapacity { capacity } => BuildError::CapacityNotPowerOfTwo {
                implementation: info.name,
                capacity,
            },
            ConfigError::MaxProducers { producers } => BuildError::TooManyProducers {
                implementation: info.name,
                producers,
                max: MAX_PRODUCERS,
            },
        })?;
        let producers = (0..cfg.producers)
            .map(|_| channel.register())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| BuildError::TooManyProducers {
                implementation: info.name,
                producers: cfg.producers,
                max: MAX_PRODUCERS,
            })?;
        // The consumer learns of the rings now, so that its table is not
        // allocated inside a measured region.
        consumer.discover();
        Ok(Endpoints {
            producers,
            consumers: vec![consumer],
        })
    }
}

impl<M: Message> Producer<M> for RingProducer<M> {
    #[inline(always)]
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        let mut done = 0;
        while done < n {
            let mut reservation = self.reserve(n - done)?;
            let base = done;
            reservation.fill(|i| M::new_with(|message| fill(base + i, message)));
            done += reservation.commit();
        }
        Ok(())
    }
}

impl<M: Message> Consumer<M> for RingConsumer<M> {
    #[inline(always)]
    fn consume_batch(&mut self, max: usize, on: impl FnMut(&M)) -> Consumed {
        RingConsumer::consume_batch(self, max, on)
    }

    #[inline(always)]
    fn consume_slices(&mut self, max: usize, on: impl FnMut(&[M])) -> Consumed {
        RingConsumer::consume_slices(self, max, on)
    }

    #[inline(always)]
    fn discard_batch(&mut self, max: usize) -> Consumed {
        RingConsumer::discard_batch(self, max)
    }
}
