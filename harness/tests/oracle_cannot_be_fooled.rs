//! Broken queues whose faults a weaker oracle let through, each run
//! through the real runner and oracle, each now failed:
//! - a worker pool that hands one worker message 1001 in place of 1000
//!   and 1003 in place of 1004 (two losses and two duplicates that keep
//!   the count, the sum and every consumer's order), at every payload
//!   size and batch 1 and 64;
//! - a pipeline and a diamond whose stages all take every message
//!   straight from the producer, none waiting for the stage before;
//! - a queue that hands, in a second run, a message left over from the
//!   first (a stale slot of the same producer and sequence).
//!
//! The queue is a test double: one locked deque per consumer, filled by
//! the producers; each fault is a way of filling them.

use std::any::Any;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use harness::placement::Placement;
use harness::runner::{Mode, Outcome, RunSpec, run_once};
use harness::sweep::run_named;
use impls::{
    BuildError, Consumed, Consumer, Endpoints, Info, Message, Msg8, Msg64, Msg256, Producer,
    PublishError, Queue, QueueConfig, Setup, Topology, WaitStrategy, Waiter,
};

const HONEST: u8 = 0;
/// Work-sharing: message 1000 is replaced by a copy of 1001 and 1004 by a
/// copy of 1003, in the first consumer's lane.
const COMPENSATES: u8 = 1;
/// Pipeline and diamond: the first stage starts late and nobody waits.
const NO_STAGES: u8 = 2;
/// Message 100 of every run after the first is the first run's.
const STALE: u8 = 3;

/// Messages of the first run kept for later runs (`STALE`).
static LEFT_OVER: Mutex<Option<Box<dyn Any + Send>>> = Mutex::new(None);

struct Shared<M> {
    /// One deque per consumer.
    lanes: Vec<Mutex<VecDeque<M>>>,
    producers: AtomicUsize,
    /// Messages published so far, over all producers.
    given: AtomicU64,
    topology: Topology,
    /// `COMPENSATES`: message 1000, held back until 1001 is written.
    held: Mutex<Option<M>>,
    /// `NO_STAGES`: whether the first stage has started.
    started: AtomicBool,
}

struct Lanes<const FAULT: u8>;

struct LaneProducer<M, const FAULT: u8> {
    shared: Arc<Shared<M>>,
}

struct LaneConsumer<M, const FAULT: u8> {
    shared: Arc<Shared<M>>,
    lane: usize,
    waiter: Waiter,
}

impl<const FAULT: u8> Queue for Lanes<FAULT> {
    type Producer<M: Message> = LaneProducer<M, FAULT>;
    type Consumer<M: Message> = LaneConsumer<M, FAULT>;

    fn info() -> Info {
        Info::new(
            "lanes",
            "test double: one locked deque per consumer",
            &[
                Topology::Spsc,
                Topology::MpmcWorkerPool,
                Topology::Pipeline,
                Topology::Diamond,
            ],
        )
        .min_capacity(2)
        .max_capacity(impls::queue::MAX_CAPACITY)
        .max_producers(impls::queue::MAX_THREADS)
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<Self::Producer<M>, Self::Consumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        let shared = Arc::new(Shared {
            lanes: (0..cfg.setup.consumers)
                .map(|_| Mutex::new(VecDeque::new()))
                .collect(),
            producers: AtomicUsize::new(cfg.setup.producers),
            given: AtomicU64::new(0),
            topology: cfg.setup.topology,
            held: Mutex::new(None),
            started: AtomicBool::new(false),
        });
        Ok(Endpoints {
            producers: (0..cfg.setup.producers)
                .map(|_| LaneProducer {
                    shared: Arc::clone(&shared),
                })
                .collect(),
            consumers: (0..cfg.setup.consumers)
                .map(|lane| LaneConsumer {
                    shared: Arc::clone(&shared),
                    lane,
                    waiter: Waiter::new(cfg.setup.wait, cfg.cancel.clone()),
                })
                .collect(),
        })
    }
}

impl<M: Message, const FAULT: u8> LaneProducer<M, FAULT> {
    /// Puts `message`, the `given`-th published, where `FAULT` says.
    fn deliver(&self, given: u64, mut message: M) {
        let shared = &*self.shared;
        let lanes = shared.lanes.len() as u64;
        let push = |lane: u64, message: M| {
            shared.lanes[lane as usize]
                .lock()
                .unwrap()
                .push_back(message)
        };
        if FAULT == STALE && given == 100 {
            let mut left_over = LEFT_OVER.lock().unwrap();
            match left_over.as_ref().and_then(|kept| kept.downcast_ref::<M>()) {
                Some(kept) => message = *kept,
                None => *left_over = Some(Box::new(message)),
            }
        }
        if shared.topology != Topology::MpmcWorkerPool {
            (0..lanes).for_each(|lane| push(lane, message));
            return;
        }
        // Work-sharing: message i to lane i mod consumers.
        let mut held = shared.held.lock().unwrap();
        match (FAULT, given) {
            (COMPENSATES, 1000) => *held = Some(message),
            (COMPENSATES, 1001) => {
                // In place of 1000, a copy of 1001.
                held.take();
                push(1000 % lanes, message);
                push(given % lanes, message);
            }
            (COMPENSATES, 1003) => {
                *held = Some(message);
                push(given % lanes, message);
            }
            // In place of 1004, a copy of 1003.
            (COMPENSATES, 1004) => push(given % lanes, held.take().expect("1003 was kept")),
            _ => push(given % lanes, message),
        }
    }
}

