//! A fault run's threads: producers and consumers that inject their
//! fault, the watchdog, and what they report.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use impls::{
    Cancel, Consumed, Consumer, Endpoints, Message, Msg8, Producer, PublishError, Queue,
    QueueConfig, Salt,
};
use scenarios::Fault;

use super::collected::{Arrivals, Collected, ConsumerReport};
use super::panics::{InjectedFault, inject_panic, quiet_panics_on_fault_threads, unexpected_panic};
use super::report::{
    ConsumerEnd, ConsumerRecord, Continued, FaultOutcome, FaultReport, ProducerEnd, ProducerRecord,
};
use super::spec::{FaultSpec, GRACE, POLL, SETTLED, THREAD_PREFIX};
use crate::oracle::{Tally, fresh_salt};
use crate::runner::{panic_message, quotas};

/// What a fault-run thread hands back when it ends.
enum Ended {
    Producer {
        index: usize,
        /// Its record, `past_deadline` left for the collector to set.
        record: ProducerRecord,
    },
    Consumer {
        index: usize,
        tally: Tally,
        arrivals: Arrivals,
        delivered: u64,
        end: ConsumerEnd,
    },
}

/// How a producer's publishing stopped short of its share.
enum Stop {
    Disconnected,
    Cancelled,
    InjectedPanic,
    Panicked(String),
}

/// Publishes `count` messages tagged `(tag, 0 ..)`, `batch` at a time,
/// the batch numbered `panic_in.0` panicking on its message `panic_in.1`
/// (its last where it is shorter).
/// Returns the messages published `Ok`, the messages written into a batch
/// whose publish then failed, and why it stopped, if it did.
fn publish<P: Producer<Msg8>>(
    producer: &mut P,
    salt: Salt,
    tag: u16,
    count: u64,
    batch: usize,
    panic_in: Option<(u64, usize)>,
    progress: &AtomicU64,
) -> (u64, u64, Option<Stop>) {
    let mut published = 0u64;
    let mut batch_index = 0u64;
    while published < count {
        let n = (count - published).min(batch as u64) as usize;
        let panics_at = panic_in
            .filter(|&(in_batch, _)| in_batch == batch_index)
            .map(|(_, at)| at.min(n - 1));
        let mut written = 0u64;
        let result = catch_unwind(AssertUnwindSafe(|| {
            producer.publish_batch(n, |index, message| {
                if panics_at == Some(index) {
                    inject_panic();
                }
                message.write(salt, tag, published + index as u64);
                written = written.max(index as u64 + 1);
                progress.fetch_add(1, Ordering::Relaxed);
            })
        }));
        let stop = match result {
            Ok(Ok(())) => {
                published += n as u64;
                batch_index += 1;
                continue;
            }
            Ok(Err(PublishError::Disconnected)) => Stop::Disconnected,
            Ok(Err(PublishError::Cancelled)) => Stop::Cancelled,
            Err(payload) if payload.is::<InjectedFault>() => Stop::InjectedPanic,
            Err(payload) => Stop::Panicked(unexpected_panic(&*payload)),
        };
        return (published, written, Some(stop));
    }
    (published, 0, None)
}

/// What a producer thread does with its share.
#[derive(Clone, Copy)]
struct Share {
    /// Messages it means to publish.
    quota: u64,
    /// Messages per publish.
    batch: usize,
    /// The batch whose callback panics, and the message of it, if any.
    panic_in: Option<(u64, usize)>,
    /// The producer index that tags what it publishes after an injected
    /// panic, if it goes on after one.
    continue_as: Option<u16>,
    /// The run's salt.
    salt: Salt,
}

