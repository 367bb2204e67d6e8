//! Disruptor behaviour beyond the shared conformance suite: out-of-order
//! publication, the ring-full paths, timeouts, closing while producers wait,
//! and dependency order in pipeline and diamond graphs.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use impls::disruptor::multi::{Availability, MultiSequencer};
use impls::disruptor::sequence::{INITIAL, Sequence};
use impls::disruptor::{Disruptor, Sequencer, bitmap::BitmapAvailability, lmax::LmaxAvailability};
use impls::metrics::Metrics;
use impls::wait::{WaitStrategy, Waiter};
use impls::{
    Bitmap, Cancel, Consumed, Consumer, Lmax, Message, Msg8, Producer, PublishError, Queue,
    QueueConfig, Salt, Setup, Single, Topology,
};

fn gate() -> (Arc<Sequence>, Box<[Arc<Sequence>]>) {
    let consumer = Arc::new(Sequence::new(INITIAL));
    (Arc::clone(&consumer), Box::from([consumer]))
}

/// Two producers claim in order and publish in the opposite order: nothing
/// is visible until the gap closes, then everything is.
fn out_of_order_publication<A: Availability>(capacity: usize) {
    let (consumer, gating) = gate();
    let sequencer = MultiSequencer::<A>::new(capacity, gating);
    let waiter = Waiter::new(WaitStrategy::SpinYield, Cancel::default());
    let mut metrics = Metrics::default();
    let (mut first, mut second) = (sequencer.claimer(), sequencer.claimer());
    let mut round = 0;
    // Several laps, so every round's parity (bitmap) and round number
    // (LMAX) is exercised, with claims straddling 64-bit words and the
    // ring's end.
    let mut next = 0i64;
    while next < 5 * capacity as i64 {
        // Two claims that together fit the ring, of varying sizes.
        let a = 1 + round % (capacity / 2);
        let b = 1 + (7 * round) % (capacity / 2);
        let high_a = sequencer
            .claim(&mut first, a, &waiter, || false, &mut metrics)
            .unwrap();
        let high_b = sequencer
            .claim(&mut second, b, &waiter, || false, &mut metrics)
            .unwrap();
        assert_eq!(
            (high_a, high_b),
            (next + a as i64 - 1, next + (a + b) as i64 - 1)
        );
        sequencer.publish(high_a + 1, high_b);
        assert_eq!(
            sequencer.highest_published(next, high_b),
            next - 1,
            "{} round {round}",
            A::NAME
        );
        sequencer.publish(next, high_a);
        assert_eq!(
            sequencer.highest_published(next, high_b),
            high_b,
            "{} round {round}",
            A::NAME
        );
        assert_eq!(
            sequencer.highest_published(next + 1, high_b - 1),
            high_b - 1
        );
        consumer.set(high_b);
        next = high_b + 1;
        round += 1;
    }
}

#[test]
fn lmax_sees_nothing_past_a_gap() {
    out_of_order_publication::<LmaxAvailability>(4);
    out_of_order_publication::<LmaxAvailability>(64);
    out_of_order_publication::<LmaxAvailability>(256);
}

#[test]
fn bitmap_sees_nothing_past_a_gap() {
    out_of_order_publication::<BitmapAvailability>(4);
    out_of_order_publication::<BitmapAvailability>(64);
    out_of_order_publication::<BitmapAvailability>(256);
}

fn setup(topology: Topology, producers: usize, consumers: usize, capacity: usize) -> Setup {
    Setup::new(topology, capacity).threads(producers, consumers)
}

fn config(topology: Topology, producers: usize, consumers: usize, capacity: usize) -> QueueConfig {
    setup(topology, producers, consumers, capacity).into()
}

/// `try_publish` on a full ring reports it and publishes nothing.
fn try_publish_on_a_full_ring<S: Sequencer>(capacity: usize) {
    let mut endpoints =
        Disruptor::<S>::build::<Msg8>(&config(Topology::Spsc, 1, 1, capacity)).unwrap();
    let mut producer = endpoints.producers.pop().unwrap();
    let mut consumer = endpoints.consumers.pop().unwrap();
    producer
        .try_publish_batch(capacity, |i, m| m.write(Salt::NONE, 0, i as u64))
        .unwrap();
    assert_eq!(producer.remaining_capacity(), 0);
    let full = producer
        .try_publish(|m| m.write(Salt::NONE, 0, 999))
        .unwrap_err();
    assert_eq!((full.requested, full.capacity), (1, capacity));
    assert!(producer.try_publish_batch(capacity + 1, |_, _| ()).is_err());
    // One slot freed, a batch of two still does not fit.
    assert_eq!(
        consumer.consume_batch(1, |m| assert_eq!(m.tag(Salt::NONE), 0)),
        Consumed::Items(1)
    );
    assert!(
        producer
            .try_publish_batch(2, |i, m| m.write(Salt::NONE, 0, 1000 + i as u64))
            .is_err()
    );
    producer
        .try_publish(|m| m.write(Salt::NONE, 0, capacity as u64))
        .unwrap();
    drop(producer);
    let mut seen = Vec::new();
    while let Consumed::Items(_) = consumer.consume_batch(7, |m| seen.push(m.tag(Salt::NONE))) {}
    assert_eq!(
        seen,
        (1..=capacity as u64).collect::<Vec<_>>(),
        "{}",
        S::NAME
    );
}

