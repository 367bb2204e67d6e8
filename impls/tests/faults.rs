//! The fault contracts of `impls::queue`, checked against every registered
//! implementation in every topology it claims: a `fill` that panics, a
//! claim given up by a cancel, and a consumer dropped (or whose handler
//! panics) while others live.
//!
//! Each check runs on one thread, in a fixed order, with the cancel token
//! set before anything would wait: a wait that would hang returns
//! `Cancelled` or `Idle` instead, which the check reports as a failure.
//! Every check collects the failures of all implementations and asserts
//! once, so one run names them all.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use impls::message::split_tag;
use impls::{
    Consumed, Consumer, Info, Message, Msg8, Producer, PublishError, Queue, QueueConfig, Salt,
    Topology, Visitor,
};

/// The payload of the panics these checks inject.
const INJECTED: &str = "injected fault";

/// Implementations that do not keep a contract, with why. Each is still
/// run, and must still fail: a pass means the exception (and its
/// documentation in `impls::queue` and the README) is out of date.
const EXCEPTIONS: &[(&str, &str, &str)] = &[
    (
        "disruptor",
        "panicking fill",
        "the crate calls the fill inside its own claim and never publishes what it claimed",
    ),
    (
        "disruptor",
        "dropped consumer",
        "a dropped poller keeps gating the producers: the crate has no way to leave a barrier",
    ),
    (
        "crossbeam_vec",
        "dropped consumer",
        "a consumer receives a whole batch as one Vec; the rest of that Vec goes with it",
    ),
    (
        "flume_vec",
        "dropped consumer",
        "a consumer receives a whole batch as one Vec; the rest of that Vec goes with it",
    ),
];

/// Keeps the injected panics out of the test output.
fn quiet_injected_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<&str>() != Some(&INJECTED) {
                previous(info);
            }
        }));
    });
}

/// Producers and consumers to run `topology` with: two producers where
/// the implementation takes several, and two consumers (or the fewest the
/// topology needs) where the topology has several.
fn threads(info: &Info, topology: Topology) -> (usize, usize) {
    let producers = if info.single_producer || topology == Topology::Spsc {
        1
    } else {
        2
    };
    let consumers = match topology {
        Topology::Spsc | Topology::Mpsc => 1,
        other => other.min_consumers().max(2),
    };
    (producers, consumers)
}

fn config(info: &Info, topology: Topology, producers: usize, consumers: usize) -> QueueConfig {
    let mut cfg = QueueConfig::new(topology, info.min_capacity.max(16));
    cfg.setup.producers = producers;
    cfg.setup.consumers = consumers;
    cfg.setup.batch = 4;
    cfg
}

/// What each consumer was handed, as `(producer, sequence)`, and whether
/// it saw `Closed`.
#[derive(Debug, Default)]
struct Drained {
    seen: Vec<Vec<(u16, u64)>>,
    closed: Vec<bool>,
}

/// Drains `consumers` round-robin, `max` per call, until each has seen
/// `Closed` or made no progress for a while (the token is set, so a
/// consumer with nothing to hand returns `Idle`).
fn drain<C: Consumer<Msg8>>(consumers: &mut [C], max: usize) -> Drained {
    let mut drained = Drained {
        seen: vec![Vec::new(); consumers.len()],
        closed: vec![false; consumers.len()],
    };
    let mut idle_rounds = 0;
    while idle_rounds < 100 && drained.closed.iter().any(|closed| !closed) {
        let mut progress = false;
        for (index, consumer) in consumers.iter_mut().enumerate() {
            if drained.closed[index] {
                continue;
            }
            let seen = &mut drained.seen[index];
            match consumer.consume_batch(max, |m| seen.push(split_tag(m.tag(Salt::NONE)))) {
                Consumed::Items(_) => progress = true,
                Consumed::Closed => {
                    drained.closed[index] = true;
                    progress = true;
                }
                Consumed::Idle => {}
            }
        }
        idle_rounds = if progress { 0 } else { idle_rounds + 1 };
    }
    drained
}

