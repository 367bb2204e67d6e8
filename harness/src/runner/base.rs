//! The base case: the same producer loop, message writes and oracle
//! tallies with no queue between producer and consumer, through the same
//! oracle. What it costs is the harness's own cost per message.

use std::time::Instant;

use impls::{Cancel, Message, Producer, PublishError, Salt, Topology};

use super::launch::{Launcher, Placed, Report, ThreadLatency, prefaulted};
use super::loops::{Pacing, paced_producer_loop, producer_loop};
use super::streams::ScheduleStart;
use super::{Mode, Outcome, RunSpec, quotas};
use crate::clock::Clock;
use crate::latency;
use crate::oracle::{Expected, Observer, Tally, fresh_salt};

/// The base case's "queue": none. `publish_batch` writes the batch into
/// the thread's own buffer and the consumer-side work (the oracle's
/// observers, one per consumer that would see the message) reads it back
/// on the same thread. What is left is the harness's own cost per message.
/// It borrows what it works with from the run thread's locals, so the
/// observer of the usual single consumer is a local there, as in
/// [`consumer_loop`](super::consumer_loop).
pub struct NoQueue<'a, 't, M> {
    /// Holds a whole batch, made before the measured region.
    buffer: &'a mut [M],
    /// Count-only: count without reading the messages.
    discard: bool,
    /// Neither count-only nor a fan-out nor keeping receipts: each
    /// message only goes to `observer`.
    plain: bool,
    unread: u64,
    /// The first consumer's observer (the only one but in a fan-out), held
    /// by value so that it can live in registers.
    observer: Observer<'t>,
    /// The other consumers' tallies, in a fan-out (each batch is read back
    /// once per tally; an observer per batch, so nothing is allocated in
    /// the measured region).
    others: &'a mut [Tally],
    receipts: Option<Receipts<'a>>,
}

/// What a latency run records each message's receipt with: the clock,
/// the run's salt, and the receipts, `(tag, time)`.
type Receipts<'a> = (Clock, Salt, &'a mut Vec<(u64, u64)>);

impl<M: Message> Producer<M> for NoQueue<'_, '_, M> {
    #[inline(always)]
    fn publish_batch(
        &mut self,
        n: usize,
        mut fill: impl FnMut(usize, &mut M),
    ) -> Result<(), PublishError> {
        // The common case first, with nothing else to look at per message:
        // one message, one consumer, no receipts.
        if n == 1
            && self.plain
            && let [slot, ..] = &mut *self.buffer
        {
            fill(0, slot);
            self.observer.observe(slot);
            return Ok(());
        }
        // `n` never exceeds the batch the buffer was made for.
        let batch = &mut self.buffer[..n];
        for (index, slot) in batch.iter_mut().enumerate() {
            fill(index, slot);
        }
        if self.discard {
            self.unread += n as u64;
            return Ok(());
        }
        self.observer.observe_slice(batch);
        for tally in self.others.iter_mut() {
            let mut observer = tally.observer();
            observer.observe_slice(batch);
            observer.finish();
        }
        if let Some((clock, salt, receipts)) = &mut self.receipts {
            receipts.extend(
                batch
                    .iter()
                    .map(|message| (message.tag(*salt), clock.now())),
            );
        }
        Ok(())
    }
}

/// The base case's throughput loop: the producer loop into `queue`. A
/// function of its own that owns `queue` while it runs, like
/// [`consumer_loop`], so that the observer's working copy stays in
/// registers.
#[inline(never)]
fn base_loop<'a, 't, M: Message>(
    queue: NoQueue<'a, 't, M>,
    salt: Salt,
    id: u16,
    quota: u64,
    batch: usize,
) -> NoQueue<'a, 't, M> {
    let mut queue = queue;
    let _ = producer_loop(&mut queue, salt, id, quota, batch);
    queue
}

/// Name of the base case in scenarios, tables and results.
pub const BASE: &str = "base";

/// One line on what the base case is.
pub const BASE_SUMMARY: &str = "the harness's own cost: the same producer loop, message writes and oracle tally, with no queue (each producer thread tallies its own messages)";

