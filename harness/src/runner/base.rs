//! The base case: the same message writes and oracle tallies with no queue
//! between producer and consumer, through the same oracle. What it costs is
//! the harness's own cost per message.
//!
//! What the oracle costs depends on the shape of the stream a consumer
//! sees (a producer change or a gap takes the observer's cold path), so
//! the base case reproduces each topology's shape: one producer's
//! messages in order (SPSC); producers taking turns batch by batch (MPSC,
//! and every consumer of a fan-out, with every message to every
//! consumer's tally); batches dealt to the consumers in turn, so that each
//! sees runs with gaps (work-sharing).

use std::time::Instant;

use impls::{Cancel, Message, Producer, PublishError, Salt};
use schema::Delivery;
use schema::Outcome;

use super::launch::{Launcher, Placed, Report, ThreadLatency, prefaulted};
use super::loops::{Pacing, paced_producer_loop, producer_loop};
use super::spec::{Mode, RunSpec, quotas};
use super::streams::ScheduleStart;
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
    /// Neither count-only nor several consumers nor keeping receipts: each
    /// message only goes to `observer`.
    plain: bool,
    unread: u64,
    /// The first consumer's observer (the only one in SPSC and MPSC), held
    /// by value so that it can live in registers.
    observer: Observer<'t>,
    /// The other consumers' tallies (an observer per batch, so nothing is
    /// allocated in the measured region): in a broadcast each batch is
    /// read back once per tally, in work-sharing by one consumer in turn.
    others: &'a mut [Tally],
    /// Work-sharing: each batch goes to one consumer, in turn.
    dealt: bool,
    /// Work-sharing: the consumer whose turn it is (0: `observer`).
    turn: usize,
    /// Latency runs: where each message's receipt goes.
    receipts: Option<Receipts<'a>>,
}