/// Checks what `drained` saw against `expected` (per producer, in order):
/// each consumer sees all of it (broadcast), or each message reaches
/// exactly one consumer (work-sharing); and every consumer in `closing`
/// saw `Closed`. `maybe` messages may arrive or not, but in order if they
/// do.
fn judge(
    topology: Topology,
    drained: &Drained,
    closing: &[usize],
    expected: &BTreeMap<u16, Vec<u64>>,
    maybe: &[(u16, u64)],
) -> Result<(), String> {
    for &index in closing {
        if !drained.closed[index] {
            return Err(format!(
                "consumer {index} never saw Closed after {} messages",
                drained.seen[index].len()
            ));
        }
    }
    let per_producer = |seen: &[(u16, u64)]| {
        let mut by: BTreeMap<u16, Vec<u64>> = BTreeMap::new();
        for &(producer, sequence) in seen {
            if !maybe.contains(&(producer, sequence)) {
                by.entry(producer).or_default().push(sequence);
            }
        }
        by
    };
    if topology.is_broadcast() {
        for &index in closing {
            let got = per_producer(&drained.seen[index]);
            if &got != expected {
                return Err(format!(
                    "consumer {index}: got {got:?}, expected {expected:?}"
                ));
            }
        }
    } else {
        let all: Vec<(u16, u64)> = drained.seen.iter().flatten().copied().collect();
        let mut got = per_producer(&all);
        for sequences in got.values_mut() {
            sequences.sort_unstable();
        }
        if &got != expected {
            return Err(format!(
                "got {got:?} over all consumers, expected {expected:?}"
            ));
        }
        // Order per producer holds within each consumer.
        for (index, seen) in drained.seen.iter().enumerate() {
            for sequences in per_producer(seen).values() {
                if !sequences.is_sorted() {
                    return Err(format!("consumer {index} out of order: {seen:?}"));
                }
            }
        }
    }
    Ok(())
}

/// Runs `check` for every implementation and every topology it claims;
/// fails listing every contract broken, and every exception that no longer
/// fails.
fn for_each(contract: &str, check: impl Fn(&Info, Topology) -> Result<(), String>) {
    quiet_injected_panics();
    let mut broken = Vec::new();
    for info in impls::all() {
        let exception = EXCEPTIONS
            .iter()
            .find(|(name, which, _)| *name == info.name && *which == contract);
        let mut failed = false;
        for &topology in info.topologies {
            let outcome = catch_unwind(AssertUnwindSafe(|| check(&info, topology)))
                .unwrap_or_else(|_| Err("panicked".to_string()));
            if let Err(error) = outcome {
                failed = true;
                if exception.is_none() {
                    broken.push(format!("{} {topology}: {error}", info.name));
                }
            }
        }
        if let (Some((name, _, why)), false) = (exception, failed) {
            broken.push(format!(
                "{name} now keeps the {contract} contract; it was listed as an exception ({why})"
            ));
        }
    }
    assert!(broken.is_empty(), "{contract}:\n  {}", broken.join("\n  "));
}

/// A `fill` that panics mid-batch: the messages before it may arrive, it
/// and the rest of its batch never do, the producer stays usable, no other
/// producer's message is lost, and every consumer sees `Closed`.
#[test]
fn a_panicking_fill_loses_nothing_else_and_closes() {
    struct Check(Topology);
    impl Visitor for Check {
        type Output = Result<(), String>;
        fn visit<Q: Queue>(self) -> Result<(), String> {
            let info = Q::info();
            let (producers, consumers) = threads(&info, self.0);
            let cfg = config(&info, self.0, producers, consumers);
            let mut endpoints = Q::build::<Msg8>(&cfg).map_err(|e| e.to_string())?;
            let mut expected: BTreeMap<u16, Vec<u64>> = BTreeMap::new();
            for (index, producer) in endpoints.producers.iter_mut().enumerate() {
                let id = index as u16;
                let mut publish = |first: u64, n: usize, panic_at: Option<usize>| {
                    producer.publish_batch(n, |i, m| {
                        if Some(i) == panic_at {
                            std::panic::panic_any(INJECTED);
                        }
                        m.write(Salt::NONE, id, first + i as u64)
                    })
                };
                publish(0, 2, None).map_err(|e| format!("first batch: {e}"))?;
                if id == 0 {
                    // Messages 2, 3, 4; the fill panics on 3.
                    let broken = catch_unwind(AssertUnwindSafe(|| publish(2, 3, Some(1))));
                    if broken.is_ok() {
                        return Err("the injected panic did not reach the caller".into());
                    }
                    publish(5, 2, None).map_err(|e| format!("after the panic: {e}"))?;
                    expected.insert(id, vec![0, 1, 5, 6]);
                } else {
                    publish(2, 1, None).map_err(|e| format!("second batch: {e}"))?;
                    expected.insert(id, vec![0, 1, 2]);
                }
            }
            drop(core::mem::take(&mut endpoints.producers));
            cfg.cancel.cancel();
            let drained = drain(&mut endpoints.consumers, 4);
            let closing: Vec<usize> = (0..consumers).collect();
            judge(self.0, &drained, &closing, &expected, &[(0, 2)])
        }
    }
    for_each("panicking fill", |info, topology| {
        impls::visit(info.name, Check(topology)).expect("registered")
    });
}

