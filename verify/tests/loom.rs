//! loom models: every interleaving (up to a preemption bound) and every
//! weak-memory outcome loom models, for each implementation on a tiny
//! ring, with enough messages to wrap, closing with drain. Run by
//! `scripts/model-check.sh` (`--cfg ringlab_loom`).
//!
//! Bounds: `LOOM_MAX_PREEMPTIONS` (default 2 here) limits how often the
//! scheduler may switch away from a runnable thread; the seeded mutants
//! (`scripts/mutants.sh`) are all caught within it. Message counts are the
//! smallest that wrap the ring at least once.
//!
//! Waiting: models with three threads wait with the `blocking` strategy, so
//! a wait is one park until the other side signals instead of a spin loop
//! whose every step is a loom branch (spinning three-thread models do not
//! finish). Loom still explores every execution in which a thread finds its
//! condition without parking (where a weakened ordering shows up as a data
//! race on a slot), and a lost wake-up shows up as a deadlock. The
//! two-thread models also run with spinning waits.
#![cfg(ringlab_loom)]

use impls::{
    ArrayQueueBaseline, Bitmap, Lmax, Queue, RingMpsc, Single, SpscRing, Topology, WaitStrategy,
    WorkerPoolAdaptive, WorkerPoolK1,
};
use verify::{Model, execute};

/// A model that waits by parking (see the header).
fn parked(
    topology: Topology,
    producers: usize,
    consumers: usize,
    capacity: usize,
    messages: u64,
) -> Model {
    Model::new(topology, producers, consumers, capacity, messages).wait(WaitStrategy::Blocking)
}

/// Loom with this suite's bounds.
fn builder() -> loom::model::Builder {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(2);
    }
    // Spin loops yield to loom at every step; with three threads one
    // execution can take more than loom's default 1000 branches.
    builder.max_branches = 20_000;
    builder
}

fn check<Q: Queue>(model: Model) {
    builder().check(move || execute::<Q>(&model));
}

#[test]
fn spsc_ring_wraps() {
    check::<SpscRing>(Model::new(Topology::Spsc, 1, 1, 2, 3));
}

#[test]
fn spsc_ring_batches_wrap() {
    check::<SpscRing>(Model::new(Topology::Spsc, 1, 1, 2, 4).batch(2));
}

#[test]
fn spsc_ring_blocking_loses_no_wakeup() {
    check::<SpscRing>(Model::new(Topology::Spsc, 1, 1, 2, 3).wait(WaitStrategy::Blocking));
}

#[test]
fn single_wraps() {
    check::<Single>(Model::new(Topology::Spsc, 1, 1, 2, 3));
}

#[test]
fn single_fans_out() {
    check::<Single>(parked(Topology::MpmcFanout, 1, 2, 2, 3));
}

#[test]
fn single_pipeline() {
    check::<Single>(parked(Topology::Pipeline, 1, 2, 2, 3));
}

#[test]
fn single_blocking_loses_no_wakeup() {
    check::<Single>(Model::new(Topology::Spsc, 1, 1, 2, 3).wait(WaitStrategy::Blocking));
}

#[test]
fn lmax_two_producers_wrap() {
    check::<Lmax>(parked(Topology::Mpsc, 2, 1, 2, 3));
}

#[test]
fn lmax_batches() {
    check::<Lmax>(parked(Topology::Mpsc, 2, 1, 4, 4).batch(2));
}

#[test]
fn bitmap_two_producers_wrap() {
    check::<Bitmap>(parked(Topology::Mpsc, 2, 1, 2, 3));
}

#[test]
fn bitmap_batches() {
    check::<Bitmap>(parked(Topology::Mpsc, 2, 1, 4, 4).batch(2));
}

#[test]
fn worker_pool_shares_exactly_once() {
    check::<WorkerPoolAdaptive>(parked(Topology::MpmcWorkerPool, 1, 2, 2, 3).batch(2));
}

#[test]
fn worker_pool_k1_shares_exactly_once() {
    check::<WorkerPoolK1>(parked(Topology::MpmcWorkerPool, 1, 2, 2, 3));
}

#[test]
fn ring_mpsc_one_producer_wraps() {
    check::<RingMpsc>(Model::new(Topology::Spsc, 1, 1, 2, 3));
}

#[test]
fn ring_mpsc_two_producers_wrap() {
    check::<RingMpsc>(parked(Topology::Mpsc, 2, 1, 2, 4));
}

