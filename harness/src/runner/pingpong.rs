//! Ping-pong runs: round trips over two queues of one implementation,
//! one message at a time, each timed; both hops go through the oracle.

use std::time::Instant;

use impls::queue::MAX_THREADS;
use impls::{
    Cancel, Consumer, Message, Producer, PublishError, Queue, QueueConfig, Salt, Setup, Topology,
};
use schema::{Delivery, Outcome};

use super::launch::{Launcher, Placed, Report, ThreadLatency};
use super::loops::{consumer_loop, receive_one};
use super::spec::RunSpec;
use crate::latency;
use crate::oracle::{Expected, Tally, fresh_salt};

/// Ping-pong: the initiator (thread 0) publishes message `s` on one queue
/// and waits for the echo thread (thread 1) to send it back on a second
/// queue of the same implementation; each round trip is timed. Both hops
/// go through the oracle: the echo thread's tally is consumer 0, the
/// initiator's consumer 1, and each must see every message in order.
pub(super) fn run_pingpong<Q: Queue, M: Message>(spec: &RunSpec) -> Outcome {
    let cancel = Cancel::default();
    // Two SPSC queues of the run's capacity and wait, one message at a time.
    let cfg = QueueConfig {
        setup: Setup::new(Topology::Spsc, spec.setup.capacity).wait(spec.setup.wait),
        cancel: cancel.clone(),
    };
    let (mut there, mut back) = match (Q::build::<M>(&cfg), Q::build::<M>(&cfg)) {
        (Ok(there), Ok(back)) => (there, back),
        (Err(error), _) | (_, Err(error)) => {
            return Outcome::BuildFailed {
                error: error.to_string(),
            };
        }
    };
    let (Some(send), Some(echo_receive), Some(echo_send), Some(receive)) = (
        there.producers.pop(),
        there.consumers.pop(),
        back.producers.pop(),
        back.consumers.pop(),
    ) else {
        return Outcome::BuildFailed {
            error: "the queue handed out no endpoints".to_owned(),
        };
    };
    let quota = spec.messages;
    let salt = fresh_salt();
    let expected = Expected::new(&[quota], salt);
    let launcher = Launcher::new(2, spec);
    spawn_initiator(&launcher, spec, (send, receive), salt, &cancel);
    spawn_echo(&launcher, spec, (echo_receive, echo_send), salt, &cancel);
    // Two hops, each with a consumer that must see every message.
    launcher.finish(spec, &cancel, &expected, Delivery::EveryConsumer)
}

/// Starts the initiator: it times each round trip, sending a message
/// and waiting for its echo, then closes the outbound queue and drains
/// the return queue until the echo thread closes it.
fn spawn_initiator<P: Producer<M> + 'static, C: Consumer<M> + 'static, M: Message>(
    launcher: &Launcher,
    spec: &RunSpec,
    (send, receive): (P, C),
    salt: Salt,
    cancel: &Cancel,
) {
    let quota = spec.messages;
    let layout_seed = spec.layout_seed;
    let clock = spec.instruments.clock;
    let initiator_cancel = cancel.clone();
    launcher.spawn(
        "pingpong-initiator".to_owned(),
        spec.placement.core_for(0),
        move || {
            let cancel = initiator_cancel;
            let mut send = Placed::new(send, layout_seed, 0);
            let mut receive = Placed::new(receive, layout_seed, 1);
            let mut tally = Placed::new(Tally::new(1, salt), layout_seed, MAX_THREADS);
            let mut round_trips = latency::histogram();
            let tallies = Vec::with_capacity(1);
            move || {
                let mut result = Ok(());
                let mut observer = tally.get().observer();
                for sequence in 0..quota {
                    let start = clock.now();
                    if let Err(error) = send
                        .get()
                        .publish_batch(1, |_, message| message.write(salt, 0, sequence))
                    {
                        result = Err(error);
                        break;
                    }
                    if !receive_one(receive.get(), &cancel, |message| {
                        observer.observe(message);
                    }) {
                        break;
                    }
                    let end = clock.now();
                    latency::record(&mut round_trips, clock.to_ns(end.saturating_sub(start)));
                }
                observer.finish();
                let mut metrics = send.get().metrics();
                drop(send.into_inner()); // closes the outbound queue
                // The echo thread closes the return queue once it has seen
                // this one close; drain until then.
                consumer_loop(receive.get(), 1, tally.get(), &cancel);
                let finished = Instant::now();
                metrics.extend(receive.get().metrics());
                let latency = ThreadLatency {
                    round_trips: Some(round_trips),
                    ..ThreadLatency::default()
                };
                hop_report(
                    result,
                    metrics,
                    tallies,
                    tally.into_inner(),
                    1,
                    finished,
                    latency,
                )
            }
        },
    );
}

/// Starts the echo thread: it sends back every message it receives until
/// the outbound queue closes, then closes the return queue.
fn spawn_echo<P: Producer<M> + 'static, C: Consumer<M> + 'static, M: Message>(
    launcher: &Launcher,
    spec: &RunSpec,
    (echo_receive, echo_send): (C, P),
    salt: Salt,
    cancel: &Cancel,
) {
    let layout_seed = spec.layout_seed;
    let echo_cancel = cancel.clone();
    launcher.spawn(
        "pingpong-echo".to_owned(),
        spec.placement.core_for(1),
        move || {
            let cancel = echo_cancel;
            let mut receive = Placed::new(echo_receive, layout_seed, 2);
            let mut send = Placed::new(echo_send, layout_seed, 3);
            let mut tally = Placed::new(Tally::new(1, salt), layout_seed, MAX_THREADS + 1);
            let tallies = Vec::with_capacity(1);
            move || {
                let mut result = Ok(());
                let mut echo = M::default();
                let mut observer = tally.get().observer();
                while receive_one(receive.get(), &cancel, |message| {
                    observer.observe(message);
                    echo = *message;
                }) {
                    if let Err(error) = send.get().publish_batch(1, |_, slot| *slot = echo) {
                        result = Err(error);
                        break;
                    }
                }
                observer.finish();
                let finished = Instant::now();
                let mut metrics = receive.get().metrics();
                metrics.extend(send.get().metrics());
                drop(send.into_inner()); // closes the return queue
                let latency = ThreadLatency::default();
                hop_report(
                    result,
                    metrics,
                    tallies,
                    tally.into_inner(),
                    0,
                    finished,
                    latency,
                )
            }
        },
    );
}

/// What a ping-pong thread reports: its publish error, or its tally as
/// consumer `slot` (pushed into `tallies`, allocated before the measured
/// region).
fn hop_report(
    result: Result<(), PublishError>,
    metrics: Vec<(&'static str, u64)>,
    mut tallies: Vec<Tally>,
    tally: Tally,
    slot: usize,
    finished: Instant,
    latency: ThreadLatency,
) -> Report {
    if result.is_err() {
        return Report::Producer {
            result,
            metrics,
            latency: ThreadLatency::default(),
        };
    }
    tallies.push(tally);
    Report::Consumer {
        tallies,
        first_slot: slot,
        finished,
        metrics,
        latency,
    }
}