/// A claim given up (the cancel token set while it waits for room): the
/// publish says `Cancelled`, everything published before arrives once,
/// and once the producers are dropped every consumer sees `Closed`: the
/// given-up claim leaves no gap that consumers wait at.
#[test]
fn a_cancelled_claim_leaves_no_gap() {
    struct Check(Topology);
    impl Visitor for Check {
        type Output = Result<(), String>;
        fn visit<Q: Queue>(self) -> Result<(), String> {
            let info = Q::info();
            let (producers, consumers) = threads(&info, self.0);
            let cfg = config(&info, self.0, producers, consumers);
            let capacity = cfg.setup.capacity as u64;
            let mut endpoints = Q::build::<Msg8>(&cfg).map_err(|e| e.to_string())?;
            let mut expected: BTreeMap<u16, Vec<u64>> = BTreeMap::new();
            // Producer 0 fills what the queue holds (for an unbounded or
            // per-consumer queue, just as many), then every producer's next
            // publish waits for room and is cancelled, or goes through.
            endpoints.producers[0]
                .publish_batch(capacity as usize, |i, m| m.write(Salt::NONE, 0, i as u64))
                .map_err(|e| format!("filling: {e}"))?;
            expected.insert(0, (0..capacity).collect());
            cfg.cancel.cancel();
            for (index, producer) in endpoints.producers.iter_mut().enumerate() {
                let id = index as u16;
                let first = if id == 0 { capacity } else { 0 };
                match producer.publish_batch(2, |i, m| m.write(Salt::NONE, id, first + i as u64)) {
                    Err(PublishError::Cancelled) => {}
                    Ok(()) => expected.entry(id).or_default().extend([first, first + 1]),
                    Err(other) => return Err(format!("producer {id}: {other}")),
                }
            }
            drop(core::mem::take(&mut endpoints.producers));
            let drained = drain(&mut endpoints.consumers, 4);
            let closing: Vec<usize> = (0..consumers).collect();
            judge(self.0, &drained, &closing, &expected, &[])
        }
    }
    for_each("cancelled claim", |info, topology| {
        impls::visit(info.name, Check(topology)).expect("registered")
    });
}