#[test]
fn ring_mpsc_batches_wrap() {
    check::<RingMpsc>(Model::new(Topology::Spsc, 1, 1, 2, 4).batch(2));
}

#[test]
fn ring_mpsc_blocking_loses_no_wakeup() {
    check::<RingMpsc>(Model::new(Topology::Spsc, 1, 1, 2, 3).wait(WaitStrategy::Blocking));
}

/// crossbeam's `ArrayQueue` is not built on loom's atomics, so loom sees
/// each push and pop as one step and checks the adapter around it: its
/// wake-ups and its close. A batch larger than the ring makes the producer
/// wait for room in mid-batch while the consumer is parked on an empty
/// queue; without a signal before that wait, the two park for good.
#[test]
fn array_queue_blocking_loses_no_wakeup() {
    check::<ArrayQueueBaseline>(
        Model::new(Topology::Spsc, 1, 1, 2, 3)
            .batch(3)
            .wait(WaitStrategy::Blocking),
    );
}

/// `timeout_blocking`: as `blocking`, but a wait whose condition does not
/// hold when it wakes gives up (here, deterministically, after one park:
/// see `impls::sync::Deadline`), and its caller retries: a producer waits
/// again, a consumer reports `Idle` and is called again. Nothing is lost
/// or handed twice across those retries, and no wake-up is lost.
#[test]
fn spsc_ring_timeout_blocking_retries() {
    check::<SpscRing>(Model::new(Topology::Spsc, 1, 1, 2, 3).wait(WaitStrategy::TimeoutBlocking));
}

#[test]
fn lmax_timeout_blocking_retries() {
    check::<Lmax>(Model::new(Topology::Mpsc, 2, 1, 2, 3).wait(WaitStrategy::TimeoutBlocking));
}

/// A producer registers on its own thread while the consumer is already
/// polling: the new ring must be fully visible when the consumer finds it,
/// and the consumer must see the channel close only after everything sent.
#[test]
fn ring_mpsc_registers_while_consuming() {
    use impls::ring_mpsc::{self, Config};
    use impls::{Consumed, Message, Msg8};

    builder().check(|| {
        let (channel, mut consumer) = ring_mpsc::channel::<Msg8>(Config::new(2, 2)).unwrap();
        let sender = loom::thread::spawn(move || {
            let mut producer = channel.register().unwrap();
            drop(channel);
            for sequence in 0..3 {
                let mut reservation = producer.reserve(1).unwrap();
                reservation.push(Msg8::new(0, sequence)).unwrap();
                reservation.commit();
            }
        });
        let mut seen = Vec::new();
        loop {
            match consumer.consume_batch(2, |message| seen.push(message.tag())) {
                Consumed::Items(_) => {}
                Consumed::Closed => break,
                Consumed::Idle => panic!("idle without a cancel"),
            }
        }
        sender.join().unwrap();
        assert_eq!(seen, [0, 1, 2]);
    });
}

/// `try_publish` (a compare-and-swap claim) beside `publish_batch` (a
/// fetch-add claim) on a ring of 2: one producer publishes 2 messages,
/// waiting for room; the other tries 3 times and keeps what fits. Claims
/// never overlap, a slot is rewritten only after the consumer has read it,
/// and everything published arrives once, each producer's in order.
#[test]
fn lmax_try_publish_beside_claims() {
    use impls::message::split_tag;
    use impls::{Consumed, Consumer, Message, Msg8, Producer, QueueConfig};

    builder().check(|| {
        let cfg = QueueConfig {
            producers: 2,
            wait: WaitStrategy::Blocking,
            ..QueueConfig::new(Topology::Mpsc, 2)
        };
        let mut endpoints = Lmax::build::<Msg8>(&cfg).unwrap();
        let mut consumer = endpoints.consumers.pop().unwrap();
        let mut trying = endpoints.producers.pop().unwrap();
        let mut claiming = endpoints.producers.pop().unwrap();
        let tries = loom::thread::spawn(move || {
            let mut sent = 0;
            for _ in 0..3 {
                if trying.try_publish(|m| m.write(1, sent)).is_ok() {
                    sent += 1;
                }
            }
            sent
        });
        let claims = loom::thread::spawn(move || {
            claiming
                .publish_batch(2, |i, m| m.write(0, i as u64))
                .unwrap();
        });
        let mut seen = [Vec::new(), Vec::new()];
        loop {
            match consumer.consume_batch(2, |message| {
                let (producer, sequence) = split_tag(message.tag());
                seen[producer as usize].push(sequence);
            }) {
                Consumed::Items(_) => {}
                Consumed::Closed => break,
                Consumed::Idle => panic!("idle without a cancel"),
            }
        }
        let sent = tries.join().unwrap();
        claims.join().unwrap();
        assert_eq!(seen[0], [0, 1]);
        assert_eq!(seen[1], (0..sent).collect::<Vec<u64>>());
    });
}

