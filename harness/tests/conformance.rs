//! The conformance suite: written once, run against every implementation in
//! the registry, for every topology it claims.

use std::time::Duration;

use harness::placement::Placement;
use harness::runner::{Outcome, RunSpec};
use harness::sweep::run_named;
use impls::{
    BuildError, Consumed, Consumer, Info, Message, Msg8, Producer, PublishError, Queue,
    QueueConfig, Topology, Visitor, WaitStrategy,
};

/// Producer and consumer counts exercised for each topology, within what
/// the implementation takes.
fn thread_counts(info: &Info, topology: Topology) -> Vec<(usize, usize)> {
    let counts: &[(usize, usize)] = match topology {
        Topology::Spsc => &[(1, 1)],
        Topology::Mpsc => &[(1, 1), (3, 1)],
        Topology::MpmcWorkerPool => &[(1, 3), (3, 2)],
        Topology::MpmcFanout => &[(1, 2), (2, 3)],
        Topology::Pipeline => &[(1, 3), (2, 2)],
        Topology::Diamond => &[(1, 3), (2, 4)],
    };
    counts
        .iter()
        .copied()
        .filter(|&(producers, _)| producers == 1 || !info.single_producer)
        .collect()
}

/// The smallest capacity the implementation takes (2 for most).
fn smallest(info: &Info) -> usize {
    info.min_capacity
}

fn unpinned(threads: usize) -> Placement {
    Placement {
        oversubscribed: threads > 2,
        cores: None,
        threads,
    }
}

fn spec(
    topology: Topology,
    producers: usize,
    consumers: usize,
    capacity: usize,
    batch: usize,
) -> RunSpec {
    RunSpec {
        topology,
        producers,
        consumers,
        capacity,
        batch,
        wait: WaitStrategy::SpinYield,
        messages: 20_000,
        timeout: Duration::from_secs(120),
        placement: unpinned(producers + consumers),
        layout_seed: 0,
        mode: harness::runner::Mode::Throughput,
        instruments: Default::default(),
    }
}

/// No loss, no duplicate, per-producer order and fan-out completeness, over
/// thousands of wrap-arounds of the smallest ring, with batches that are
/// smaller than, equal to and larger than the capacity.
#[test]
fn every_implementation_passes_the_oracle_through_many_wraparounds() {
    for info in impls::all() {
        for &topology in info.topologies {
            for (producers, consumers) in thread_counts(&info, topology) {
                for batch in [1, 2, 5] {
                    let spec = spec(topology, producers, consumers, smallest(&info), batch);
                    let outcome = run_named(info.name, &spec, 8);
                    assert!(
                        outcome.passed(),
                        "{} {topology} P{producers} C{consumers} batch {batch}: {outcome:?}",
                        info.name
                    );
                }
            }
        }
    }
}

/// Every payload size goes through intact (the oracle checks every word).
#[test]
fn every_payload_size_arrives_intact() {
    for info in impls::all() {
        for payload in impls::PAYLOAD_SIZES {
            let capacity = smallest(&info).max(4);
            let outcome = run_named(info.name, &spec(Topology::Spsc, 1, 1, capacity, 3), payload);
            assert!(
                outcome.passed(),
                "{} payload {payload}: {outcome:?}",
                info.name
            );
        }
    }
}

/// Runs `check` against every registered implementation's concrete type.
fn for_each_implementation(check: impl Fn(&Info, &dyn Fn(&QueueConfig) -> Suite)) {
    struct Build<'a>(&'a QueueConfig);
    impl Visitor for Build<'_> {
        type Output = Suite;
        fn visit<Q: Queue>(self) -> Suite {
            Suite::run::<Q>(self.0)
        }
    }
    for info in impls::all() {
        let name = info.name;
        check(&info, &|cfg| {
            impls::visit(name, Build(cfg)).expect("registered")
        });
    }
}

/// What the direct API checks found for one configuration.
#[derive(Debug, PartialEq)]
enum Suite {
    BuildFailed(BuildError),
    /// Messages each consumer drained after the producers were dropped, and
    /// whether each then reported `Closed`.
    Drained {
        per_consumer: Vec<u64>,
        all_closed: bool,
    },
}

