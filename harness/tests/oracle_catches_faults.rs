//! The oracle must fail a run whose queue drops, duplicates or reorders a
//! message, and the watchdog must stop a run that never ends. The queue here
//! is a deliberately faulty test double: a locked `VecDeque` that damages the
//! 100th message it is given, run through the real runner and oracle.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use harness::placement::Placement;
use harness::runner::{Outcome, RunSpec, run_once};
use impls::{
    BuildError, Consumed, Consumer, Endpoints, Info, Message, Msg8, Producer, PublishError, Queue,
    QueueConfig, Setup, Topology, WaitStrategy, Waiter,
};

const HONEST: u8 = 0;
const DROPS: u8 = 1;
const DUPLICATES: u8 = 2;
const REORDERS: u8 = 3;
const NEVER_DELIVERS: u8 = 4;
const PANICS: u8 = 5;

/// The message the fault applies to.
const VICTIM: u64 = 100;

struct Shared<M> {
    queue: Mutex<VecDeque<M>>,
    producers: AtomicUsize,
    given: AtomicU64,
}

struct Faulty<const FAULT: u8>;
struct FaultyProducer<M, const FAULT: u8> {
    shared: Arc<Shared<M>>,
    held: Option<M>,
}
struct FaultyConsumer<M, const FAULT: u8> {
    shared: Arc<Shared<M>>,
    waiter: Waiter,
}

impl<const FAULT: u8> Queue for Faulty<FAULT> {
    type Producer<M: Message> = FaultyProducer<M, FAULT>;
    type Consumer<M: Message> = FaultyConsumer<M, FAULT>;

    fn info() -> Info {
        Info::new(
            "faulty",
            "test double that damages one message",
            &[Topology::Spsc],
        )
        .min_capacity(2)
        .max_capacity(impls::queue::MAX_CAPACITY)
        .single_producer(true)
        .max_producers(impls::queue::MAX_THREADS)
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<Self::Producer<M>, Self::Consumer<M>>, BuildError> {
        Self::info().check(cfg)?;
        let shared = Arc::new(Shared {
            queue: Mutex::new(VecDeque::new()),
            producers: AtomicUsize::new(1),
            given: AtomicU64::new(0),
        });
        Ok(Endpoints {
            producers: vec![FaultyProducer {
                shared: Arc::clone(&shared),
                held: None,
            }],
            consumers: vec![FaultyConsumer {
                shared,
                waiter: Waiter::new(cfg.setup.wait, cfg.cancel.clone()),
            }],
        })
    }
}

impl<M: Message, const FAULT: u8> Producer<M> for FaultyProducer<M, FAULT> {
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        for index in 0..n {
            let message = M::new_with(|m| fill(index, m));
            let given = self.shared.given.fetch_add(1, Ordering::Relaxed);
            let mut queue = self.shared.queue.lock().unwrap();
            match FAULT {
                DROPS if given == VICTIM => {}
                DUPLICATES if given == VICTIM => queue.extend([message, message]),
                // Hold the victim back and let the next message overtake it.
                REORDERS if given == VICTIM => self.held = Some(message),
                REORDERS if given == VICTIM + 1 => {
                    queue.extend([Some(message), self.held.take()].into_iter().flatten())
                }
                _ => queue.push_back(message),
            }
        }
        Ok(())
    }
}

impl<M, const FAULT: u8> Drop for FaultyProducer<M, FAULT> {
    fn drop(&mut self) {
        self.shared.producers.fetch_sub(1, Ordering::Release);
    }
}

impl<M: Message, const FAULT: u8> Consumer<M> for FaultyConsumer<M, FAULT> {
    fn consume_batch(&mut self, max: usize, mut on: impl FnMut(&M)) -> Consumed {
        let shared = &self.shared;
        let outcome = self.waiter.wait_until(|| {
            let closed = shared.producers.load(Ordering::Acquire) == 0;
            let mut queue = shared.queue.lock().unwrap();
            if FAULT == PANICS && !queue.is_empty() {
                panic!("faulty consumer panics on purpose");
            }
            if FAULT != NEVER_DELIVERS && !queue.is_empty() {
                let taken = queue.len().min(max);
                queue.drain(..taken).for_each(|message| on(&message));
                return Some(Consumed::Items(taken));
            }
            (closed && FAULT != NEVER_DELIVERS).then_some(Consumed::Closed)
        });
        outcome.unwrap_or(Consumed::Idle)
    }
}

fn run<const FAULT: u8>(timeout: Duration) -> Outcome {
    let spec = RunSpec {
        setup: Setup {
            topology: Topology::Spsc,
            producers: 1,
            consumers: 1,
            capacity: 1024,
            batch: 7,
            wait: WaitStrategy::SpinYield,
        },
        messages: 1000,
        timeout,
        placement: Placement {
            oversubscribed: false,
            cores: None,
            threads: 2,
        },
        layout_seed: 0,
        mode: harness::runner::Mode::Throughput,
        instruments: Default::default(),
    };
    run_once::<Faulty<FAULT>, Msg8>(&spec)
}

fn problems(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Completed { verdict, .. } => {
            assert!(
                !verdict.passed,
                "the oracle passed a faulty run: {verdict:?}"
            );
            verdict.problems.join("; ")
        }
        other => panic!("expected a completed, failed run: {other:?}"),
    }
}

#[test]
fn an_honest_queue_passes() {
    let outcome = run::<HONEST>(Duration::from_secs(60));
    assert!(outcome.passed(), "{outcome:?}");
}

#[test]
fn a_dropped_message_fails_the_oracle() {
    let found = problems(&run::<DROPS>(Duration::from_secs(60)));
    assert!(found.contains("1 of 1000 messages lost"), "{found}");
}

#[test]
fn a_duplicated_message_fails_the_oracle() {
    let found = problems(&run::<DUPLICATES>(Duration::from_secs(60)));
    assert!(found.contains("1 messages duplicated"), "{found}");
}

#[test]
fn a_reordered_message_fails_the_oracle() {
    let found = problems(&run::<REORDERS>(Duration::from_secs(60)));
    assert!(
        found.contains("1 messages arrived out of per-producer order"),
        "{found}"
    );
}

#[test]
fn the_watchdog_stops_a_run_that_never_ends() {
    let started = Instant::now();
    let outcome = run::<NEVER_DELIVERS>(Duration::from_millis(300));
    assert_eq!(
        outcome,
        Outcome::TimedOut {
            delivered: 0,
            abandoned_threads: 0
        }
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_panicking_thread_is_reported_as_a_crash() {
    let outcome = run::<PANICS>(Duration::from_secs(60));
    assert!(
        matches!(&outcome, Outcome::Crashed { error } if error.contains("on purpose")),
        "{outcome:?}"
    );
}
