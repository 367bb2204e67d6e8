//! The trait's contracts, checked through the API on one thread (a
//! watchdog ends a wait that would hang): closing when the producers are
//! dropped, build errors for misuse, `Disconnected` and `Idle` when the
//! other side is gone or the run is cancelled, every batch limit, slices
//! across the wrap. A consumer called again after its handler panicked is
//! checked in `handler_panics`.

use std::fmt;
use std::time::Duration;

use impls::{
    BuildError, Consumed, Consumer, Info, Message, Msg8, Producer, PublishError, Queue,
    QueueConfig, Salt, Setup, Topology,
};

use super::thread_counts;

/// What the direct API checks found for one configuration.
#[derive(Debug, PartialEq)]
enum Drain {
    BuildFailed(BuildError),
    /// Publishing 5 messages per producer into an empty queue failed.
    PublishFailed(PublishError),
    /// Messages each consumer drained after the producers were dropped, and
    /// whether each then reported `Closed`.
    Drained {
        per_consumer: Vec<u64>,
        all_closed: bool,
    },
}

/// Builds, publishes 5 messages per producer, drops the producers, then
/// drains every consumer on this thread.
fn drain<Q: Queue>(cfg: &QueueConfig) -> Drain {
    let endpoints = match Q::build::<Msg8>(cfg) {
        Ok(endpoints) => endpoints,
        Err(error) => return Drain::BuildFailed(error),
    };
    for (index, mut producer) in endpoints.producers.into_iter().enumerate() {
        let id = index as u16;
        if let Err(error) = producer.publish_batch(5, |i, m| m.write(Salt::NONE, id, i as u64)) {
            return Drain::PublishFailed(error);
        }
    }
    // Everything is published, so no consumer needs to wait: with the token
    // set, one that would wait forever returns `Idle` instead.
    cfg.cancel.cancel();
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
    Drain::Drained {
        per_consumer,
        all_closed,
    }
}

impl fmt::Display for Drain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Drain::BuildFailed(error) => write!(f, "the build failed: {error}"),
            Drain::PublishFailed(error) => {
                write!(
                    f,
                    "publishing 5 messages into an empty queue failed: {error}"
                )
            }
            Drain::Drained {
                per_consumer,
                all_closed,
            } => {
                let closed = if *all_closed {
                    "each then saw Closed"
                } else {
                    "not all then saw Closed"
                };
                write!(
                    f,
                    "it built, and consumers drained {per_consumer:?} ({closed})"
                )
            }
        }
    }
}

pub(super) fn config(
    topology: Topology,
    producers: usize,
    consumers: usize,
    capacity: usize,
) -> QueueConfig {
    Setup::new(topology, capacity)
        .threads(producers, consumers)
        .into()
}

/// Dropping every producer closes the queue, and consumers still drain
/// everything that was published before they see `Closed`.
pub(super) fn close_on_drop_drains_everything_published<Q: Queue>(
    info: &Info,
    failures: &mut Vec<String>,
) {
    for &topology in info.topologies {
        let Some(&(producers, consumers)) = thread_counts(info, topology).last() else {
            continue;
        };
        let cfg = config(topology, producers, consumers, info.min_capacity.max(16));
        let Drain::Drained {
            per_consumer,
            all_closed,
        } = drain::<Q>(&cfg)
        else {
            failures.push(format!(
                "close: {topology} P{producers} C{consumers}: {}",
                drain::<Q>(&cfg)
            ));
            continue;
        };
        if !all_closed {
            failures.push(format!(
                "close: {topology}: a consumer did not see Closed after every producer was dropped"
            ));
        }
        let sent = 5 * producers as u64;
        let complete = if topology.is_broadcast() {
            per_consumer.iter().all(|&n| n == sent)
        } else {
            per_consumer.iter().sum::<u64>() == sent
        };
        if !complete {
            failures.push(format!(
                "close: {topology}: {sent} published, consumers drained {per_consumer:?}"
            ));
        }
    }
}