impl Suite {
    /// Builds, publishes 5 messages per producer, drops the producers, then
    /// drains every consumer single-threaded.
    fn run<Q: Queue>(cfg: &QueueConfig) -> Suite {
        let endpoints = match Q::build::<Msg8>(cfg) {
            Ok(endpoints) => endpoints,
            Err(error) => return Suite::BuildFailed(error),
        };
        for (index, mut producer) in endpoints.producers.into_iter().enumerate() {
            let id = index as u16;
            producer
                .publish_batch(5, |i, m| m.write(id, i as u64))
                .expect("room for 5");
        }
        let mut per_consumer = Vec::new();
        let mut all_closed = true;
        for mut consumer in endpoints.consumers {
            let mut seen = 0;
            let closed = loop {
                match consumer.consume_batch(2, |_| seen += 1) {
                    Consumed::Items(_) => {}
                    Consumed::Closed => break true,
                    Consumed::Idle => break false,
                }
            };
            all_closed &= closed;
            per_consumer.push(seen);
        }
        Suite::Drained {
            per_consumer,
            all_closed,
        }
    }
}

fn config(topology: Topology, producers: usize, consumers: usize, capacity: usize) -> QueueConfig {
    QueueConfig {
        producers,
        consumers,
        ..QueueConfig::new(topology, capacity)
    }
}

/// Dropping every producer closes the queue, and consumers still drain
/// everything that was published before they see `Closed`.
#[test]
fn close_on_drop_drains_everything_published() {
    for_each_implementation(|info, run| {
        for &topology in info.topologies {
            let (producers, consumers) = *thread_counts(info, topology).last().unwrap();
            let outcome = run(&config(
                topology,
                producers,
                consumers,
                smallest(info).max(16),
            ));
            let Suite::Drained {
                per_consumer,
                all_closed,
            } = outcome
            else {
                panic!("{} {topology}: {outcome:?}", info.name)
            };
            assert!(
                all_closed,
                "{} {topology}: a consumer did not see Closed",
                info.name
            );
            let sent = 5 * producers as u64;
            if topology.is_broadcast() {
                assert!(
                    per_consumer.iter().all(|&n| n == sent),
                    "{} {topology}: {per_consumer:?}",
                    info.name
                );
            } else {
                assert_eq!(
                    per_consumer.iter().sum::<u64>(),
                    sent,
                    "{} {topology}",
                    info.name
                );
            }
        }
    });
}

/// Misuse is an error value that says what to change.
#[test]
fn bad_configurations_are_build_errors() {
    for_each_implementation(|info, run| {
        let topology = info.topologies[0];
        let good = smallest(info).max(8);
        let failed = |cfg: QueueConfig| match run(&cfg) {
            Suite::BuildFailed(error) => error,
            other => panic!("{}: {cfg:?} built: {other:?}", info.name),
        };
        let capacity_error = failed(config(topology, 1, 1, 0));
        assert!(
            matches!(capacity_error, BuildError::Capacity { .. }),
            "{capacity_error}"
        );
        let capacity_error = failed(config(topology, 1, 1, 1));
        assert!(
            matches!(capacity_error, BuildError::Capacity { .. }),
            "{capacity_error}"
        );
        let producers_error = failed(config(topology, 0, 1, good));
        assert!(
            matches!(producers_error, BuildError::Producers { .. }),
            "{producers_error}"
        );
        let consumers_error = failed(config(topology, 1, 0, good));
        assert!(
            matches!(consumers_error, BuildError::Consumers { .. }),
            "{consumers_error}"
        );
        let batch_error = failed(QueueConfig {
            batch: 0,
            ..config(topology, 1, 1, good)
        });
        assert_eq!(batch_error, BuildError::Batch);
        let uneven = good + good / 2;
        if info.capacity_power_of_two {
            let error = failed(config(topology, 1, 1, uneven));
            let hint = format!("try {}", uneven.next_power_of_two());
            assert!(error.to_string().contains(&hint), "{error}");
        } else {
            assert!(matches!(
                run(&config(topology, 1, 1, uneven)),
                Suite::Drained { .. }
            ));
        }
        if info.min_capacity > 2 {
            let error = failed(config(topology, 1, 1, info.min_capacity / 2));
            assert!(
                matches!(error, BuildError::CapacityTooSmall { .. }),
                "{error}"
            );
        }
        for unsupported in Topology::ALL.into_iter().filter(|t| !info.supports(*t)) {
            let error = failed(config(unsupported, 1, unsupported.min_consumers(), good));
            assert!(error.to_string().contains("supports: spsc"), "{error}");
        }
        if !info.supports(Topology::Mpsc) {
            let error = failed(config(Topology::Spsc, 2, 1, good));
            assert!(matches!(error, BuildError::Producers { .. }), "{error}");
        }
        if info.single_producer && info.supports(Topology::MpmcFanout) {
            let error = failed(config(Topology::MpmcFanout, 2, 2, good));
            assert!(
                matches!(error, BuildError::SingleProducer { .. }),
                "{error}"
            );
        }
    });
}

