//! loom models: every interleaving (up to a preemption bound) and every
//! weak-memory outcome loom models, for each implementation on a tiny
//! ring, with enough messages to wrap, closing with drain. Run by
//! `scripts/model-check.sh` (`--cfg ringlab_loom`).
//!
//! Bounds: `LOOM_MAX_PREEMPTIONS` (default 2 here) limits how often the
//! scheduler may switch away from a runnable thread; the seeded mutants
//! (`scripts/mutants.sh`) are all caught within it. Message counts are the
//! smallest that wrap the ring at least once, except where a model says
//! why it needs more (batches that straddle the wrap lap after lap, whole
//! words of the bitmap).
//!
//! Waiting: models with three threads wait with the `blocking` strategy, so
//! a wait is one park until the other side signals instead of a spin loop
//! whose every step is a loom branch (spinning three-thread models do not
//! finish). Loom still explores every execution in which a thread finds its
//! condition without parking (where a weakened ordering shows up as a data
//! race on a slot), and a lost wake-up shows up as a deadlock. The
//! two-thread models also run with spinning waits.
#![cfg(ringlab_loom)]

use std::panic::{AssertUnwindSafe, catch_unwind};

use harness::runner::producer_loop;
use impls::disruptor::Disruptor;
use impls::disruptor::bitmap::BitmapAvailability;
use impls::disruptor::lmax::LmaxAvailability;
use impls::disruptor::multi::{Availability, MultiSequencer};
use impls::disruptor::worker_pool::{Claims, WorkerPool};
use impls::message::split_tag;
use impls::ring_mpsc::{self, Config};
use impls::{
    ArrayQueueBaseline, Bitmap, Consumed, Consumer, Lmax, Message, Msg8, Producer, PublishError,
    Queue, QueueConfig, RingMpsc, Salt, Setup, Single, SpscRing, Topology, WaitStrategy,
    WorkerPoolAdaptive, WorkerPoolK1,
};
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, Ordering};
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

/// Takes up to `max` messages per call until `Closed`; returns how many
/// each call handed over.
fn drain(consumer: &mut impl Consumer<Msg8>, max: usize) -> Vec<usize> {
    let mut batches = Vec::new();
    loop {
        match consumer.consume_batch(max, |_| {}) {
            Consumed::Items(n) => batches.push(n),
            Consumed::Closed => return batches,
            Consumed::Idle => panic!("idle without a cancel"),
        }
    }
}