/// Misuse is an error value that says what to change.
pub(super) fn bad_configurations_are_build_errors<Q: Queue>(
    info: &Info,
    failures: &mut Vec<String>,
) {
    let topology = info.topologies[0];
    let good = info.min_capacity.max(8);
    let mut refused =
        |what: &str, cfg: QueueConfig, accept: &dyn Fn(&BuildError) -> bool| match drain::<Q>(&cfg)
        {
            Drain::BuildFailed(error) if accept(&error) => {}
            other => failures.push(format!("misuse: {what}: {other}")),
        };
    for capacity in [0, 1] {
        refused(
            &format!("capacity {capacity}"),
            config(topology, 1, 1, capacity),
            &|error| matches!(error, BuildError::Capacity { .. }),
        );
    }
    refused("0 producers", config(topology, 0, 1, good), &|error| {
        matches!(error, BuildError::Producers { .. })
    });
    refused("0 consumers", config(topology, 1, 0, good), &|error| {
        matches!(error, BuildError::Consumers { .. })
    });
    refused(
        "batch 0",
        QueueConfig::from(Setup::new(topology, good).batch(0)),
        &|error| *error == BuildError::Batch,
    );
    let uneven = good + good / 2;
    if info.capacity_power_of_two {
        let hint = format!("try {}", uneven.next_power_of_two());
        refused(
            &format!("capacity {uneven}, not a power of two"),
            config(topology, 1, 1, uneven),
            &|error| error.to_string().contains(&hint),
        );
    }
    if info.min_capacity > 2 {
        refused(
            "capacity below min_capacity",
            config(topology, 1, 1, info.min_capacity / 2),
            &|error| matches!(error, BuildError::CapacityTooSmall { .. }),
        );
    }
    for unsupported in Topology::ALL.into_iter().filter(|t| !info.supports(*t)) {
        refused(
            &format!("unsupported topology {unsupported}"),
            config(unsupported, 1, unsupported.min_consumers(), good),
            &|error| error.to_string().contains("supports: "),
        );
    }
    if !info.supports(Topology::Mpsc) {
        refused(
            "2 producers on spsc",
            config(Topology::Spsc, 2, 1, good),
            &|error| matches!(error, BuildError::Producers { .. }),
        );
    }
    if info.single_producer && info.supports(Topology::MpmcFanout) {
        refused(
            "2 producers on a single-producer fan-out",
            config(Topology::MpmcFanout, 2, 2, good),
            &|error| matches!(error, BuildError::SingleProducer { .. }),
        );
    }
    if !info.capacity_power_of_two
        && let other @ (Drain::BuildFailed(_) | Drain::PublishFailed(_)) =
            drain::<Q>(&config(topology, 1, 1, uneven))
    {
        failures.push(format!(
            "capacity {uneven}: capacity_power_of_two is false, so it must build, but {other}"
        ));
    }
}

/// A producer whose consumers are all gone gets an error instead of
/// waiting forever; a consumer whose wait is cancelled returns `Idle`.
pub(super) fn disconnection_and_cancellation_end_waits<Q: Queue>(failures: &mut Vec<String>) {
    let capacity = Q::info().min_capacity.max(4);
    let topology = Q::info().topologies[0];
    let cfg = config(topology, 1, topology.min_consumers(), capacity);
    match Q::build::<Msg8>(&cfg) {
        Ok(mut endpoints) => {
            let mut producer = endpoints.producers.pop().expect("one producer");
            drop(endpoints.consumers);
            // Cancelled too, so an implementation that never notices the
            // consumers left returns instead of hanging the check.
            let watchdog = cancel_after(&cfg, Duration::from_secs(2));
            let outcome =
                producer.publish_batch(3 * capacity, |i, m| m.write(Salt::NONE, 0, i as u64));
            drop(watchdog);
            if outcome != Err(PublishError::Disconnected) {
                failures.push(format!(
                    "every consumer dropped: publishing more than the queue holds gave {outcome:?}, not Disconnected"
                ));
            }
        }
        Err(error) => failures.push(format!("disconnection: build: {error}")),
    }
    let cfg = config(topology, 1, topology.min_consumers(), capacity);
    match Q::build::<Msg8>(&cfg) {
        Ok(mut endpoints) => {
            let mut consumer = endpoints.consumers.pop().expect("one consumer");
            cfg.cancel.cancel();
            let idle = consumer.consume_batch(4, |_| ());
            drop(endpoints.producers);
            if idle != Consumed::Idle {
                failures.push(format!(
                    "cancelled wait on an empty queue gave {idle:?}, not Idle"
                ));
            }
        }
        Err(error) => failures.push(format!("cancellation: build: {error}")),
    }
}

/// Sets `cfg`'s cancel token after `after`, unless dropped first.
fn cancel_after(cfg: &QueueConfig, after: Duration) -> impl Drop {
    struct Timer(Option<std::sync::mpsc::Sender<()>>);
    impl Drop for Timer {
        fn drop(&mut self) {
            self.0.take();
        }
    }
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let cancel = cfg.cancel.clone();
    std::thread::spawn(move || {
        if stopped.recv_timeout(after) == Err(std::sync::mpsc::RecvTimeoutError::Timeout) {
            cancel.cancel();
        }
    });
    Timer(Some(stop))
}

/// How a batch-limit check takes messages off the queue.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Take {
    Read,
    Slices,
    Discard,
}

/// Every batch limit is safe and means the same everywhere: 0 counts as 1,
/// and more than the queue holds hands at most what is there. With 3
/// messages published and the producer gone, each call hands `1 ..=
/// max.max(1)` messages, every message arrives once and in order, and then
/// the queue reports `Closed`. Run through `consume_batch`,
/// `consume_slices` (whose slices are never empty) and `discard_batch`,
/// each limit on its own and mixed (a large limit after a partial take).
pub(super) fn every_batch_limit_is_safe_and_means_the_same<Q: Queue>(failures: &mut Vec<String>) {
    let beyond = Q::info().min_capacity.max(4) + 1;
    let runs: [&[usize]; 5] = [&[0], &[1], &[beyond], &[usize::MAX], &[1, usize::MAX, 0]];
    for limits in runs {
        for take in [Take::Read, Take::Slices, Take::Discard] {
            // A panic is a failure too; caught, so one run reports all.
            let outcome = std::panic::catch_unwind(|| drain_with_limits::<Q>(limits, take));
            let error = match outcome {
                Ok(Ok(())) => continue,
                Ok(Err(error)) => error,
                Err(_) => "panicked".to_string(),
            };
            failures.push(format!("batch limits {limits:?} {take:?}: {error}"));
        }
    }
}

