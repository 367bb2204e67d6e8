//! Criterion benches over the harness's own workloads.
//!
//! Groups `spsc`, `mpsc`, `mpmc_worker_pool` and `mpmc_fanout` run every
//! implementation that can run the topology through `harness::runner`
//! itself: the same producer and consumer loops, the same pinning and
//! oversubscription fallback, the same oracle (a run that fails it panics
//! the bench). `iter_custom` times only the runner's measured region
//! (threads are spawned and pinned before it); one criterion element is one
//! published message. The `uncontended` group times one operation in one
//! thread: a publish of one message, and a consume of one message.
//!
//! `cargo bench -p harness --bench queues` runs them all;
//! `cargo bench -p harness --bench queues -- spsc/` one group.

// `criterion_group!` generates an undocumented function.
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use harness::placement::Cores;
use harness::runner::{Outcome, RunSpec};
use harness::sweep::{SweepOptions, effective_wait, run_named};
use impls::{
    Consumed, Consumer, Message, Msg8, Producer, Queue, QueueConfig, Salt, Setup, Topology,
    Visitor, WaitStrategy,
};

/// One topology's configuration: producers, consumers, batch.
const CONFIGURATIONS: [(Topology, usize, usize, usize); 4] = [
    (Topology::Spsc, 1, 1, 64),
    (Topology::Mpsc, 2, 1, 64),
    (Topology::MpmcWorkerPool, 2, 2, 64),
    (Topology::MpmcFanout, 1, 2, 64),
];

const CAPACITY: usize = 1024;

/// Runs `messages` through `name` and returns the measured region.
fn measured(name: &str, spec: &RunSpec) -> Duration {
    match run_named(name, spec, Msg8::BYTES) {
        Outcome::Completed {
            elapsed_ns,
            verdict,
            ..
        } if verdict.passed => Duration::from_nanos(elapsed_ns),
        outcome => panic!("{name}: the run did not pass the oracle: {outcome:?}"),
    }
}

fn topologies(c: &mut Criterion) {
    let cores = Cores::detect();
    for (topology, producers, consumers, batch) in CONFIGURATIONS {
        let placement = cores.plan(producers, consumers);
        let wait = effective_wait(
            WaitStrategy::BusySpin,
            placement.oversubscribed,
            SweepOptions::default(),
        );
        let mut group = c.benchmark_group(topology.name());
        group.throughput(Throughput::Elements(1));
        group.sample_size(10);
        let capable = impls::all()
            .into_iter()
            .filter(|info| info.supports(topology) && !(info.single_producer && producers > 1));
        for info in capable {
            let parameter = format!("P{producers}C{consumers}/batch{batch}");
            group.bench_function(BenchmarkId::new(info.name, parameter), |bench| {
                bench.iter_custom(|iterations| {
                    let spec = RunSpec {
                        setup: Setup {
                            topology,
                            producers,
                            consumers,
                            capacity: CAPACITY,
                            batch,
                            wait,
                        },
                        messages: iterations.max(producers as u64),
                        timeout: Duration::from_secs(120),
                        placement: placement.clone(),
                        layout_seed: iterations,
                        mode: harness::runner::Mode::Throughput,
                        instruments: Default::default(),
                    };
                    measured(info.name, &spec)
                });
            });
        }
        group.finish();
    }
}

/// Times `iterations` single-message publishes, then as many consumes, in
/// one thread, each in its own timed loop (the other side runs untimed).
struct Uncontended {
    iterations: u64,
    publish: bool,
}

impl Visitor for Uncontended {
    type Output = Duration;
    fn visit<Q: Queue>(self) -> Duration {
        let cfg = QueueConfig::new(Topology::Spsc, CAPACITY);
        let mut endpoints = Q::build::<Msg8>(&cfg).expect("spsc builds");
        let mut producer = endpoints.producers.pop().expect("one producer");
        let mut consumer = endpoints.consumers.pop().expect("one consumer");
        let mut total = Duration::ZERO;
        let mut left = self.iterations;
        let mut sequence = 0u64;
        while left > 0 {
            let round = left.min(CAPACITY as u64 / 2);
            let mut publish = || {
                for _ in 0..round {
                    producer
                        .publish_batch(1, |_, m| m.write(Salt::NONE, 0, sequence))
                        .expect("room");
                    sequence += 1;
                }
            };
            let mut consume = || {
                for _ in 0..round {
                    let consumed = consumer.consume_batch(1, |m| {
                        black_box(m.damage());
                    });
                    assert_eq!(consumed, Consumed::Items(1));
                }
            };
            if self.publish {
                let start = Instant::now();
                publish();
                total += start.elapsed();
                consume();
            } else {
                publish();
                let start = Instant::now();
                consume();
                total += start.elapsed();
            }
            left -= round;
        }
        total
    }
}

fn uncontended(c: &mut Criterion) {
    let mut group = c.benchmark_group("uncontended");
    group.throughput(Throughput::Elements(1));
    for info in impls::all() {
        for (operation, publish) in [("publish", true), ("consume", false)] {
            group.bench_function(BenchmarkId::new(info.name, operation), |bench| {
                bench.iter_custom(|iterations| {
                    impls::visit(
                        info.name,
                        Uncontended {
                            iterations,
                            publish,
                        },
                    )
                    .expect("registered")
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, topologies, uncontended);
criterion_main!(benches);