/// Takes up to 2 messages per call until `Closed`; returns the tags
/// handed, in order.
fn tags_until_closed(consumer: &mut impl Consumer<Msg8>) -> Vec<u64> {
    let mut seen = Vec::new();
    loop {
        match consumer.consume_batch(2, |m| seen.push(m.tag(Salt::NONE))) {
            Consumed::Items(_) => {}
            Consumed::Closed => return seen,
            Consumed::Idle => panic!("idle without a cancel"),
        }
    }
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

/// Batches of 3 on a ring of 4 straddle the wrap at a different slot
/// each lap; 12 messages make three laps.
#[test]
fn single_batches_wrap() {
    check::<Single>(Model::new(Topology::Spsc, 1, 1, 4, 12).batch(3));
}

/// As `single_batches_wrap`, with two producers claiming batches that
/// straddle the wrap; 9 messages make more than two laps.
#[test]
fn lmax_batches_wrap() {
    check::<Lmax>(parked(Topology::Mpsc, 2, 1, 4, 9).batch(3));
}

/// As `lmax_batches_wrap`: a batch that straddles the wrap flips bits in
/// two rounds' parities.
#[test]
fn bitmap_batches_wrap() {
    check::<Bitmap>(parked(Topology::Mpsc, 2, 1, 4, 9).batch(3));
}

/// Two words of 64 slots: every claim of 64 fills a whole word (the
/// full-word flip), and 256 messages make two laps, so each word is
/// flipped back in the second round.
#[test]
fn bitmap_whole_words() {
    check::<Bitmap>(parked(Topology::Mpsc, 2, 1, 128, 256).batch(64));
}

#[test]
fn worker_pool_shares_exactly_once() {
    check::<WorkerPoolAdaptive>(parked(Topology::MpmcWorkerPool, 1, 2, 2, 3).batch(2));
}

/// The producer can claim the whole ring of 4 ahead of two idle workers,
/// and a worker's adaptive run (a fair share of what is claimed ahead) is
/// then 2 long: runs of more than one slot, found published in part or
/// whole.
#[test]
fn worker_pool_takes_runs() {
    check::<WorkerPoolAdaptive>(parked(Topology::MpmcWorkerPool, 1, 2, 4, 4).batch(2));
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

/// A reservation stops at the wrap, so batches of 3 on a ring of 4 are
/// split at a different place each lap; 12 messages make three laps.
/// Parked: with spinning waits this many messages take loom minutes.
#[test]
fn ring_mpsc_batches_wrap_laps() {
    check::<RingMpsc>(parked(Topology::Spsc, 1, 1, 4, 12).batch(3));
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
///
/// The checkers never time a wait out on their own (their `wait_timeout`
/// waits for a signal), so a wait gives up only when a signal comes
/// without the progress it waits for. This model does reach `spsc_ring`'s
/// give-up that way (the mutant `spsc_ring_give_up_closes` fails it): both
/// sides share one parking lot, so, as the code reads, a signal can be
/// stale (a producer's notify for a message the consumer already took),
/// and the deadline passes at the second look, in those interleavings
/// only. The model after it makes the first timed waits give up in every
/// execution.
/// The `lmax` model, with two producers, reaches a producer's give-up the
/// same way: woken by the other producer's publish (the mutant
/// `gating_wait_gives_up` is caught there). On real threads the 1 ms
/// timeout passes often: the stress tests run every implementation with
/// this strategy.
#[test]
fn spsc_ring_timeout_blocking_retries() {
    check::<SpscRing>(Model::new(Topology::Spsc, 1, 1, 2, 3).wait(WaitStrategy::TimeoutBlocking));
}

/// spsc_ring's timed give-up, which the model above never reaches: the
/// first two deadlines made pass at their first look
/// (`sync::expire_next_deadlines`), so a timed wait whose condition does
/// not hold at once gives up as a real timeout would. A consumer that
/// gives up answers `Idle` having taken nothing and looks again; a
/// producer waits again. Nothing is lost, duplicated or reordered, and
/// every slot access is ordered as in the other models.
#[test]
fn spsc_ring_timed_wait_gives_up_and_looks_again() {
    let model = Model::new(Topology::Spsc, 1, 1, 2, 3).wait(WaitStrategy::TimeoutBlocking);
    builder().check(move || {
        impls::sync::expire_next_deadlines(2);
        execute::<SpscRing>(&model);
    });
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
    builder().check(|| {
        let (channel, mut consumer) = ring_mpsc::channel::<Msg8>(Config::new(2, 2)).unwrap();
        let sender = loom::thread::spawn(move || {
            let mut producer = channel.register().unwrap();
            drop(channel);
            for sequence in 0..3 {
                let mut reservation = producer.reserve(1).unwrap();
                reservation
                    .push(Msg8::new(Salt::NONE, 0, sequence))
                    .unwrap();
                reservation.commit();
            }
        });
        let mut seen = Vec::new();
        loop {
            match consumer.consume_batch(2, |message| seen.push(message.tag(Salt::NONE))) {
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
    builder().check(|| {
        let cfg = QueueConfig::from(
            Setup::new(Topology::Mpsc, 2)
                .threads(2, 1)
                .wait(WaitStrategy::Blocking),
        );
        let mut endpoints = Lmax::build::<Msg8>(&cfg).unwrap();
        let mut consumer = endpoints.consumers.pop().unwrap();
        let mut trying = endpoints.producers.pop().unwrap();
        let mut claiming = endpoints.producers.pop().unwrap();
        let tries = loom::thread::spawn(move || {
            let mut sent = 0;
            for _ in 0..3 {
                if trying.try_publish(|m| m.write(Salt::NONE, 1, sent)).is_ok() {
                    sent += 1;
                }
            }
            sent
        });
        let claims = loom::thread::spawn(move || {
            claiming
                .publish_batch(2, |i, m| m.write(Salt::NONE, 0, i as u64))
                .unwrap();
        });
        let mut seen = [Vec::new(), Vec::new()];
        loop {
            match consumer.consume_batch(2, |message| {
                let (producer, sequence) = split_tag(message.tag(Salt::NONE));
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

/// Two producers publish one message each and leave, in either order,
/// while the consumer drains until `Closed`: it must get both. The last
/// producer to leave stores `closed`; a consumer that sees it reads the
/// cursor as final, so the other producer's claim must happen before that
/// store (the `AcqRel` of the producers' count in `DisruptorProducer::drop`).
/// Spinning, so that no park or wake-up orders the producers by the way.
#[test]
fn lmax_last_producer_to_leave_passes_on_the_others_claims() {
    builder().check(|| {
        let cfg = QueueConfig::from(
            Setup::new(Topology::Mpsc, 2)
                .threads(2, 1)
                .wait(WaitStrategy::SpinYield),
        );
        let mut endpoints = Lmax::build::<Msg8>(&cfg).unwrap();
        let mut consumer = endpoints.consumers.pop().unwrap();
        let producers: Vec<_> = endpoints
            .producers
            .drain(..)
            .enumerate()
            .map(|(id, mut producer)| {
                loom::thread::spawn(move || {
                    producer
                        .publish_batch(1, |_, m| m.write(Salt::NONE, id as u16, 0))
                        .unwrap();
                })
            })
            .collect();
        let received: usize = drain(&mut consumer, 2).iter().sum();
        for producer in producers {
            producer.join().unwrap();
        }
        assert_eq!(received, 2, "a producer's message was lost at close");
    });
}

/// The consumer takes one message and leaves while the producer still has
/// more to send than the ring holds: the producer must fail with
/// `Disconnected`. A producer that waited on for room would park for good,
/// which loom reports as a deadlock.
fn consumer_leaves<Q: Queue>(topology: Topology) {
    builder().check(move || {
        let cfg = QueueConfig::from(Setup::new(topology, 2).wait(WaitStrategy::Blocking));
        let mut endpoints = Q::build::<Msg8>(&cfg).unwrap();
        let mut producer = endpoints.producers.pop().unwrap();
        let mut consumer = endpoints.consumers.pop().unwrap();
        // One taken and two in the ring: the fourth never fits.
        let sending =
            loom::thread::spawn(move || producer_loop(&mut producer, Salt::NONE, 0, 4, 1));
        assert_eq!(consumer.consume_batch(1, |_| {}), Consumed::Items(1));
        drop(consumer);
        assert_eq!(sending.join().unwrap(), Err(PublishError::Disconnected));
    });
}

/// The same with a worker pool's only worker: the last worker to leave
/// keeps its gate, so the producer fails rather than publishing into a
/// ring nobody reads.
#[test]
fn worker_pool_last_worker_leaves() {
    consumer_leaves::<WorkerPoolK1>(Topology::MpmcWorkerPool);
}

#[test]
fn spsc_ring_consumer_leaves() {
    consumer_leaves::<SpscRing>(Topology::Spsc);
}

#[test]
fn ring_mpsc_consumer_leaves() {
    consumer_leaves::<RingMpsc>(Topology::Spsc);
}

#[test]
fn array_queue_consumer_leaves() {
    consumer_leaves::<ArrayQueueBaseline>(Topology::Spsc);
}

/// A consumer that reads `Closed` has seen everything the producer did
/// before it left, as after a join: the producer sets a flag after its
/// last publish and then drops, and the consumer, once closed, reads the
/// flag without synchronising (`unsync_load`), which loom reports as a
/// causality violation unless the store happens before it. The flag is a
/// witness loom can see where it cannot see the queue itself (crossbeam's
/// `ArrayQueue` is not built on loom's atomics, so its slots carry no
/// happens-before edges for loom), and loom checks it with vector clocks
/// rather than by letting a relaxed load read an old value, which it does
/// not always explore.
fn close_happens_after_producer<Q: Queue>() {
    builder().check(|| {
        let cfg = QueueConfig::new(Topology::Spsc, 2);
        let mut endpoints = Q::build::<Msg8>(&cfg).unwrap();
        let mut producer = endpoints.producers.pop().unwrap();
        let mut consumer = endpoints.consumers.pop().unwrap();
        let witness = Arc::new(AtomicBool::new(false));
        let written = Arc::clone(&witness);
        let sending = loom::thread::spawn(move || {
            producer_loop(&mut producer, Salt::NONE, 0, 3, 1).unwrap();
            written.store(true, Ordering::Relaxed);
            drop(producer);
        });
        let batches = drain(&mut consumer, 1);
        // SAFETY: loom runs one thread at a time, so this load never
        // overlaps the store; loom reports it unless the store happens
        // before it, which is what this model checks.
        let seen = unsafe { witness.unsync_load() };
        assert!(seen, "closed without the producer's last writes");
        assert_eq!(batches.len(), 3);
        sending.join().unwrap();
    });
}

#[test]
fn spsc_ring_close_happens_after_producer() {
    close_happens_after_producer::<SpscRing>();
}

/// A consumer whose handler panics gives back the slot it was reading: on
/// a ring of 2 the producer sends 4 messages one at a time; the
/// consumer's first call panics in its handler on the first message (which
/// counts as consumed), and later calls drain the other 3 to `Closed`. The
/// producer rewrites that first slot for its third message, so loom
/// reports a data race on the slot unless the consumer's read of it
/// happens before the rewrite: the Release store of `head` on the unwind
/// path is what orders them.
#[test]
fn spsc_ring_handler_panic_releases_what_it_read() {
    quiet();
    builder().check(|| {
        let cfg = config(Topology::Spsc, 1, 1, 2);
        let mut endpoints = SpscRing::build::<Msg8>(&cfg).unwrap();
        let mut producer = endpoints.producers.pop().unwrap();
        let mut consumer = endpoints.consumers.pop().unwrap();
        let sending =
            loom::thread::spawn(move || producer_loop(&mut producer, Salt::NONE, 0, 4, 1));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            consumer.consume_batch(1, |_| std::panic::panic_any(INJECTED))
        }));
        assert!(outcome.is_err(), "the handler's panic reached the caller");
        let rest = drain(&mut consumer, 1);
        assert_eq!(rest.iter().sum::<usize>(), 3, "after the panic: {rest:?}");
        sending.join().unwrap().unwrap();
    });
}

#[test]
fn array_queue_close_happens_after_producer() {
    close_happens_after_producer::<ArrayQueueBaseline>();
}

/// `consume_batch(max)` hands over at most `max` (the trait's contract)
/// even when more is ready: here the second stage of a pipeline takes one
/// event per call while the first stage, taking up to 4, runs ahead of it.
#[test]
fn single_pipeline_takes_at_most_max() {
    builder().check(|| {
        let cfg = QueueConfig::from(
            Setup::new(Topology::Pipeline, 4)
                .threads(1, 2)
                .wait(WaitStrategy::Blocking),
        );
        let mut endpoints = Single::build::<Msg8>(&cfg).unwrap();
        let mut producer = endpoints.producers.pop().unwrap();
        let mut second = endpoints.consumers.pop().unwrap();
        let mut first = endpoints.consumers.pop().unwrap();
        let sending =
            loom::thread::spawn(move || producer_loop(&mut producer, Salt::NONE, 0, 4, 4).unwrap());
        let upstream = loom::thread::spawn(move || drain(&mut first, 4));
        let batches = drain(&mut second, 1);
        assert_eq!(
            batches,
            [1, 1, 1, 1],
            "batches handed over by consume_batch(1)"
        );
        sending.join().unwrap();
        assert_eq!(upstream.join().unwrap().iter().sum::<usize>(), 4);
    });
}

/// A stage of a `Single` disruptor.
type Stage = <Single as Queue>::Consumer<Msg8>;

/// The stages of a broken graph: a `Single` disruptor of `topology` with
/// `consumers` stages on a ring of 2, parking waits. Its first stage takes
/// one event and drops, unfinished, on a thread of its own; a producer on
/// another sends 4 events one at a time. Returns the other stages, in
/// order, and the two threads (the producer's says how many it sent and
/// whether it was told `Disconnected`).
fn first_stage_leaves(
    topology: Topology,
    consumers: usize,
) -> (
    Vec<Stage>,
    loom::thread::JoinHandle<()>,
    loom::thread::JoinHandle<(u64, bool)>,
) {
    let cfg = QueueConfig::from(
        Setup::new(topology, 2)
            .threads(1, consumers)
            .wait(WaitStrategy::Blocking),
    );
    let mut endpoints = Single::build::<Msg8>(&cfg).unwrap();
    let mut producer = endpoints.producers.pop().unwrap();
    let mut stages = endpoints.consumers;
    let mut first = stages.remove(0);
    let sending = loom::thread::spawn(move || {
        let mut sent = 0;
        for sequence in 0..4 {
            match producer.publish_batch(1, |_, m| m.write(Salt::NONE, 0, sequence)) {
                Ok(()) => sent += 1,
                Err(PublishError::Disconnected) => return (sent, true),
                Err(other) => panic!("{other:?}"),
            }
        }
        (sent, false)
    });
    let leaving = loom::thread::spawn(move || {
        let taken = first.consume_batch(1, |_| {});
        assert_eq!(taken, Consumed::Items(1));
    });
    (stages, leaving, sending)
}

/// Joins the threads of [`first_stage_leaves`]: the producer must have
/// been told `Disconnected` when it would wait for room behind the stage
/// that left, after 2 or 3 events.
fn producer_disconnected(
    leaving: loom::thread::JoinHandle<()>,
    sending: loom::thread::JoinHandle<(u64, bool)>,
) {
    leaving.join().unwrap();
    let (sent, disconnected) = sending.join().unwrap();
    assert!(disconnected, "the producer sent {sent} and was not told");
    assert!((2..=3).contains(&sent), "{sent}");
}

/// A pipeline stage leaves mid-run (a broken graph): the first stage takes
/// one event and drops, unfinished. The second stage must hand exactly the
/// event the first passed on and then report `Closed`; the producer, which
/// has 4 to send on a ring of 2, must get `Disconnected` when it would
/// wait for room behind the stage that left (waiting on would park for
/// good, a deadlock). The stage's own sequence reaches the second stage
/// through `broken` (Release in the stage's drop, Acquire in the waiting
/// consumer); the first stage is joined only after the second has closed,
/// so no join orders them.
#[test]
fn pipeline_stage_leaves_mid_run() {
    builder().check(|| {
        let (mut stages, leaving, sending) = first_stage_leaves(Topology::Pipeline, 2);
        assert_eq!(
            tags_until_closed(&mut stages[0]),
            [0],
            "the second stage hands what the first passed, then closes"
        );
        producer_disconnected(leaving, sending);
    });
}

/// A diamond's head leaves mid-run (a broken graph): of the two heads, the
/// first takes one event and drops, unfinished; the other head hands the
/// published events in order and reports `Closed`; only then does the last
/// stage (after both heads) look, on the same thread: it must hand exactly
/// the event both heads passed (event 0) and close, never one the leaving
/// head did not pass. The producer, 4 events on a ring of 2 gated by the
/// last stage, must get `Disconnected` when it would wait for room.
/// (With spinning waits, the same model exceeds loom's branch bound.)
#[test]
fn diamond_head_leaves_mid_run() {
    builder().check(|| {
        let (mut stages, leaving, sending) = first_stage_leaves(Topology::Diamond, 3);
        let headed = tags_until_closed(&mut stages[0]);
        assert!(
            !headed.is_empty() && headed.iter().copied().eq(0..headed.len() as u64),
            "the other head hands the published events in order: {headed:?}"
        );
        assert_eq!(
            tags_until_closed(&mut stages[1]),
            [0],
            "the last stage hands what both heads passed, then closes"
        );
        producer_disconnected(leaving, sending);
    });
}

/// A pipeline stage leaves while the next stage spins, not parked: one
/// event is published before either stage starts (the producer stays, so
/// nothing closes the ring); the first stage takes it on a thread of its
/// own and drops, unfinished; the second, on this thread, calls until
/// `Closed`, spinning (every spin a yield to loom). It must hand event 0
/// before `Closed`. A spinning wait's notify does nothing, so no lock or
/// fence of the waiter lies between the two stages: only `broken`
/// (Release in the stage's drop, Acquire in the look) carries the first
/// stage's sequence to the second. Weakened to Relaxed, the look may see
/// `broken` and the stale sequence, and close with event 0 unhanded.
/// (With a parking wait the same model cannot tell: the first stage's
/// notify after its hand-off issues a SeqCst fence before it stores
/// `broken`, and that fence releases the sequence to the Acquire look.)
#[test]
fn pipeline_stage_leaves_while_the_next_spins() {
    builder().check(|| {
        let cfg = QueueConfig::from(
            Setup::new(Topology::Pipeline, 2)
                .threads(1, 2)
                .wait(WaitStrategy::SpinHint),
        );
        let mut endpoints = Single::build::<Msg8>(&cfg).unwrap();
        let mut producer = endpoints.producers.pop().unwrap();
        let mut second = endpoints.consumers.pop().unwrap();
        let mut first = endpoints.consumers.pop().unwrap();
        producer
            .publish_batch(1, |_, m| m.write(Salt::NONE, 0, 0))
            .unwrap();
        let leaving = loom::thread::spawn(move || {
            assert_eq!(first.consume_batch(1, |_| {}), Consumed::Items(1));
        });
        assert_eq!(
            tags_until_closed(&mut second),
            [0],
            "the second stage hands what the first passed, then closes"
        );
        leaving.join().unwrap();
        drop(producer);
    });
}

/// `try_publish_batch` of exactly the capacity fits an empty ring (and one
/// more does not); the consumer gets them all, in order.
#[test]
fn single_try_publish_batch_fills_the_ring() {
    builder().check(|| {
        let mut endpoints = Single::build::<Msg8>(&QueueConfig::new(Topology::Spsc, 2)).unwrap();
        let mut producer = endpoints.producers.pop().unwrap();
        let mut consumer = endpoints.consumers.pop().unwrap();
        assert!(producer.try_publish_batch(3, |_, _| ()).is_err());
        producer
            .try_publish_batch(2, |i, m| m.write(Salt::NONE, 0, i as u64))
            .expect("a batch of the whole capacity fits an empty ring");
        drop(producer);
        let mut seen = Vec::new();
        while let Consumed::Items(_) = consumer.consume_batch(2, |m| seen.push(m.tag(Salt::NONE))) {
        }
        assert_eq!(seen, [0, 1]);
    });
}

/// A multi-producer `try_publish` that needs exactly the slot the consumer
/// just freed gets it (a ring of 2 filled, one event consumed, one more
/// offered). The claim first compares the wrap point with the gating
/// sequence it cached, finds it behind, reads the consumers' sequences
/// again and must accept a wrap point equal to the slowest of them
/// (`MultiSequencer::try_claim`, the second comparison). One thread: what
/// is checked is the arithmetic, on both availability designs.
#[test]
fn multi_try_publish_takes_the_slot_just_freed() {
    fn takes_the_freed_slot<A: Availability>() {
        let config = QueueConfig::new(Topology::Mpsc, 2);
        let mut endpoints = Disruptor::<MultiSequencer<A>>::build::<Msg8>(&config).unwrap();
        let mut producer = endpoints.producers.pop().unwrap();
        let mut consumer = endpoints.consumers.pop().unwrap();
        producer
            .try_publish_batch(2, |i, m| m.write(Salt::NONE, 0, i as u64))
            .expect("a batch of the whole capacity fits an empty ring");
        assert_eq!(consumer.consume_batch(1, |_| {}), Consumed::Items(1));
        producer
            .try_publish(|m| m.write(Salt::NONE, 0, 2))
            .expect("the slot the consumer freed");
        drop(producer);
        let mut seen = Vec::new();
        while let Consumed::Items(_) = consumer.consume_batch(2, |m| seen.push(m.tag(Salt::NONE))) {
        }
        assert_eq!(seen, [1, 2]);
    }
    builder().check(|| {
        takes_the_freed_slot::<LmaxAvailability>();
        takes_the_freed_slot::<BitmapAvailability>();
    });
}

/// `try_recv` never waits, but it frees a slot, and a producer parked on a
/// full ring must hear of it. The consumer takes with `try_recv` while it
/// can and waits in `consume_batch` only when nothing is ready: a
/// `try_recv` that freed room silently leaves both parked (a deadlock).
#[test]
fn ring_mpsc_try_recv_frees_room() {
    builder().check(|| {
        let config = Config {
            wait: WaitStrategy::Blocking,
            ..Config::new(2, 1)
        };
        let (channel, mut consumer) = ring_mpsc::channel::<Msg8>(config).unwrap();
        let mut producer = channel.register().unwrap();
        drop(channel);
        let sending =
            loom::thread::spawn(move || producer_loop(&mut producer, Salt::NONE, 0, 3, 1).unwrap());
        let mut seen = Vec::new();
        loop {
            if let Some(message) = consumer.try_recv() {
                seen.push(message.tag(Salt::NONE));
                continue;
            }
            match consumer.consume_batch(1, |message| seen.push(message.tag(Salt::NONE))) {
                Consumed::Items(_) => {}
                Consumed::Closed => break,
                Consumed::Idle => panic!("idle without a cancel"),
            }
        }
        sending.join().unwrap();
        assert_eq!(seen, [0, 1, 2]);
    });
}

/// LMAX's availability array keeps each slot's round as an `i32`, which
/// wraps after 2^31 rounds (2^32 sequences on a ring of 2): the round
/// compare must still tell a slot's previous round from its current one
/// there. No model can publish that many messages, so this one drives the
/// availability record directly at sequences around the wrap: a producer
/// publishes the first slot of the wrapped round while a consumer scans
/// both slots, of which the second still holds the last round before the
/// wrap.
#[test]
fn lmax_rounds_wrap_past_i32() {
    builder().check(|| {
        let availability = Arc::new(LmaxAvailability::new(2));
        // The first sequence of round i32::MAX; the next lap's round reads
        // as i32::MIN.
        let last = i64::from(i32::MAX) << 1;
        availability.publish(last, last + 1);
        assert_eq!(availability.highest_published(last, last + 1), last + 1);
        let next = last + 2;
        let publisher = Arc::clone(&availability);
        let publishing = loom::thread::spawn(move || publisher.publish(next, next));
        let seen = availability.highest_published(next, next + 1);
        assert!(
            seen == next - 1 || seen == next,
            "scan past the wrap of the rounds saw {} published of {next}..={}",
            seen - next + 1,
            next + 1
        );
        publishing.join().unwrap();
        assert_eq!(availability.highest_published(next, next + 1), next);
    });
}

// Fault paths (the contracts are in `impls::queue`): a `fill` that panics
// mid-batch, a claim given up by a cancel, a consumer of a broadcast
// dropped, and a worker dropped mid-run after its handler panicked. Each
// checks that nothing hangs (every wait here parks, so a gap nobody
// settles or a gate nobody releases is a deadlock), that no slot is read
// while it is written, and what arrives.

/// Runs of two sequences per claim.
struct TwoPerClaim;

impl Claims for TwoPerClaim {
    const RUN: usize = 2;
    const NAME: &'static str = "worker_pool_k2";
    const SUMMARY: &'static str = "disruptor worker pool, two sequences per claim";
}

/// A worker pool whose workers take runs of 2.
type RunsOfTwo = WorkerPool<MultiSequencer<LmaxAvailability>, TwoPerClaim>;

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
    QueueConfig::from(
        Setup::new(topology, capacity)
            .threads(producers, consumers)
            .wait(WaitStrategy::Blocking),
    )
}

/// Drains `consumer` until `Closed`, as `(producer, sequence)`; `Idle` is
/// only allowed once the token is set (it then means "nothing yet").
fn drain_tagged<C: Consumer<Msg8>>(consumer: &mut C, cancelled: &impls::Cancel) -> Vec<(u16, u64)> {
    let mut seen = Vec::new();
    loop {
        match consumer.consume_batch(2, |m| seen.push(split_tag(m.tag(Salt::NONE)))) {
            Consumed::Items(n) => assert!(n > 0, "`Items` is never empty"),
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
fn panicking_fill<Q: Queue>(topology: Topology) {
    quiet();
    builder().check(move || {
        let cfg = config(topology, 2, 1, 2);
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
                    m.write(Salt::NONE, 0, 1 + i as u64);
                })
            }));
            assert!(outcome.is_err(), "the panic reached the caller");
        });
        let publishes = loom::thread::spawn(move || {
            other
                .publish_batch(1, |_, m| m.write(Salt::NONE, 1, 0))
                .unwrap();
        });
        let seen = drain_tagged(&mut consumer, &cfg.cancel);
        panics.join().unwrap();
        publishes.join().unwrap();
        // Producer 0's first message is (0, 1); a slot never written still
        // holds the ring's initial (0, 0).
        let kept: Vec<_> = seen.iter().filter(|&&t| t != (0, 1)).collect();
        assert_eq!(kept, [&(1, 0)], "seen {seen:?}");
    });
}

/// The same with one worker of a worker pool: the slot the panicking
/// fill never wrote is skipped, and a call that finds only skipped slots
/// waits for more rather than answering an empty `Items`.
#[test]
fn worker_pool_panicking_fill_leaves_no_gap() {
    panicking_fill::<WorkerPoolK1>(Topology::MpmcWorkerPool);
}

#[test]
fn lmax_panicking_fill_leaves_no_gap() {
    panicking_fill::<Lmax>(Topology::Mpsc);
}

#[test]
fn bitmap_panicking_fill_leaves_no_gap() {
    panicking_fill::<Bitmap>(Topology::Mpsc);
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
                match producer.publish_batch(1, |_, m| m.write(Salt::NONE, 0, sequence)) {
                    Ok(()) => sent += 1,
                    Err(PublishError::Cancelled) => break,
                    Err(other) => panic!("{other}"),
                }
            }
            sent
        });
        cfg.cancel.cancel();
        let seen = drain_tagged(&mut consumer, &cfg.cancel);
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
                .publish_batch(4, |i, m| m.write(Salt::NONE, 0, i as u64))
                .unwrap();
        });
        let leaves = loom::thread::spawn(move || {
            assert!(leaving.consume_batch(1, |_| ()).is_items());
        });
        let seen = drain_tagged(&mut staying, &cfg.cancel);
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
                .publish_batch(3, |i, m| m.write(Salt::NONE, 0, i as u64))
                .unwrap();
        });
        let leaves = loom::thread::spawn(move || {
            let mut handed = None;
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                leaving.consume_batch(2, |m| {
                    handed = Some(split_tag(m.tag(Salt::NONE)));
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
        let mut seen = drain_tagged(&mut staying, &cfg.cancel);
        publishes.join().unwrap();
        if let Some(handed) = leaves.join().unwrap() {
            seen.push(handed);
        }
        seen.sort_unstable();
        assert_eq!(seen, [(0, 0), (0, 1), (0, 2)]);
    });
}

/// A worker pool of two on a ring of 2, taking runs of 2, four messages
/// published one at a time. The leaving worker takes the first run,
/// `[0, 1]`; where only 0 is published when it looks, it hands 0 and is
/// dropped holding 1, but only after the main thread has yielded, so the
/// staying worker may by then have taken `[2, 3]`, handed 2 (slot 2 is
/// free once 0 is done) and be waiting at 3 (not free while the leaving
/// worker's sequence holds slot 1). Taking over `[1]` then leaves exactly
/// one event of its own run, 3, which must be set aside and handed after
/// the orphan, not dropped. Between them the two workers get every
/// message once, and the staying one then `Closed`.
#[test]
fn worker_pool_takeover_sets_aside_the_last_event_of_its_run() {
    builder().check(|| {
        let cfg = config(Topology::MpmcWorkerPool, 1, 2, 2);
        let mut endpoints = RunsOfTwo::build::<Msg8>(&cfg).unwrap();
        let mut staying = endpoints.consumers.pop().unwrap();
        let mut leaving = endpoints.consumers.pop().unwrap();
        let mut producer = endpoints.producers.pop().unwrap();
        let publishes = loom::thread::spawn(move || {
            for sequence in 0..4 {
                producer
                    .publish_batch(1, |_, m| m.write(Salt::NONE, 0, sequence))
                    .unwrap();
            }
        });
        // On this thread, before the staying worker exists: the first run,
        // of which it hands what is published when it looks (0, or 0 and 1).
        let mut seen = Vec::new();
        let consumed = leaving.consume_batch(2, |m| seen.push(split_tag(m.tag(Salt::NONE))));
        assert_eq!(consumed, Consumed::Items(seen.len()));
        let cancel = cfg.cancel.clone();
        let stays = loom::thread::spawn(move || drain_tagged(&mut staying, &cancel));
        loom::thread::yield_now();
        drop(leaving);
        seen.extend(stays.join().unwrap());
        publishes.join().unwrap();
        seen.sort_unstable();
        assert_eq!(seen, [(0, 0), (0, 1), (0, 2), (0, 3)]);
    });
}