/// A consumer dropped while others live, after its handler panicked on a
/// message (which counts as handed to it):
/// - broadcast: it stops gating; producers go on past the capacity, and
///   the others get every message;
/// - pipeline and diamond: the graph is broken; producers get
///   `Disconnected` when they would wait for room (never a hang), and the
///   other stages hand what is ready and then see `Closed`;
/// - work-sharing: the others get every message it did not take, once;
/// - the only consumer: producers get `Disconnected` once the queue is
///   full.
#[test]
fn a_dropped_consumer_leaves_a_defined_outcome() {
    struct Check(Topology);
    impl Visitor for Check {
        type Output = Result<(), String>;
        fn visit<Q: Queue>(self) -> Result<(), String> {
            let topology = self.0;
            let info = Q::info();
            let (_, consumers) = threads(&info, topology);
            let cfg = config(&info, topology, 1, consumers);
            let capacity = cfg.setup.capacity as u64;
            let mut endpoints = Q::build::<Msg8>(&cfg).map_err(|e| e.to_string())?;
            let mut producer = endpoints.producers.pop().expect("one producer");
            cfg.cancel.cancel();
            let half = capacity / 2;
            producer
                .publish_batch(half as usize, |i, m| m.write(Salt::NONE, 0, i as u64))
                .map_err(|e| format!("first half: {e}"))?;
            // The dropped one: the last consumer (the gating stage of a
            // pipeline or diamond), which panics on its first message, once
            // the stages before it have handed what they can.
            let dropped = consumers - 1;
            let mut victim = endpoints.consumers.remove(dropped);
            let mut drained = Drained {
                seen: vec![Vec::new(); endpoints.consumers.len()],
                closed: vec![false; endpoints.consumers.len()],
            };
            if !topology.is_broadcast() || topology == Topology::MpmcFanout {
                // Independent consumers: the others wait, so the victim's
                // drop happens with the ring still holding their messages.
            } else {
                drain_ready(&mut endpoints.consumers, &mut drained);
            }
            let mut handed = Vec::new();
            let panicked = catch_unwind(AssertUnwindSafe(|| {
                victim.consume_batch(4, |m| {
                    handed.push(split_tag(m.tag(Salt::NONE)).1);
                    std::panic::panic_any(INJECTED);
                })
            }));
            if panicked.is_ok() {
                return Err("the injected panic did not reach the caller".into());
            }
            drop(victim);
            // Past the capacity, draining the others as we go.
            let mut sent = half;
            let mut outcome = Ok(());
            while sent < 3 * capacity && outcome.is_ok() {
                outcome = producer.publish_batch(1, |_, m| m.write(Salt::NONE, 0, sent));
                if outcome.is_ok() {
                    sent += 1;
                }
                drain_ready(&mut endpoints.consumers, &mut drained);
            }
            drop(producer);
            let rest = drain(&mut endpoints.consumers, 4);
            for (index, seen) in rest.seen.into_iter().enumerate() {
                drained.seen[index].extend(seen);
                drained.closed[index] |= rest.closed[index];
            }
            let others: Vec<usize> = (0..endpoints.consumers.len()).collect();
            let everything: BTreeMap<u16, Vec<u64>> = [(0, (0..sent).collect())].into();
            match topology {
                Topology::Spsc | Topology::Mpsc => match outcome {
                    Err(PublishError::Disconnected) => Ok(()),
                    other => Err(format!(
                        "the only consumer gone: publish {other:?} after {sent}"
                    )),
                },
                Topology::MpmcFanout => {
                    outcome.map_err(|e| format!("producer after the drop: {e} at {sent}"))?;
                    judge(topology, &drained, &others, &everything, &[])
                }
                Topology::Pipeline | Topology::Diamond => {
                    // Stages may close early; what they handed is in order.
                    if drained.closed.iter().any(|closed| !closed) {
                        return Err(format!("a stage never saw Closed: {:?}", drained.closed));
                    }
                    match outcome {
                        Err(PublishError::Disconnected) => Ok(()),
                        Ok(()) => Ok(()),
                        Err(other) => Err(format!("producer: {other} at {sent}")),
                    }
                }
                Topology::MpmcWorkerPool => {
                    outcome.map_err(|e| format!("producer after the drop: {e} at {sent}"))?;
                    let rest: Vec<u64> = (0..sent).filter(|s| !handed.contains(s)).collect();
                    let expected = [(0, rest)].into();
                    judge(topology, &drained, &others, &expected, &[])
                }
            }
        }
    }
    for_each("dropped consumer", |info, topology| {
        impls::visit(info.name, Check(topology)).expect("registered")
    });
}

/// Hands each consumer what is ready now, noting any that closed (a
/// broken graph closes early).
fn drain_ready<C: Consumer<Msg8>>(consumers: &mut [C], drained: &mut Drained) {
    for (index, consumer) in consumers.iter_mut().enumerate() {
        if drained.closed[index] {
            continue;
        }
        let seen = &mut drained.seen[index];
        loop {
            match consumer.consume_batch(4, |m| seen.push(split_tag(m.tag(Salt::NONE)))) {
                Consumed::Items(_) => {}
                Consumed::Closed => {
                    drained.closed[index] = true;
                    break;
                }
                Consumed::Idle => break,
            }
        }
    }
}