// Fault paths (the contracts are in `impls::queue`): a `fill` that panics
// mid-batch, a claim given up by a cancel, a consumer of a broadcast
// dropped, and a worker dropped mid-run after its handler panicked. Each
// checks that nothing hangs (every wait here parks, so a gap nobody
// settles or a gate nobody releases is a deadlock), that no slot is read
// while it is written, and what arrives.

use std::panic::{AssertUnwindSafe, catch_unwind};

use impls::disruptor::lmax::LmaxAvailability;
use impls::disruptor::multi::MultiSequencer;
use impls::disruptor::worker_pool::WorkerPool;
use impls::message::split_tag;
use impls::{Consumed, Consumer, Message, Msg8, Producer, PublishError, QueueConfig};

/// A worker pool whose workers take runs of 2.
type RunsOfTwo = WorkerPool<MultiSequencer<LmaxAvailability>, 2>;

/// The payload of the panics these models inject.
const INJECTED: &str = "injected fault";

/// Keeps the injected panics out of the output (loom runs thousands).
fn quiet() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<&str>() != Some(&INJECTED) {
                previous(info);
            }
        }));
    });
}

fn config(topology: Topology, producers: usize, consumers: usize, capacity: usize) -> QueueConfig {
    QueueConfig {
        producers,
        consumers,
        wait: WaitStrategy::Blocking,
        ..QueueConfig::new(topology, capacity)
    }
}

/// Drains `consumer` until `Closed`, as `(producer, sequence)`; `Idle` is
/// only allowed once the token is set (it then means "nothing yet").
fn drain<C: Consumer<Msg8>>(consumer: &mut C, cancelled: &impls::Cancel) -> Vec<(u16, u64)> {
    let mut seen = Vec::new();
    loop {
        match consumer.consume_batch(2, |m| seen.push(split_tag(m.tag()))) {
            Consumed::Items(_) => {}
            Consumed::Closed => return seen,
            Consumed::Idle if cancelled.is_cancelled() => loom::thread::yield_now(),
            Consumed::Idle => panic!("idle without a cancel"),
        }
    }
}

/// Two producers on a ring of 2, three claims in all, so the ring wraps:
/// producer 0's fill panics on the second message of a batch of 2, and the
/// producer is dropped; producer 1 publishes one message. The consumer gets
/// producer 1's message, at most the first of the broken batch, never the
/// slot of the second (unwritten), and then `Closed`: the skipped slot is published, in its round,
/// with the slots around it.
fn panicking_fill<Q: Queue>() {
    quiet();
    builder().check(|| {
        let cfg = config(Topology::Mpsc, 2, 1, 2);
        let mut endpoints = Q::build::<Msg8>(&cfg).unwrap();
        let mut consumer = endpoints.consumers.pop().unwrap();
        let mut other = endpoints.producers.pop().unwrap();
        let mut failing = endpoints.producers.pop().unwrap();
        let panics = loom::thread::spawn(move || {
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                failing.publish_batch(2, |i, m| {
                    if i == 1 {
                        std::panic::panic_any(INJECTED);
                    }
                    m.write(0, 1 + i as u64);
                })
            }));
            assert!(outcome.is_err(), "the panic reached the caller");
        });
        let publishes = loom::thread::spawn(move || {
            other.publish_batch(1, |_, m| m.write(1, 0)).unwrap();
        });
        let seen = drain(&mut consumer, &cfg.cancel);
        panics.join().unwrap();
        publishes.join().unwrap();
        // Producer 0's first message is (0, 1); a slot never written still
        // holds the ring's initial (0, 0).
        let kept: Vec<_> = seen.iter().filter(|&&t| t != (0, 1)).collect();
        assert_eq!(kept, [&(1, 0)], "seen {seen:?}");
    });
}

#[test]
fn lmax_panicking_fill_leaves_no_gap() {
    panicking_fill::<Lmax>();
}

#[test]
fn bitmap_panicking_fill_leaves_no_gap() {
    panicking_fill::<Bitmap>();
}