/// Publishes producer `id`'s share (see [`Share`]), and then drops the
/// producer (closing the queue if it was the last).
fn producer_thread<P: Producer<Msg8>>(
    mut producer: P,
    id: u16,
    share: Share,
    progress: &AtomicU64,
) -> Ended {
    let (published, unsure, stop) = publish(
        &mut producer,
        share.salt,
        id,
        share.quota,
        share.batch,
        share.panic_in,
        progress,
    );
    let mut continued = None;
    let stop = match (stop, share.continue_as) {
        (Some(Stop::InjectedPanic), Some(tag)) => {
            // The rest of the share, after the batch that panicked.
            let rest = share.quota - published - (share.quota - published).min(share.batch as u64);
            let (published, unsure, stop) = publish(
                &mut producer,
                share.salt,
                tag,
                rest,
                share.batch,
                None,
                progress,
            );
            continued = Some(Continued { published, unsure });
            stop
        }
        (stop, _) => stop,
    };
    let mut end = match stop {
        None => ProducerEnd::Finished,
        Some(Stop::Disconnected) => ProducerEnd::Disconnected,
        Some(Stop::Cancelled) => ProducerEnd::Cancelled,
        Some(Stop::InjectedPanic) => ProducerEnd::InjectedPanic,
        Some(Stop::Panicked(message)) => ProducerEnd::Panicked { message },
    };
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(producer)))
        && !matches!(end, ProducerEnd::Panicked { .. })
    {
        end = ProducerEnd::Panicked {
            message: format!(
                "while dropping the producer: {}",
                unexpected_panic(&*payload)
            ),
        };
    }
    Ended::Producer {
        index: usize::from(id),
        record: ProducerRecord {
            published,
            unsure,
            continued,
            end,
            past_deadline: false,
        },
    }
}

/// What consumer 0 does in a consumer fault.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Leave {
    /// Drops its endpoint after the strike's `leaves_after` messages.
    Drop,
    /// Its handler panics on the message after those.
    Panic,
}

/// Waits for `resume`, then consumes into a tally until `Closed`, the
/// deadline, or the planned departure, and drops the consumer.
fn consumer_thread<C: Consumer<Msg8>>(
    mut consumer: C,
    index: usize,
    (streams, salt): (usize, Salt),
    batch: usize,
    (leave, leaves_after): (Option<Leave>, u64),
    deadline: Instant,
    resume: &AtomicBool,
) -> Ended {
    // Acquire: nothing rides on it, but it costs nothing here.
    while !resume.load(Ordering::Acquire) && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
    let mut tally = Tally::new(streams, salt);
    let mut arrivals = Arrivals::new(streams, batch);
    let mut delivered = 0u64;
    let panic_on = (leave == Some(Leave::Panic)).then_some(leaves_after + 1);
    let mut end = loop {
        if leave == Some(Leave::Drop) && delivered >= leaves_after {
            break ConsumerEnd::Left;
        }
        let result = catch_unwind(AssertUnwindSafe(|| {
            arrivals.call();
            consumer.consume_batch(batch, |message| {
                // Recorded before the panic: a message handed to the
                // handler counts as delivered to this consumer.
                tally.observe(message);
                arrivals.handed(message.tag(salt));
                delivered += 1;
                if panic_on == Some(delivered) {
                    inject_panic();
                }
            })
        }));
        match result {
            Ok(Consumed::Items(_)) => {}
            Ok(Consumed::Closed) => break ConsumerEnd::Closed,
            Ok(Consumed::Idle) if Instant::now() >= deadline => break ConsumerEnd::NoClosed,
            // The token is set (by `cancel_mid_claim` or the watchdog):
            // nothing is available now, but more may come.
            Ok(Consumed::Idle) => thread::yield_now(),
            Err(payload) if payload.is::<InjectedFault>() => break ConsumerEnd::InjectedPanic,
            Err(payload) => {
                break ConsumerEnd::Panicked {
                    message: unexpected_panic(&*payload),
                };
            }
        }
    };
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(consumer)))
        && !matches!(end, ConsumerEnd::Panicked { .. })
    {
        end = ConsumerEnd::Panicked {
            message: format!(
                "while dropping the consumer: {}",
                unexpected_panic(&*payload)
            ),
        };
    }
    Ended::Consumer {
        index,
        tally,
        arrivals,
        delivered,
        end,
    }
}

/// Spawns a named fault-run thread that sends what `body` returns.
fn spawn(
    name: String,
    sender: &mpsc::Sender<Ended>,
    body: impl FnOnce() -> Ended + Send + 'static,
) {
    let sender = sender.clone();
    let spawned = thread::Builder::new()
        .name(format!("{THREAD_PREFIX}{name}"))
        .spawn(move || {
            // The receiver is gone only if the run gave up on this thread.
            let _ = sender.send(body());
        });
    if let Err(error) = spawned {
        panic!("cannot spawn a fault-run thread: {error}");
    }
}

