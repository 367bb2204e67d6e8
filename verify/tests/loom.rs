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
