//! `disruptor`: the published disruptor crate (4.x), the reference Rust
//! disruptor, behind the one trait.
//!
//! Built with its event-poller API, so it spawns no threads of its own: the
//! harness's pinned threads publish and poll, exactly as for our
//! implementations. One producer uses its single-producer sequencer, several
//! its multi-producer one; several consumers are pollers of one stage, each
//! seeing every event (fan-out). Its blocking `publish` spins with no way to
//! stop it, so producers use `try_batch_publish` and wait with the
//! scenario's strategy; polling never blocks, so consumers do the same.
//! Batches larger than the ring are split (the crate would spin forever on
//! them). The crate's own shutdown signal (every producer dropped) is what
//! consumers see as `Closed`, after draining.

use core::cell::Cell;
use core::mem::ManuallyDrop;

use disruptor::{
    BusySpin, EventPoller, MultiConsumerBarrier, MultiProducer, MultiProducerBarrier, Polling,
    Producer as _, SingleConsumerBarrier, SingleProducer, SingleProducerBarrier,
};

use crate::message::Message;
use crate::queue::{
    Batching, BuildError, Consumed, Consumer, Endpoints, Info, Producer, PublishError, Queue,
    QueueConfig, Topology,
};
use crate::sync::{Arc, AtomicUsize, Ordering, on_unwind};
use crate::wait::Waiter;

/// The `disruptor` implementation.
pub struct DisruptorCrate;

/// Its multi-producer sequencer asserts at least this many slots.
const MIN_CAPACITY: usize = 64;

/// The crate's producer types, by sequencer and number of consumers.
enum Inner<M> {
    Single(SingleProducer<M, SingleConsumerBarrier>),
    SingleFanout(SingleProducer<M, MultiConsumerBarrier>),
    Multi(MultiProducer<M, SingleConsumerBarrier>),
    MultiFanout(MultiProducer<M, MultiConsumerBarrier>),
}

/// Sending end of [`DisruptorCrate`].
pub struct CrateProducer<M: Message> {
    inner: Inner<M>,
    consumers: Arc<AtomicUsize>,
    capacity: usize,
    waiter: Waiter,
}

/// The crate's poller types, by sequencer.
enum Poller<M> {
    Single(EventPoller<M, SingleProducerBarrier>),
    Multi(EventPoller<M, MultiProducerBarrier>),
}

/// Receiving end of [`DisruptorCrate`].
pub struct CratePoller<M: Message> {
    poller: Poller<M>,
    /// Events at the head of the poller that a handler that panicked was
    /// handed: consumed, but still before the crate's cursor, which the
    /// next call moves past them before it takes any event.
    handed_before_panic: usize,
    consumers: Arc<AtomicUsize>,
    waiter: Waiter,
}

/// Adds pollers to a builder until there are `count`, then builds: the
/// crate's builders change type with the first and second poller.
macro_rules! build_with_pollers {
    ($builder:expr, $count:expr, $poller:path, $one:path, $many:path) => {{
        let (first, builder) = $builder.new_event_poller();
        let mut pollers = vec![$poller(first)];
        if $count == 1 {
            (pollers, $one(builder.build()))
        } else {
            let (second, mut builder) = builder.new_event_poller();
            pollers.push($poller(second));
            for _ in 2..$count {
                let (next, more) = builder.new_event_poller();
                pollers.push($poller(next));
                builder = more;
            }
            (pollers, $many(builder.build()))
        }
    }};
}

impl Queue for DisruptorCrate {
    type Producer<M: Message> = CrateProducer<M>;
    type Consumer<M: Message> = CratePoller<M>;