#[test]
fn try_publish_reports_a_full_ring() {
    try_publish_on_a_full_ring::<SingleS>(4);
    try_publish_on_a_full_ring::<LmaxS>(4);
    try_publish_on_a_full_ring::<BitmapS>(4);
}

/// The sequencer type of a disruptor alias.
trait SequencerOf {
    type S: Sequencer;
}
impl<S: Sequencer> SequencerOf for Disruptor<S> {
    type S = S;
}
type SingleS = <Single as SequencerOf>::S;
type LmaxS = <Lmax as SequencerOf>::S;
type BitmapS = <Bitmap as SequencerOf>::S;

#[test]
fn timeout_blocking_consumers_time_out_and_call_again() {
    let cfg = QueueConfig::from(setup(Topology::Spsc, 1, 1, 8).wait(WaitStrategy::TimeoutBlocking));
    let mut endpoints = Lmax::build::<Msg8>(&cfg).unwrap();
    let mut consumer = endpoints.consumers.pop().unwrap();
    let mut producer = endpoints.producers.pop().unwrap();
    let started = Instant::now();
    assert_eq!(consumer.consume_batch(4, |_| ()), Consumed::Idle);
    assert!(started.elapsed() >= impls::wait::TIMEOUT);
    producer
        .publish_batch(2, |i, m| m.write(Salt::NONE, 0, i as u64))
        .unwrap();
    assert_eq!(consumer.consume_batch(4, |_| ()), Consumed::Items(2));
    drop(producer);
    assert_eq!(consumer.consume_batch(4, |_| ()), Consumed::Closed);
}

/// A producer blocked on a full ring returns `Disconnected` once every
/// consumer is gone, whatever its wait strategy (blocking ones included:
/// the consumer's drop must wake it).
#[test]
fn producers_blocked_on_a_full_ring_see_the_consumers_leave() {
    fn check<Q: Queue>(capacity: usize) {
        for wait in WaitStrategy::ALL {
            let cfg = QueueConfig::from(setup(Topology::Spsc, 1, 1, capacity).wait(wait));
            let mut endpoints = Q::build::<Msg8>(&cfg).unwrap();
            let mut producer = endpoints.producers.pop().unwrap();
            let consumer = endpoints.consumers.pop().unwrap();
            let blocked = thread::spawn(move || {
                producer.publish_batch(capacity + 1, |i, m| m.write(Salt::NONE, 0, i as u64))
            });
            thread::sleep(Duration::from_millis(20));
            assert!(
                !blocked.is_finished(),
                "{} {wait:?}: the producer did not block",
                Q::info().name
            );
            drop(consumer);
            assert_eq!(
                blocked.join().unwrap(),
                Err(PublishError::Disconnected),
                "{} {wait:?}",
                Q::info().name
            );
        }
    }
    check::<Single>(4);
    check::<Lmax>(4);
    check::<Bitmap>(4);
}

/// Same, for cancellation: the watchdog's cancel ends a blocked producer.
#[test]
fn producers_blocked_on_a_full_ring_stop_when_cancelled() {
    for wait in WaitStrategy::ALL {
        let cfg = QueueConfig::from(setup(Topology::Mpsc, 2, 1, 4).wait(wait));
        let mut endpoints = Lmax::build::<Msg8>(&cfg).unwrap();
        let mut producer = endpoints.producers.pop().unwrap();
        let blocked = thread::spawn(move || {
            producer.publish_batch(5, |i, m| m.write(Salt::NONE, 0, i as u64))
        });
        thread::sleep(Duration::from_millis(20));
        cfg.cancel.cancel();
        assert_eq!(
            blocked.join().unwrap(),
            Err(PublishError::Cancelled),
            "{wait:?}"
        );
    }
}