/// Runs `spec` on implementation `Q`.
pub fn run_queue<Q: Queue>(spec: &FaultSpec) -> FaultReport {
    quiet_panics_on_fault_threads();
    let name = Q::info().name;
    let started = Instant::now();
    let cancel = Cancel::default();
    let cfg = QueueConfig {
        setup: spec.setup,
        cancel: cancel.clone(),
    };
    let endpoints = match build::<Q>(&cfg) {
        Ok(endpoints) => endpoints,
        Err(outcome) => {
            return FaultReport::new(
                name,
                spec,
                outcome,
                Vec::new(),
                Vec::new(),
                Vec::new(),
                started.elapsed(),
            );
        }
    };
    let deadline = started + spec.timeout;
    let resume = Arc::new(AtomicBool::new(spec.fault != Fault::CancelMidClaim));
    let progress = Arc::new(AtomicU64::new(0));
    let (sender, received) = mpsc::channel();
    let salt = fresh_salt();
    let slots = Collected {
        salt,
        producers: vec![None; endpoints.producers.len()],
        consumers: (0..endpoints.consumers.len()).map(|_| None).collect(),
    };
    spawn_producers(endpoints.producers, spec, salt, &sender, &progress);
    spawn_consumers(endpoints.consumers, spec, salt, deadline, &resume, &sender);
    drop(sender);
    let collected = collect(spec, slots, received, &cancel, &resume, &progress, started);
    let elapsed = started.elapsed();
    let (outcome, problems, injected) = super::classify::classify(spec, &collected);
    let (producers, consumers) = records(collected);
    let mut report = FaultReport::new(name, spec, outcome, producers, consumers, problems, elapsed);
    report.injected = injected;
    report
}

/// Implementation `Q`'s endpoints for the 8-byte messages of a fault run.
type FaultEndpoints<Q> = Endpoints<<Q as Queue>::Producer<Msg8>, <Q as Queue>::Consumer<Msg8>>;

/// Builds implementation `Q`'s endpoints for a fault run; a build that
/// fails or panics is the run's outcome.
fn build<Q: Queue>(cfg: &QueueConfig) -> Result<FaultEndpoints<Q>, FaultOutcome> {
    match catch_unwind(AssertUnwindSafe(|| Q::build::<Msg8>(cfg))) {
        Ok(Ok(endpoints)) => Ok(endpoints),
        Ok(Err(error)) => Err(FaultOutcome::BuildFailed {
            error: error.to_string(),
        }),
        Err(payload) => Err(FaultOutcome::Panicked {
            message: format!("while building: {}", panic_message(&*payload)),
        }),
    }
}

/// Starts a thread per producer with its share of the messages; producer
/// 0 is the one a producer fault strikes.
fn spawn_producers<P: Producer<Msg8> + 'static>(
    producers: Vec<P>,
    spec: &FaultSpec,
    salt: Salt,
    sender: &mpsc::Sender<Ended>,
    progress: &Arc<AtomicU64>,
) {
    let quotas = quotas(spec.messages, spec.setup.producers);
    let tag = |index: usize| u16::try_from(index).expect("fault runs have at most two producers");
    for (index, (producer, quota)) in producers.into_iter().zip(quotas).enumerate() {
        let panics = spec.producer_fault() && index == 0;
        let share = Share {
            quota,
            batch: spec.setup.batch,
            panic_in: panics.then(|| {
                let halfway = quota.div_ceil(spec.setup.batch as u64) / 2;
                (
                    spec.strike.panic_batch.unwrap_or(halfway),
                    spec.strike.panic_at,
                )
            }),
            continue_as: (panics && spec.fault == Fault::ProducerPanicContinues)
                .then(|| tag(spec.setup.producers)),
            salt,
        };
        let progress = Arc::clone(progress);
        let id = tag(index);
        spawn(format!("producer-{index}"), sender, move || {
            producer_thread(producer, id, share, &progress)
        });
    }
}

/// Starts a thread per consumer; consumer 0 is the one a consumer fault
/// strikes.
fn spawn_consumers<C: Consumer<Msg8> + 'static>(
    consumers: Vec<C>,
    spec: &FaultSpec,
    salt: Salt,
    deadline: Instant,
    resume: &Arc<AtomicBool>,
    sender: &mpsc::Sender<Ended>,
) {
    for (index, consumer) in consumers.into_iter().enumerate() {
        let leave = match spec.fault {
            Fault::ConsumerDropped if index == 0 => Some(Leave::Drop),
            Fault::ConsumerPanic if index == 0 => Some(Leave::Panic),
            _ => None,
        };
        let resume = Arc::clone(resume);
        let (streams, batch) = (spec.streams(), spec.setup.batch);
        let leaves_after = spec.strike.leaves_after;
        spawn(format!("consumer-{index}"), sender, move || {
            consumer_thread(
                consumer,
                index,
                (streams, salt),
                batch,
                (leave, leaves_after),
                deadline,
                &resume,
            )
        });
    }
}