/// A producer whose consumers are all gone gets an error instead of
/// waiting forever; a consumer whose wait is cancelled returns `Idle`.
#[test]
fn disconnection_and_cancellation_end_waits() {
    struct Check;
    impl Visitor for Check {
        type Output = (Result<(), PublishError>, Consumed);
        fn visit<Q: Queue>(self) -> Self::Output {
            let capacity = Q::info().min_capacity.max(4);
            let cfg = QueueConfig::new(Topology::Spsc, capacity);
            let mut endpoints = Q::build::<Msg8>(&cfg).unwrap();
            let mut producer = endpoints.producers.pop().unwrap();
            drop(endpoints.consumers);
            let disconnected = producer.publish_batch(3 * capacity, |i, m| m.write(0, i as u64));

            let cfg = QueueConfig::new(Topology::Spsc, capacity);
            let mut endpoints = Q::build::<Msg8>(&cfg).unwrap();
            let mut consumer = endpoints.consumers.pop().unwrap();
            cfg.cancel.cancel();
            let idle = consumer.consume_batch(4, |_| ());
            drop(endpoints.producers);
            (disconnected, idle)
        }
    }
    for info in impls::all() {
        let (disconnected, idle) = impls::visit(info.name, Check).unwrap();
        assert_eq!(
            disconnected,
            Err(PublishError::Disconnected),
            "{}",
            info.name
        );
        assert_eq!(idle, Consumed::Idle, "{}", info.name);
    }
}

/// The runner reports a configuration error as such.
#[test]
fn runner_reports_build_errors() {
    let outcome = run_named("spsc_ring", &spec(Topology::Spsc, 1, 1, 3, 1), 8);
    assert!(
        matches!(&outcome, Outcome::BuildFailed { error } if error.contains("power-of-two")),
        "{outcome:?}"
    );
    assert!(!outcome.passed());
}