impl<M: Message, const FAULT: u8> Producer<M> for LaneProducer<M, FAULT> {
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        for index in 0..n {
            let message = M::new_with(|m| fill(index, m));
            let given = self.shared.given.fetch_add(1, Ordering::Relaxed);
            self.deliver(given, message);
        }
        Ok(())
    }
}

impl<M, const FAULT: u8> Drop for LaneProducer<M, FAULT> {
    fn drop(&mut self) {
        self.shared.producers.fetch_sub(1, Ordering::Release);
    }
}

impl<M: Message, const FAULT: u8> Consumer<M> for LaneConsumer<M, FAULT> {
    fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&M)) -> Consumed {
        let shared = &*self.shared;
        if FAULT == NO_STAGES && self.lane == 0 && !shared.started.swap(true, Ordering::Relaxed) {
            // The first stage starts late; the others do not wait for it.
            std::thread::sleep(Duration::from_millis(50));
        }
        let lane = &shared.lanes[self.lane];
        let outcome = self.waiter.wait_until(|| {
            let closed = shared.producers.load(Ordering::Acquire) == 0;
            let mut queue = lane.lock().unwrap();
            if !queue.is_empty() {
                let taken = queue.len().min(max.max(1));
                queue.drain(..taken).for_each(|message| on(&message));
                return Some(Consumed::Items(taken));
            }
            closed.then_some(Consumed::Closed)
        });
        outcome.unwrap_or(Consumed::Idle)
    }
}

fn spec(topology: Topology, consumers: usize, batch: usize, messages: u64) -> RunSpec {
    RunSpec {
        setup: Setup {
            topology,
            producers: 1,
            consumers,
            capacity: 1024,
            batch,
            wait: WaitStrategy::SpinYield,
        },
        messages,
        timeout: Duration::from_secs(60),
        placement: Placement {
            oversubscribed: true,
            cores: None,
            threads: 1 + consumers,
        },
        layout_seed: 0,
        mode: Mode::Throughput,
        instruments: Default::default(),
    }
}

/// The problems of a run that must have completed and failed.
fn problems(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Completed { verdict, .. } => {
            assert!(
                !verdict.passed,
                "the oracle passed a broken run: {verdict:?}"
            );
            verdict.problems.join("; ")
        }
        other => panic!("expected a completed, failed run: {other:?}"),
    }
}

fn run<const FAULT: u8>(spec: &RunSpec, payload: usize) -> Outcome {
    match payload {
        8 => run_once::<Lanes<FAULT>, Msg8>(spec),
        64 => run_once::<Lanes<FAULT>, Msg64>(spec),
        _ => run_once::<Lanes<FAULT>, Msg256>(spec),
    }
}

#[test]
fn honest_lanes_pass() {
    for (topology, consumers) in [(Topology::Spsc, 1), (Topology::MpmcWorkerPool, 2)] {
        for payload in [8, 64] {
            let outcome = run::<HONEST>(&spec(topology, consumers, 4, 5000), payload);
            assert!(outcome.passed(), "{topology} {payload} B: {outcome:?}");
        }
    }
}

#[test]
fn the_built_in_stages_keep_the_order() {
    for name in ["single", "lmax", "bitmap"] {
        for (topology, consumers) in [(Topology::Pipeline, 3), (Topology::Diamond, 3)] {
            for batch in [1, 64] {
                let outcome = run_named(name, &spec(topology, consumers, batch, 20_000), 8);
                assert!(
                    outcome.passed(),
                    "{name} {topology} batch {batch}: {outcome:?}"
                );
            }
        }
    }
}

#[test]
fn compensating_losses_and_duplicates_in_a_worker_pool_fail() {
    for payload in [8, 64, 256] {
        for batch in [1, 64] {
            let spec = spec(Topology::MpmcWorkerPool, 2, batch, 5000);
            let found = problems(&run::<COMPENSATES>(&spec, payload));
            assert!(
                found.contains("checksum mismatch"),
                "{payload} B, batch {batch}: {found}"
            );
        }
    }
}

#[test]
fn stages_that_do_not_wait_for_each_other_fail() {
    for (topology, consumers) in [
        (Topology::Pipeline, 2),
        (Topology::Pipeline, 3),
        (Topology::Diamond, 3),
    ] {
        let found = problems(&run::<NO_STAGES>(&spec(topology, consumers, 8, 20_000), 8));
        assert!(
            found.contains("before a stage it depends on had finished with them"),
            "{topology} with {consumers} stages: {found}"
        );
    }
}

#[test]
fn a_message_left_over_from_an_earlier_run_fails() {
    for payload in [8, 64, 256] {
        *LEFT_OVER.lock().unwrap() = None;
        let spec = spec(Topology::Spsc, 1, 4, 1000);
        // The first run keeps its message 100 and passes.
        let first = run::<STALE>(&spec, payload);
        assert!(first.passed(), "{payload} B: {first:?}");
        // The second is handed the first run's message 100 in place of
        // its own: same producer, same sequence, another run.
        let found = problems(&run::<STALE>(&spec, payload));
        assert!(
            found.contains("checksum mismatch") || found.contains("does not exist"),
            "{payload} B: {found}"
        );
    }
}