/// Runs the base case for `spec`: one thread per producer (one thread for
/// ping-pong) doing both the producer's and the consumers' per-message work
/// with no queue between them, through the same oracle.
pub fn run_base<M: Message>(spec: &RunSpec) -> Outcome {
    let cancel = Cancel::default();
    let pingpong = spec.mode == Mode::PingPong;
    let producers = if pingpong { 1 } else { spec.producers };
    let quotas = quotas(spec.messages, producers);
    let salt = fresh_salt();
    let expected = Expected::new::<M>(&quotas, salt);
    // Ping-pong's two hops are two consumers that each see every message.
    let (topology, slots) = if pingpong {
        (Topology::MpmcFanout, 2)
    } else if spec.topology.is_broadcast() {
        (spec.topology, spec.consumers)
    } else {
        (spec.topology, 1)
    };
    let launcher = Launcher::new(producers, spec);
    let clock = spec.instruments.clock;
    let rate = match spec.mode {
        Mode::OneWay { rate } => Some(rate),
        _ => None,
    };
    let yields = !spec.wait.never_yields();
    let schedule_start = ScheduleStart::default();
    let batch = if pingpong { 1 } else { spec.batch };
    let spec_discard = spec.mode == Mode::Discard;
    let layout_seed = spec.layout_seed;
    for (index, quota) in quotas.into_iter().enumerate() {
        let id = u16::try_from(index).expect("thread counts are validated far below 2^16");
        let cancel = cancel.clone();
        let schedule_start = schedule_start.clone();
        launcher.spawn(
            format!("base-{index}"),
            spec.placement.core_for(index),
            move || {
                let mut tallies =
                    Placed::new(vec![Tally::new(producers, salt); slots], layout_seed, index);
                let mut buffer = vec![M::default(); batch];
                let mut receipts = prefaulted(if rate.is_some() { quota as usize } else { 0 });
                let mut sent = prefaulted(if rate.is_some() { quota as usize } else { 0 });
                let mut round_trips = pingpong.then(latency::histogram);
                move || {
                    let mut latency = ThreadLatency::default();
                    let (first, rest) = tallies
                        .get()
                        .split_first_mut()
                        .expect("a run has at least one consumer");
                    let mut queue = NoQueue {
                        plain: !spec_discard && rest.is_empty() && rate.is_none(),
                        buffer: &mut buffer,
                        discard: spec_discard,
                        unread: 0,
                        observer: first.observer(),
                        others: rest,
                        receipts: rate.map(|_| (clock, salt, &mut receipts)),
                    };
                    match (rate, &mut round_trips) {
                        (_, Some(round_trips)) => {
                            for sequence in 0..quota {
                                let start = clock.now();
                                let _ = queue.publish_batch(1, |_, message| {
                                    message.write(salt, id, sequence)
                                });
                                let end = clock.now();
                                latency::record(
                                    round_trips,
                                    clock.to_ns(end.saturating_sub(start)),
                                );
                            }
                        }
                        (Some(rate), None) => {
                            let schedule = schedule_start.schedule(&clock, rate, producers);
                            let pacing = Pacing {
                                clock: &clock,
                                schedule: &schedule,
                                yields,
                                cancel: &cancel,
                            };
                            let _ = paced_producer_loop(
                                &mut queue, salt, id, quota, batch, &pacing, &mut sent,
                            );
                            latency.sent = Some((index, schedule, sent));
                        }
                        (None, None) => queue = base_loop(queue, salt, id, quota, batch),
                    }
                    let finished = Instant::now();
                    let NoQueue {
                        unread, observer, ..
                    } = queue;
                    observer.finish();
                    let mut tallies = tallies.into_inner();
                    for tally in &mut tallies {
                        tally.discard(unread);
                    }
                    latency.round_trips = round_trips;
                    latency.receipts = receipts;
                    Report::Consumer {
                        tallies,
                        first_slot: 0,
                        finished,
                        metrics: Vec::new(),
                        latency,
                    }
                }
            },
        );
    }
    launcher.finish(spec, &cancel, &expected, topology)
}