/// A claim given up: on a ring of 2, a producer publishes 3 messages one at
/// a time while the consumer has set the cancel token and not yet taken
/// anything, so the third claim (taken with a fetch-add before it waits)
/// is cancelled, or the first ones are if the token comes first; the
/// consumer then drains, concurrently with the producer's last steps. It
/// gets exactly what was published, then `Closed`: a given-up claim is
/// settled (published as skipped) by whoever comes by once its slot is
/// free.
#[test]
fn lmax_cancelled_claim_is_settled() {
    builder().check(|| {
        let cfg = config(Topology::Spsc, 1, 1, 2);
        let mut endpoints = Lmax::build::<Msg8>(&cfg).unwrap();
        let mut consumer = endpoints.consumers.pop().unwrap();
        let mut producer = endpoints.producers.pop().unwrap();
        let publishes = loom::thread::spawn(move || {
            let mut sent = 0;
            for sequence in 0..3 {
                match producer.publish_batch(1, |_, m| m.write(0, sequence)) {
                    Ok(()) => sent += 1,
                    Err(PublishError::Cancelled) => break,
                    Err(other) => panic!("{other}"),
                }
            }
            sent
        });
        cfg.cancel.cancel();
        let seen = drain(&mut consumer, &cfg.cancel);
        let sent = publishes.join().unwrap();
        let expected: Vec<(u16, u64)> = (0..sent).map(|s| (0, s)).collect();
        assert_eq!(seen, expected);
    });
}

/// Fan-out to two consumers on a ring of 2: one takes a message and is
/// dropped; the producer publishes 4, the last of which it can only do
/// once the dropped consumer stops gating; the other consumer gets all 4,
/// then `Closed`.
#[test]
fn lmax_fan_out_dropped_consumer_stops_gating() {
    builder().check(|| {
        let cfg = config(Topology::MpmcFanout, 1, 2, 2);
        let mut endpoints = Lmax::build::<Msg8>(&cfg).unwrap();
        let mut staying = endpoints.consumers.pop().unwrap();
        let mut leaving = endpoints.consumers.pop().unwrap();
        let mut producer = endpoints.producers.pop().unwrap();
        let publishes = loom::thread::spawn(move || {
            producer
                .publish_batch(4, |i, m| m.write(0, i as u64))
                .unwrap();
        });
        let leaves = loom::thread::spawn(move || {
            assert!(leaving.consume_batch(1, |_| ()).is_items());
        });
        let seen = drain(&mut staying, &cfg.cancel);
        publishes.join().unwrap();
        leaves.join().unwrap();
        assert_eq!(seen, [(0, 0), (0, 1), (0, 2), (0, 3)]);
    });
}

/// A worker pool of two on a ring of 2, taking runs of 2: one worker's
/// handler panics on the first event of its run, and the worker is
/// dropped; the rest of its run is taken over by the other, which gets
/// every other message exactly once, then `Closed`. (Fixed runs of 2: the
/// adaptive pool's runs on so small a ring are mostly 1 long, which
/// leaves nothing to take over.)
#[test]
fn worker_pool_dropped_worker_run_is_taken_over() {
    quiet();
    builder().check(|| {
        let cfg = config(Topology::MpmcWorkerPool, 1, 2, 2);
        let mut endpoints = RunsOfTwo::build::<Msg8>(&cfg).unwrap();
        let mut staying = endpoints.consumers.pop().unwrap();
        let mut leaving = endpoints.consumers.pop().unwrap();
        let mut producer = endpoints.producers.pop().unwrap();
        let publishes = loom::thread::spawn(move || {
            producer
                .publish_batch(3, |i, m| m.write(0, i as u64))
                .unwrap();
        });
        let leaves = loom::thread::spawn(move || {
            let mut handed = None;
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                leaving.consume_batch(2, |m| {
                    handed = Some(split_tag(m.tag()));
                    std::panic::panic_any(INJECTED);
                })
            }));
            match outcome {
                // It found the queue closed before any message: possible
                // only once the other worker has taken all three.
                Ok(Consumed::Closed) => None,
                Ok(other) => panic!("{other:?}"),
                Err(_) => handed,
            }
        });
        let mut seen = drain(&mut staying, &cfg.cancel);
        publishes.join().unwrap();
        if let Some(handed) = leaves.join().unwrap() {
            seen.push(handed);
        }
        seen.sort_unstable();
        assert_eq!(seen, [(0, 0), (0, 1), (0, 2)]);
    });
}