    fn info() -> Info {
        Info::new(
            "disruptor",
            "the disruptor crate 4.x, event pollers driven by the harness's threads",
            &[Topology::Spsc, Topology::Mpsc, Topology::MpmcFanout],
        )
        .batching(Batching::Native)
        .capacity_power_of_two(true)
        .min_capacity(MIN_CAPACITY)
        .family(crate::info::Family::Crate)
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<CrateProducer<M>, CratePoller<M>>, BuildError> {
        Self::info().check(cfg)?;
        // The wait strategy passed to the crate only serves its own handler
        // threads, which the poller route does not have.
        let (pollers, first) = if cfg.setup.producers == 1 {
            let builder =
                disruptor::build_single_producer(cfg.setup.capacity, M::default, BusySpin);
            build_with_pollers!(
                builder,
                cfg.setup.consumers,
                Poller::Single,
                Inner::Single,
                Inner::SingleFanout
            )
        } else {
            let builder = disruptor::build_multi_producer(cfg.setup.capacity, M::default, BusySpin);
            build_with_pollers!(
                builder,
                cfg.setup.consumers,
                Poller::Multi,
                Inner::Multi,
                Inner::MultiFanout
            )
        };
        let consumers = Arc::new(AtomicUsize::new(cfg.setup.consumers));
        let waiter = Waiter::new(cfg.setup.wait, cfg.cancel.clone());
        let mut inners = vec![first];
        while inners.len() < cfg.setup.producers {
            let clone = match &inners[0] {
                Inner::Multi(producer) => Inner::Multi(producer.clone()),
                Inner::MultiFanout(producer) => Inner::MultiFanout(producer.clone()),
                Inner::Single(_) | Inner::SingleFanout(_) => {
                    unreachable!("one producer uses the single-producer sequencer")
                }
            };
            inners.push(clone);
        }
        let producers = inners
            .into_iter()
            .map(|inner| CrateProducer {
                inner,
                consumers: Arc::clone(&consumers),
                capacity: cfg.setup.capacity,
                waiter: waiter.clone(),
            })
            .collect();
        let pollers = pollers
            .into_iter()
            .map(|poller| CratePoller {
                poller,
                handed_before_panic: 0,
                consumers: Arc::clone(&consumers),
                waiter: waiter.clone(),
            })
            .collect();
        Ok(Endpoints {
            producers,
            consumers: pollers,
        })
    }
}

impl<M: Message> CrateProducer<M> {
    /// Publishes `n <= capacity` events if there is room now.
    #[inline(always)]
    fn try_publish(
        &mut self,
        n: usize,
        first: usize,
        fill: &mut impl FnMut(usize, &mut M),
    ) -> bool {
        // The crate's batch iterator type is not public, so the closure is
        // written where its parameter type can be inferred.
        macro_rules! publish_with {
            ($producer:expr) => {
                $producer
                    .try_batch_publish(n, |events| {
                        for (offset, event) in events.enumerate() {
                            fill(first + offset, event);
                        }
                    })
                    .is_ok()
            };
        }
        match &mut self.inner {
            Inner::Single(producer) => publish_with!(producer),
            Inner::SingleFanout(producer) => publish_with!(producer),
            Inner::Multi(producer) => publish_with!(producer),
            Inner::MultiFanout(producer) => publish_with!(producer),
        }
    }
}

impl<M: Message> Producer<M> for CrateProducer<M> {
    #[inline(always)]
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        let mut done = 0;
        while done < n {
            let run = (n - done).min(self.capacity);
            if !self.try_publish(run, done, &mut fill) {
                let (waiter, consumers) = (self.waiter.clone(), Arc::clone(&self.consumers));
                waiter.wait_for_room(
                    || self.try_publish(run, done, &mut fill).then_some(()),
                    // Acquire: pairs with the pollers' Release decrement.
                    || consumers.load(Ordering::Acquire) == 0,
                )?;
            }
            self.waiter.notify();
            done += run;
        }
        Ok(())
    }
}

impl<M: Message> Drop for CrateProducer<M> {
    fn drop(&mut self) {
        // The crate signals shutdown when `inner` drops, just after this;
        // parked pollers notice it within one park slice.
        self.waiter.notify();
    }
}

impl<M: Message> CratePoller<M> {
    /// Takes up to `max` events now, handing them to `on`.
    ///
    /// The crate's guard moves its cursor past every event of a take when
    /// it drops, handed or not, so a panicking `on` would lose the rest of
    /// the take. The guard is dropped only when `on` returns; if `on`
    /// panics, the cursor stays and the events `on` was handed are counted
    /// instead, to be passed over by the next call.
    #[inline(always)]
    fn take(&mut self, max: usize, on: &mut impl FnMut(&M)) -> Option<Consumed> {
        if self.handed_before_panic > 0 {
            self.pass_over_handed();
        }
        macro_rules! take_from {
            ($poller:expr) => {
                match $poller.take(max as u64) {
                    Ok(events) => {
                        let mut events = ManuallyDrop::new(events);
                        let taken = Cell::new(0);
                        on_unwind(
                            || {
                                for event in &mut *events {
                                    taken.set(taken.get() + 1);
                                    on(event);
                                }
                            },
                            || self.handed_before_panic = taken.get(),
                        );
                        drop(ManuallyDrop::into_inner(events));
                        let taken = taken.get();
                        (taken > 0).then_some(Consumed::Items(taken))
                    }
                    Err(Polling::NoEvents) => None,
                    Err(Polling::Shutdown) => Some(Consumed::Closed),
                }
            };
        }
        match &mut self.poller {
            Poller::Single(poller) => take_from!(poller),
            Poller::Multi(poller) => take_from!(poller),
        }
    }

    /// Moves the crate's cursor past the events handed before a handler
    /// panicked. They were available then, so a take of that many takes
    /// exactly them.
    #[cold]
    fn pass_over_handed(&mut self) {
        let handed = core::mem::take(&mut self.handed_before_panic) as u64;
        let taken = match &mut self.poller {
            Poller::Single(poller) => poller.take(handed).map(|mut events| (&mut events).count()),
            Poller::Multi(poller) => poller.take(handed).map(|mut events| (&mut events).count()),
        };
        debug_assert_eq!(taken, Ok(handed as usize), "handed events stay available");
    }
}

impl<M: Message> Consumer<M> for CratePoller<M> {
    #[inline(always)]
    fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&M)) -> Consumed {
        // 0 counts as 1 (the trait's contract); the crate's `take(0)` hands
        // nothing, so waiting for it would never end.
        let max = max.max(1);
        let waiter = self.waiter.clone();
        let outcome = match self.take(max, &mut on) {
            Some(outcome) => outcome,
            None => match waiter.wait_for_items(|| self.take(max, &mut on)) {
                Ok(outcome) => outcome,
                Err(idle) => return idle,
            },
        };
        if matches!(outcome, Consumed::Items(_)) {
            self.waiter.notify();
        }
        outcome
    }
}

impl<M: Message> Drop for CratePoller<M> {
    fn drop(&mut self) {
        // Release: pairs with the producers' Acquire check.
        self.consumers.fetch_sub(1, Ordering::Release);
        self.waiter.notify();
    }
}