fn drain_with_limits<Q: Queue>(limits: &[usize], take: Take) -> Result<(), String> {
    const SENT: usize = 3;
    let capacity = Q::info().min_capacity.max(4);
    let topology = Q::info().topologies[0];
    let cfg = config(topology, 1, topology.min_consumers(), capacity);
    let mut endpoints = Q::build::<Msg8>(&cfg).map_err(|error| error.to_string())?;
    let mut producer = endpoints.producers.pop().expect("one producer");
    producer
        .publish_batch(SENT, |i, m| m.write(Salt::NONE, 0, i as u64))
        .map_err(|error| error.to_string())?;
    drop(producer);
    // Everything is there before the first call, so no call needs to
    // wait: with the token cancelled, a call that waits returns `Idle` (a
    // failure below) instead of hanging the check.
    cfg.cancel.cancel();
    // The last consumer of a pipeline or diamond sees a message after all
    // the others: drain the first one.
    endpoints.consumers.truncate(1);
    let mut consumer = endpoints.consumers.pop().expect("one consumer");
    let mut seen = Vec::new();
    let mut handed = 0;
    for &max in limits.iter().cycle().take(2 * (SENT + 1)) {
        let before = seen.len();
        let mut empty_slices = 0;
        let outcome = match take {
            Take::Discard => consumer.discard_batch(max),
            Take::Read => consumer.consume_batch(max, |m| seen.push(m.tag(Salt::NONE))),
            Take::Slices => consumer.consume_slices(max, |slice| {
                empty_slices += usize::from(slice.is_empty());
                seen.extend(slice.iter().map(|m| m.tag(Salt::NONE)));
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
                if take != Take::Discard && seen.len() - before != n {
                    return Err(format!(
                        "max {max}: Items({n}) but {} handled",
                        seen.len() - before
                    ));
                }
                handed += n;
            }
            Consumed::Closed if handed == SENT => {
                let expected: &[u64] = if take == Take::Discard {
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

/// `consume_slices` hands what `consume_batch` would, in order, lap after
/// lap: batches of capacity - 1 on the smallest ring (at least 4), so that
/// runs straddle the end of the array, taken 2 at a time.
pub(super) fn slices_hand_every_message_in_order_across_the_wrap<Q: Queue>(
    failures: &mut Vec<String>,
) {
    if let Err(error) = laps::<Q>() {
        failures.push(format!("slices across the wrap: {error}"));
    }
}

fn laps<Q: Queue>() -> Result<(), String> {
    let capacity = Q::info().min_capacity.max(4);
    let batch = capacity - 1;
    let topology = Q::info().topologies[0];
    if topology.min_consumers() > 1 {
        // One consumer takes everything only where one consumer is allowed.
        return Ok(());
    }
    let cfg = config(topology, 1, 1, capacity);
    // Nothing below waits for long: with the token set, a wait that would
    // hang returns instead.
    cfg.cancel.cancel();
    let mut endpoints = Q::build::<Msg8>(&cfg).map_err(|error| error.to_string())?;
    let mut producer = endpoints.producers.pop().expect("one producer");
    let mut consumer = endpoints.consumers.pop().expect("one consumer");
    let mut sent = 0u64;
    let mut seen = Vec::new();
    for _ in 0..5 * capacity {
        producer
            .publish_batch(batch, |i, m| m.write(Salt::NONE, 0, sent + i as u64))
            .map_err(|error| format!("publish: {error}"))?;
        sent += batch as u64;
        while (seen.len() as u64) < sent {
            let before = seen.len();
            let mut empty_slices = 0;
            match consumer.consume_slices(2, |slice| {
                empty_slices += usize::from(slice.is_empty());
                seen.extend(slice.iter().map(|m| m.tag(Salt::NONE)));
            }) {
                Consumed::Items(n)
                    if (1..=2).contains(&n) && seen.len() - before == n && empty_slices == 0 => {}
                other => {
                    return Err(format!(
                        "{other:?} with {} handled after {before} ({empty_slices} empty slices)",
                        seen.len() - before
                    ));
                }
            }
        }
    }
    let handed = seen.len().max(sent as usize);
    if let Some(at) =
        (0..handed).find(|&at| seen.get(at) != Some(&(at as u64)) || at as u64 >= sent)
    {
        let found = seen
            .get(at)
            .map_or("missing".to_owned(), |tag| format!("tag {tag}"));
        return Err(format!(
            "out of order, lost or duplicated: place {at} of {sent} sent held {found}"
        ));
    }
    Ok(())
}