/// Every thread's record, an abandoned thread's as such.
fn records(collected: Collected) -> (Vec<ProducerRecord>, Vec<ConsumerRecord>) {
    let producers = collected
        .producers
        .into_iter()
        .map(|report| {
            report.unwrap_or(ProducerRecord {
                published: 0,
                unsure: 0,
                continued: None,
                end: ProducerEnd::Abandoned,
                past_deadline: true,
            })
        })
        .collect();
    let consumers = collected
        .consumers
        .into_iter()
        .map(|report| {
            report.map_or(
                ConsumerRecord {
                    delivered: 0,
                    end: ConsumerEnd::Abandoned,
                },
                |report| report.record,
            )
        })
        .collect();
    (producers, consumers)
}

/// Where a `cancel_mid_claim` run is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Consumers wait; producers fill the queue until they block.
    Filling,
    /// The token is set; consumers wait until every producer has ended,
    /// so that room they make cannot end a blocked publish first.
    Cancelling,
    /// Consumers run (from the start, for every other fault).
    Draining,
}

/// Waits for the threads' reports, into `collected` (a slot per thread,
/// each `None`). For `cancel_mid_claim` it sets the token once producers
/// are blocked and lets consumers start once every producer has ended. At
/// the deadline it sets the token for everyone, and it abandons threads
/// still running a grace period after that.
fn collect(
    spec: &FaultSpec,
    mut collected: Collected,
    received: mpsc::Receiver<Ended>,
    cancel: &Cancel,
    resume: &AtomicBool,
    progress: &AtomicU64,
    started: Instant,
) -> Collected {
    let deadline = started + spec.timeout;
    let (producers, consumers) = (collected.producers.len(), collected.consumers.len());
    let mut phase = if spec.fault == Fault::CancelMidClaim {
        Phase::Filling
    } else {
        Phase::Draining
    };
    // Release: nothing rides on it, but it pairs with the consumers' Acquire.
    let start_consumers = || resume.store(true, Ordering::Release);
    let mut producers_pending = producers;
    let mut pending = producers + consumers;
    let (mut last_progress, mut progress_since) = (u64::MAX, started);
    let mut watchdog_fired = false;
    while pending > 0 {
        let now = Instant::now();
        let wake = match phase {
            Phase::Filling => (now + POLL).min(deadline),
            _ if watchdog_fired => deadline + GRACE,
            _ => deadline,
        };
        match received.recv_timeout(wake.saturating_duration_since(now)) {
            Ok(Ended::Producer { index, mut record }) => {
                pending -= 1;
                producers_pending -= 1;
                record.past_deadline = watchdog_fired;
                collected.producers[index] = Some(record);
                if phase == Phase::Cancelling && producers_pending == 0 {
                    start_consumers();
                    phase = Phase::Draining;
                }
            }
            Ok(Ended::Consumer {
                index,
                tally,
                arrivals,
                delivered,
                end,
            }) => {
                pending -= 1;
                collected.consumers[index] = Some(ConsumerReport {
                    tally,
                    arrivals,
                    record: ConsumerRecord { delivered, end },
                });
            }
            Err(RecvTimeoutError::Timeout)
                if phase == Phase::Filling && Instant::now() < deadline =>
            {
                let now = Instant::now();
                let written = progress.load(Ordering::Relaxed);
                if written != last_progress {
                    (last_progress, progress_since) = (written, now);
                } else if now.duration_since(progress_since) >= SETTLED
                    || now.duration_since(started) >= spec.timeout / 2
                {
                    cancel.cancel();
                    phase = Phase::Cancelling;
                    if producers_pending == 0 {
                        start_consumers();
                        phase = Phase::Draining;
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) if !watchdog_fired => {
                watchdog_fired = true;
                cancel.cancel();
                start_consumers();
                phase = Phase::Draining;
            }
            // The grace period is over: leave the rest running.
            Err(_) => break,
        }
    }
    collected
}