/// What a base case keeps receipts with: the clock, the run's salt (to read
/// tags back) and the `(tag, time)` of each message.
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
        if self.dealt {
            match self.turn.checked_sub(1) {
                None => self.observer.observe_slice(batch),
                Some(other) => observe_into(&mut self.others[other], batch),
            }
            self.turn = (self.turn + 1) % (self.others.len() + 1);
        } else {
            self.observer.observe_slice(batch);
            for tally in self.others.iter_mut() {
                observe_into(tally, batch);
            }
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

/// Records `batch` into `tally` through an observer of its own.
fn observe_into<M: Message>(tally: &mut Tally, batch: &[M]) {
    let mut observer = tally.observer();
    observer.observe_slice(batch);
    observer.finish();
}

/// The base case's throughput loop: base thread `thread` of `threads`
/// publishes into `queue` every `threads`-th batch of every producer's
/// sequences (producer `p` sends `0 .. quotas[p]`), the producers taking
/// turns batch by batch, as a consumer of several producers sees them;
/// with one producer and one thread that is the producer loop. A function
/// of its own that owns `queue` while it runs, like [`consumer_loop`], so
/// that the observer's working copy stays in registers.
///
/// [`consumer_loop`]: super::consumer_loop
#[inline(never)]
fn base_loop<'a, 't, M: Message>(
    queue: NoQueue<'a, 't, M>,
    salt: Salt,
    (thread, threads): (usize, usize),
    quotas: &[u64],
    batch: usize,
) -> NoQueue<'a, 't, M> {
    let mut queue = queue;
    if let [quota] = *quotas {
        // One producer, one thread: its stream in order, through the
        // producer loop itself (the rotation below costs a message at
        // batch 1 as much again).
        let _ = producer_loop(&mut queue, salt, 0, quota, batch);
        return queue;
    }
    let batch = batch as u64;
    let mut block = thread as u64;
    loop {
        let first = block * batch;
        let mut published = false;
        for (producer, &quota) in quotas.iter().enumerate() {
            if first >= quota {
                continue;
            }
            let id = producer as u16;
            let n = (quota - first).min(batch) as usize;
            let _ = queue.publish_batch(n, |index, message| {
                message.write(salt, id, first + index as u64)
            });
            published = true;
        }
        if !published {
            return queue;
        }
        block += threads as u64;
    }
}

/// Name of the base case in scenarios, tables and results.
pub use schema::BASE;

/// One line on what the base case is.
pub const BASE_SUMMARY: &str = "the harness's own cost: the same message writes and oracle tallies, with no queue, in each topology's stream shape (one thread per producer, each doing a share of every producer's messages)";

/// How the base case judges `spec` and what its threads tally: which
/// consumers each message goes to, the consumers' tallies each thread
/// keeps, and whether batches are dealt to them in turn. Ping-pong's two
/// hops are two consumers that each see every message; a work-sharing
/// run's consumers are dealt the batches in turn; a broadcast's each see
/// every batch.
fn consumer_slots(spec: &RunSpec) -> (Delivery, usize, bool) {
    if spec.mode == Mode::PingPong {
        return (Delivery::EveryConsumer, 2, false);
    }
    let delivery = spec.setup.topology.delivery();
    match delivery {
        Delivery::Shared => (delivery, spec.setup.consumers, true),
        Delivery::EveryConsumer => (delivery, spec.setup.consumers, false),
        Delivery::OneConsumer => (delivery, 1, false),
    }
}

/// Ping-pong's base case: `quota` messages of producer 0 through `queue`
/// one at a time, each one's time recorded in `round_trips`.
fn time_round_trips<M: Message>(
    queue: &mut NoQueue<'_, '_, M>,
    clock: &Clock,
    salt: Salt,
    quota: u64,
    round_trips: &mut hdrhistogram::Histogram<u64>,
) {
    for sequence in 0..quota {
        let start = clock.now();
        let _ = queue.publish_batch(1, |_, message| message.write(salt, 0, sequence));
        let end = clock.now();
        latency::record(round_trips, clock.to_ns(end.saturating_sub(start)));
    }
}

/// Runs the base case for `spec`: one thread per producer (one thread for
/// ping-pong) doing both the producer's and the consumers' per-message work
/// with no queue between them, through the same oracle.
pub fn run_base<M: Message>(spec: &RunSpec) -> Outcome {
    let cancel = Cancel::default();
    let pingpong = spec.mode == Mode::PingPong;
    let producers = if pingpong { 1 } else { spec.setup.producers };
    let quotas = quotas(spec.messages, producers);
    let salt = fresh_salt();
    let expected = Expected::new(&quotas, salt);
    let (delivery, slots, dealt) = consumer_slots(spec);
    let launcher = Launcher::new(producers, spec);
    let clock = spec.instruments.clock;
    let rate = match spec.mode {
        Mode::OneWay { rate } => Some(rate),
        _ => None,
    };
    let (yields, layout_seed) = (!spec.setup.wait.never_yields(), spec.layout_seed);
    let schedule_start = ScheduleStart::default();
    let batch = if pingpong { 1 } else { spec.setup.batch };
    let spec_discard = spec.mode == Mode::Discard;
    let all_quotas = quotas.clone();
    for (index, quota) in quotas.into_iter().enumerate() {
        let all_quotas = all_quotas.clone();
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
                        dealt,
                        turn: 0,
                        receipts: rate.map(|_| (clock, salt, &mut receipts)),
                    };
                    match (rate, &mut round_trips) {
                        (_, Some(round_trips)) => {
                            time_round_trips(&mut queue, &clock, salt, quota, round_trips)
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
                        (None, None) => {
                            let thread = (index, producers);
                            queue = base_loop(queue, salt, thread, &all_quotas, batch);
                        }
                    }
                    let finished = Instant::now();
                    let NoQueue {
                        unread, observer, ..
                    } = queue;
                    observer.finish();
                    let mut tallies = tallies.into_inner();
                    // Count-only: every consumer of a broadcast took each
                    // message; in work-sharing, one did.
                    let takers = if dealt { 1 } else { tallies.len() };
                    for tally in tallies.iter_mut().take(takers) {
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
    launcher.finish(spec, &cancel, &expected, delivery)
}