/// In a pipeline or a diamond, a stage never sees an event before every
/// stage it depends on has finished it; every stage sees every event once,
/// in order; the end-of-batch flag marks exactly the last event of a batch.
fn dependency_order<S: Sequencer>(
    topology: Topology,
    consumers: usize,
    capacity: usize,
    wait: WaitStrategy,
    events: u64,
) {
    let cfg = QueueConfig::from(setup(topology, 1, consumers, capacity).wait(wait));
    let endpoints = Disruptor::<S>::build::<Msg8>(&cfg).unwrap();
    // Last sequence each stage has finished (its handler stores it after
    // handling the event, before the processor stores its own sequence).
    let finished: Arc<Vec<AtomicI64>> =
        Arc::new((0..consumers).map(|_| AtomicI64::new(-1)).collect());
    let violations = Arc::new(AtomicU64::new(0));
    let upstream_of = |stage: usize| -> Vec<usize> {
        match topology {
            Topology::Pipeline if stage > 0 => vec![stage - 1],
            Topology::Diamond if stage == consumers - 1 => (0..stage).collect(),
            _ => Vec::new(),
        }
    };
    let stages: Vec<_> = endpoints
        .consumers
        .into_iter()
        .enumerate()
        .map(|(stage, mut consumer)| {
            let (finished, violations, upstream) = (
                Arc::clone(&finished),
                Arc::clone(&violations),
                upstream_of(stage),
            );
            thread::spawn(move || {
                let mut expected = 0u64;
                loop {
                    let mut last_in_batch = None;
                    let outcome = consumer.process_batch(17, |event, sequence, end_of_batch| {
                        let early = upstream
                            .iter()
                            .any(|&u| finished[u].load(Ordering::Acquire) < sequence);
                        let wrong = event.tag(Salt::NONE) != expected
                            || sequence as u64 != expected
                            || last_in_batch.is_some();
                        violations
                            .fetch_add(u64::from(early) + u64::from(wrong), Ordering::Relaxed);
                        if end_of_batch {
                            last_in_batch = Some(sequence);
                        }
                        finished[stage].store(sequence, Ordering::Release);
                        expected += 1;
                    });
                    match outcome {
                        Consumed::Items(_) => {
                            assert!(last_in_batch.is_some(), "a batch without its end flag")
                        }
                        Consumed::Closed => return expected,
                        Consumed::Idle => {}
                    }
                }
            })
        })
        .collect();
    let mut producer = endpoints.producers.into_iter().next().unwrap();
    let mut sent = 0;
    while sent < events {
        let n = (events - sent).min(1 + sent % 9) as usize;
        producer
            .publish_batch(n, |i, m| m.write(Salt::NONE, 0, sent + i as u64))
            .unwrap();
        sent += n as u64;
    }
    drop(producer);
    for (stage, handle) in stages.into_iter().enumerate() {
        assert_eq!(handle.join().unwrap(), events, "{topology} stage {stage}");
    }
    assert_eq!(
        violations.load(Ordering::Relaxed),
        0,
        "{topology} with {consumers} consumers, {wait:?}"
    );
}

#[test]
fn pipeline_stages_follow_their_upstream() {
    for wait in [WaitStrategy::SpinYield, WaitStrategy::Blocking] {
        dependency_order::<SingleS>(Topology::Pipeline, 3, 4, wait, 20_000);
        dependency_order::<LmaxS>(Topology::Pipeline, 3, 2, wait, 20_000);
        dependency_order::<BitmapS>(Topology::Pipeline, 2, 2, wait, 20_000);
    }
}

#[test]
fn diamond_joins_wait_for_every_branch() {
    for wait in [WaitStrategy::SpinYield, WaitStrategy::Blocking] {
        dependency_order::<SingleS>(Topology::Diamond, 3, 4, wait, 20_000);
        dependency_order::<LmaxS>(Topology::Diamond, 4, 2, wait, 20_000);
        dependency_order::<BitmapS>(Topology::Diamond, 3, 4, wait, 20_000);
    }
}

/// Every wait strategy carries a run through the oracle-free basics: all
/// events arrive, in order, over many wrap-arounds of a tiny ring.
#[test]
fn every_wait_strategy_wraps_a_tiny_ring() {
    for wait in WaitStrategy::ALL {
        dependency_order::<LmaxS>(Topology::Spsc, 1, 2, wait, 3_000);
        dependency_order::<BitmapS>(Topology::Spsc, 1, 2, wait, 3_000);
        dependency_order::<SingleS>(Topology::Spsc, 1, 4, wait, 3_000);
    }
}
