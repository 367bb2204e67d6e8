//! The soak at a small size: long runs pass through the oracle with their
//! memory watched (paused or not); a queue that loses messages fails it,
//! and so does one that leaks memory on every publish.

use std::time::Duration;

use harness::placement::Cores;
use harness::runner::{Outcome, Pause, RunSpec, run_once};
use harness::soak::{self, MIB, SoakOptions};
use impls::{
    BuildError, Endpoints, Info, Message, Msg8, Producer, PublishError, Queue, QueueConfig, Setup,
    SpscRing, Topology, WaitStrategy,
};

fn options(messages: u64, pause: Option<Pause>, rss_limit: u64) -> SoakOptions {
    SoakOptions {
        messages,
        capacity: 64,
        batch: 4,
        wait: WaitStrategy::SpinYield,
        payload: 8,
        pause,
        rss_limit,
        timeout: Some(Duration::from_secs(120)),
    }
}

#[test]
fn soak_runs_pass_the_oracle_with_and_without_pauses() {
    let known = impls::registry::catalogue::<impls::Builtin>().expect("the roster is valid");
    let chosen: Vec<Info> = known
        .into_iter()
        .filter(|info| ["spsc_ring", "lmax", "worker_pool", "seg_queue"].contains(&info.name))
        .collect();
    let pause = Pause {
        min_ns: 50,
        max_ns: 150,
        seed: 11,
    };
    let cores = Cores::detect();
    for pause in [None, Some(pause)] {
        let options = options(20_000, pause, 256 * MIB);
        let plan = soak::plan(&chosen, &Topology::ALL, &options);
        // spsc_ring 1, lmax 5, worker_pool 3, seg_queue 3 topologies.
        assert_eq!(plan.len(), 12, "{plan:?}");
        for (name, setup) in plan {
            let run = soak::run_one::<impls::Builtin>(name, setup, &options, &cores);
            assert!(run.passed, "{}", soak::describe(&run));
            assert_eq!(run.problem, None);
            let Outcome::Completed { verdict, .. } = &run.outcome else {
                panic!("{}", soak::describe(&run));
            };
            assert!(verdict.passed && !verdict.count_only);
            assert_eq!(verdict.sent, 20_000);
            if let Some(memory) = run.memory {
                assert!(memory.peak >= memory.before && memory.peak >= memory.after);
            }
        }
    }
}

#[test]
fn a_paused_run_waits_its_pauses() {
    // 2000 messages in publishes of 4: 500 pauses of 20 us on the
    // producer alone, so the run cannot take less than 10 ms.
    let pause = Pause {
        min_ns: 20_000,
        max_ns: 20_000,
        seed: 1,
    };
    let options = options(2000, Some(pause), 256 * MIB);
    let setup = Setup::new(Topology::Spsc, 64).batch(4);
    let run = soak::run_one::<impls::Builtin>("spsc_ring", setup, &options, &Cores::detect());
    assert!(run.passed, "{}", soak::describe(&run));
    let Outcome::Completed { elapsed_ns, .. } = run.outcome else {
        panic!("{}", soak::describe(&run));
    };
    assert!(elapsed_ns >= 10_000_000, "{elapsed_ns} ns");
}

/// Wraps spsc_ring's producer: `Drops` publishes nothing on its 1000th
/// call (and says `Ok`), `Leaks` leaks 1 KiB, every byte written, on
/// every call.
struct Broken<const LEAKS: bool>;

struct BrokenProducer<P, const LEAKS: bool> {
    inner: P,
    calls: u64,
}

impl<M: Message, P: Producer<M>, const LEAKS: bool> Producer<M> for BrokenProducer<P, LEAKS> {
    fn publish_batch(
        &mut self,
        n: usize,
        fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        self.calls += 1;
        if LEAKS {
            std::mem::forget(vec![1u8; 1024]);
        } else if self.calls == 1000 {
            return Ok(());
        }
        self.inner.publish_batch(n, fill)
    }
}

impl<const LEAKS: bool> Queue for Broken<LEAKS> {
    type Producer<M: Message> = BrokenProducer<<SpscRing as Queue>::Producer<M>, LEAKS>;
    type Consumer<M: Message> = <SpscRing as Queue>::Consumer<M>;

    fn info() -> Info {
        Info {
            name: "broken",
            ..SpscRing::info()
        }
    }

    fn build<M: Message>(
        cfg: &QueueConfig,
    ) -> Result<Endpoints<Self::Producer<M>, Self::Consumer<M>>, BuildError> {
        let endpoints = SpscRing::build::<M>(cfg)?;
        Ok(Endpoints {
            producers: endpoints
                .producers
                .into_iter()
                .map(|inner| BrokenProducer { inner, calls: 0 })
                .collect(),
            consumers: endpoints.consumers,
        })
    }
}

fn soak_broken<const LEAKS: bool>(options: &SoakOptions) -> soak::SoakRun {
    let setup = Setup::new(Topology::Spsc, 64).batch(4);
    let run = |spec: &RunSpec| run_once::<Broken<LEAKS>, Msg8>(spec);
    soak::run_with("broken", setup, options, &Cores::detect(), run)
}

#[test]
fn a_queue_that_loses_messages_fails_the_soak() {
    let run = soak_broken::<false>(&options(40_000, None, 256 * MIB));
    assert!(!run.passed, "{}", soak::describe(&run));
    let problem = run.problem.expect("a failed run says why");
    assert!(
        problem.starts_with("the oracle failed it") && problem.contains("lost"),
        "{problem}"
    );
}

#[test]
fn a_queue_that_leaks_memory_fails_the_soak() {
    if soak::resident_bytes().is_none() {
        eprintln!("resident memory cannot be read here: nothing to check");
        return;
    }
    // 50 000 publishes leak about 49 MiB; the bound is 16.
    let run = soak_broken::<true>(&options(200_000, None, 16 * MIB));
    assert!(!run.passed, "{}", soak::describe(&run));
    let problem = run.problem.expect("a failed run says why");
    assert!(problem.contains("resident memory grew by"), "{problem}");
    let memory = run.memory.expect("resident memory was read");
    assert!(memory.growth() > 16 * MIB, "{memory:?}");
}