/// Every batch limit is safe and means the same everywhere: 0 counts as 1,
/// and more than the queue holds hands at most what is there. With 3
/// messages published and the producer gone, each call hands `1 ..=
/// max.max(1)` messages, every message arrives once and in order, and then
/// the queue reports `Closed`. Run through `consume_batch`,
/// `consume_slices` (whose slices are never empty) and `discard_batch`,
/// each limit on its own and mixed (a large limit after a partial take).
#[test]
fn every_batch_limit_is_safe_and_means_the_same() {
    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Take {
        Read,
        Slices,
        Discard,
    }
    struct Drain<'a> {
        limits: &'a [usize],
        take: Take,
    }
    impl Visitor for Drain<'_> {
        type Output = Result<(), String>;
        fn visit<Q: Queue>(self) -> Result<(), String> {
            const SENT: usize = 3;
            let capacity = Q::info().min_capacity.max(4);
            let cfg = QueueConfig::new(Topology::Spsc, capacity);
            let mut endpoints = Q::build::<Msg8>(&cfg).map_err(|error| error.to_string())?;
            let mut producer = endpoints.producers.pop().expect("one producer");
            producer
                .publish_batch(SENT, |i, m| m.write(0, i as u64))
                .map_err(|error| error.to_string())?;
            drop(producer);
            // Everything is there before the first call, so no call needs to
            // wait: with the token cancelled, a call that waits returns
            // `Idle` (a failure below) instead of hanging the test.
            cfg.cancel.cancel();
            let mut consumer = endpoints.consumers.pop().expect("one consumer");
            let mut seen = Vec::new();
            let mut handed = 0;
            for &max in self.limits.iter().cycle().take(2 * (SENT + 1)) {
                let before = seen.len();
                let mut empty_slices = 0;
                let outcome = match self.take {
                    Take::Discard => consumer.discard_batch(max),
                    Take::Read => consumer.consume_batch(max, |m| seen.push(m.tag())),
                    Take::Slices => consumer.consume_slices(max, |slice| {
                        empty_slices += usize::from(slice.is_empty());
                        seen.extend(slice.iter().map(|m| m.tag()));
                    }),
                };
                if empty_slices > 0 {
                    return Err(format!("max {max}: {empty_slices} empty slices"));
                }
                match outcome {
                    Consumed::Items(n) => {
                        if !(1..=max.max(1)).contains(&n) || n > SENT - handed {
                            return Err(format!("max {max}: Items({n}) after {handed}"));
                        }
                        if self.take != Take::Discard && seen.len() - before != n {
                            return Err(format!(
                                "max {max}: Items({n}) but {} handled",
                                seen.len() - before
                            ));
                        }
                        handed += n;
                    }
                    Consumed::Closed if handed == SENT => {
                        let expected: &[u64] = if self.take == Take::Discard {
                            &[]
                        } else {
                            &[0, 1, 2]
                        };
                        return if seen == expected {
                            Ok(())
                        } else {
                            Err(format!("handled {seen:?}"))
                        };
                    }
                    other => return Err(format!("max {max}: {other:?} after {handed}")),
                }
            }
            Err(format!("no Closed after {handed} handed"))
        }
    }
    let mut failures = Vec::new();
    for info in impls::all() {
        let beyond = info.min_capacity.max(4) + 1;
        let runs: [&[usize]; 5] = [&[0], &[1], &[beyond], &[usize::MAX], &[1, usize::MAX, 0]];
        for limits in runs {
            for take in [Take::Read, Take::Slices, Take::Discard] {
                // A panic is a failure too; caught, so one run reports all.
                let outcome = std::panic::catch_unwind(|| {
                    impls::visit(info.name, Drain { limits, take }).expect("registered")
                });
                let error = match outcome {
                    Ok(Ok(())) => continue,
                    Ok(Err(error)) => error,
                    Err(_) => "panicked".to_string(),
                };
                failures.push(format!("{} limits {limits:?} {take:?}: {error}", info.name));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// `consume_slices` hands what `consume_batch` would, in order, lap after
/// lap: batches of 3 on a ring of 4 (or the implementation's smallest),
/// so that runs straddle the end of the array, taken 2 at a time.
#[test]
fn slices_hand_every_message_in_order_across_the_wrap() {
    struct Laps;
    impl Visitor for Laps {
        type Output = Result<(), String>;
        fn visit<Q: Queue>(self) -> Result<(), String> {
            let capacity = Q::info().min_capacity.max(4);
            let batch = capacity - 1;
            let cfg = QueueConfig::new(Topology::Spsc, capacity);
            // Nothing below waits for long: with the token set, a wait
            // that would hang returns instead.
            cfg.cancel.cancel();
            let mut endpoints = Q::build::<Msg8>(&cfg).map_err(|error| error.to_string())?;
            let mut producer = endpoints.producers.pop().expect("one producer");
            let mut consumer = endpoints.consumers.pop().expect("one consumer");
            let mut sent = 0u64;
            let mut seen = Vec::new();
            for _ in 0..5 * capacity {
                producer
                    .publish_batch(batch, |i, m| m.write(0, sent + i as u64))
                    .map_err(|error| format!("publish: {error}"))?;
                sent += batch as u64;
                while (seen.len() as u64) < sent {
                    let before = seen.len();
                    match consumer.consume_slices(2, |slice| {
                        assert!(!slice.is_empty(), "an empty slice");
                        seen.extend(slice.iter().map(|m| m.tag()));
                    }) {
                        Consumed::Items(n) if (1..=2).contains(&n) && seen.len() - before == n => {}
                        other => {
                            return Err(format!(
                                "{other:?} with {} handled after {before}",
                                seen.len() - before
                            ));
                        }
                    }
                }
            }
            if seen != (0..sent).collect::<Vec<_>>() {
                return Err(format!("out of order or lost: {seen:?}"));
            }
            Ok(())
        }
    }
    let failures: Vec<String> = impls::all()
        .into_iter()
        .filter_map(|info| {
            impls::visit(info.name, Laps)
                .expect("registered")
                .err()
                .map(|error| format!("{}: {error}", info.name))
        })
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}
