//! Verification of the implementations: loom and shuttle models, stress
//! tests on real threads, and the seeded mutants they must catch.
//!
//! One model body, [`execute`], serves every checker: it builds a queue,
//! runs producers and consumers on the checker's threads with the harness's
//! own producer and consumer loops, and judges the outcome with the
//! harness's own oracle (no loss, no duplicate, per-producer order, fan-out
//! completeness, and stage order in pipelines and diamonds). Under loom, slots are loom `UnsafeCell`s, so every
//! missing happens-before edge on a slot is reported as a data race; under
//! shuttle, schedules are random or PCT. Which checker runs is chosen by
//! `--cfg ringlab_loom` or `--cfg ringlab_shuttle` (see
//! `scripts/model-check.sh`); without either, [`execute`] runs on real
//! threads (the stress tests).
//!
//! ```
//! use impls::{SpscRing, Topology, WaitStrategy};
//! use verify::{Model, execute};
//!
//! execute::<SpscRing>(&Model::new(Topology::Spsc, 1, 1, 2, 10));
//! ```

use harness::oracle::{Expected, Stage, StageBoard, Tally, judge};
use harness::runner::{consumer_loop, producer_loop, quotas, stage_loop};
use impls::{Msg8, Queue, QueueConfig, Salt, Setup, Topology, WaitStrategy};

#[cfg(ringlab_loom)]
use loom::thread;
#[cfg(all(ringlab_shuttle, not(ringlab_loom)))]
use shuttle::thread;
#[cfg(not(any(ringlab_loom, ringlab_shuttle)))]
use std::thread;

/// One small configuration to check.
#[derive(Clone, Copy, Debug)]
pub struct Model {
    /// Topology, threads (the last consumer runs on the calling thread),
    /// ring capacity, batch and how endpoints wait.
    pub setup: Setup,
    /// Messages in total, split over the producers.
    pub messages: u64,
}

impl Model {
    /// A model with batch 1 and spin-then-yield waiting.
    pub fn new(
        topology: Topology,
        producers: usize,
        consumers: usize,
        capacity: usize,
        messages: u64,
    ) -> Self {
        Self {
            setup: Setup::new(topology, capacity).threads(producers, consumers),
            messages,
        }
    }

    /// The same model with another batch size.
    #[must_use]
    pub fn batch(self, batch: usize) -> Self {
        Self {
            setup: self.setup.batch(batch),
            ..self
        }
    }

    /// The same model with another wait strategy.
    #[must_use]
    pub fn wait(self, wait: WaitStrategy) -> Self {
        Self {
            setup: self.setup.wait(wait),
            ..self
        }
    }
}

/// One execution of `model` on implementation `Q`; panics (which the model
/// checkers report with the schedule) if the oracle finds any violation or
/// an endpoint fails.
pub fn execute<Q: Queue>(model: &Model) {
    let cfg = QueueConfig::from(model.setup);
    let endpoints =
        Q::build::<Msg8>(&cfg).unwrap_or_else(|error| panic!("model does not build: {error}"));
    let quotas = quotas(model.messages, model.setup.producers);
    // A fixed salt: a failing schedule replays with the same messages.
    let salt = Salt(0x5EED_0F1A_7E00_0001);
    let expected = Expected::new(&quotas, salt);
    let batch = model.setup.batch;
    let producers: Vec<_> = endpoints
        .producers
        .into_iter()
        .zip(quotas)
        .enumerate()
        .map(|(id, (mut producer, quota))| {
            thread::spawn(move || {
                producer_loop(&mut producer, salt, id as u16, quota, batch)
                    .expect("a producer failed");
            })
        })
        .collect();
    let mut consumers = endpoints.consumers;
    let last = consumers.pop().expect("at least one consumer");
    let board = StageBoard::new(
        model.setup.topology,
        model.setup.producers,
        model.setup.consumers,
    );
    let mut stages =
        (0..model.setup.consumers).map(|index| board.as_ref().map(|b| b.stage(index, salt)));
    let others: Vec<_> = consumers
        .into_iter()
        .zip(stages.by_ref())
        .map(|(mut consumer, mut stage)| {
            let (cancel, count) = (cfg.cancel.clone(), model.setup.producers);
            thread::spawn(move || {
                let mut tally = Tally::new(count, salt);
                assert!(
                    consume(&mut consumer, batch, &mut tally, stage.as_mut(), &cancel),
                    "a consumer stopped early"
                );
                tally
            })
        })
        .collect();
    let mut own = last;
    let mut tally = Tally::new(model.setup.producers, salt);
    let mut stage = stages.next().expect("a stage per consumer");
    assert!(
        consume(&mut own, batch, &mut tally, stage.as_mut(), &cfg.cancel),
        "a consumer stopped early"
    );
    drop(own);
    let mut tallies: Vec<Tally> = others
        .into_iter()
        .map(|handle| handle.join().expect("consumer thread"))
        .collect();
    tallies.push(tally);
    for handle in producers {
        handle.join().expect("producer thread");
    }
    let verdict = judge(model.setup.topology.delivery(), &expected, &tallies);
    assert!(verdict.passed, "oracle: {}", verdict.problems.join("; "));
}

/// A consumer's loop: the stage loop for a stage of a pipeline or diamond,
/// the plain one otherwise.
fn consume<C: impls::Consumer<Msg8>>(
    consumer: &mut C,
    batch: usize,
    tally: &mut Tally,
    stage: Option<&mut Stage>,
    cancel: &impls::Cancel,
) -> bool {
    match stage {
        Some(stage) => stage_loop(consumer, batch, tally, stage, cancel),
        None => consumer_loop(consumer, batch, tally, cancel),
    }
}
