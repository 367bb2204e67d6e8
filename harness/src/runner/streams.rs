//! Throughput and one-way latency runs: producers publish as fast as the
//! queue takes messages, or on a schedule at a fixed offered rate
//! (one-way latency, see [`crate::latency`]); consumers read every
//! message into their tallies (or count them, in count-only runs).

use std::sync::Arc;
use std::time::Instant;

use impls::queue::MAX_THREADS;
use impls::{Cancel, Consumer, Message, Producer, Queue, Salt};
use scenarios::MAX_LATENCY_MESSAGES;
use schema::Outcome;

use super::launch::{Launcher, Placed, Report, ThreadLatency, prefaulted};
use super::loops::{
    Pacing, consume_until_closed, consumer_loop, discard_loop, paced_producer_loop, producer_loop,
    stage_loop,
};
use super::pause::{Pause, Pauser, paused_consumer_loop, paused_producer_loop};
use super::spec::{Mode, RunSpec, queue_config, quotas};
use crate::clock::Clock;
use crate::latency::Schedule;
use crate::oracle::{Expected, StageBoard, Tally, fresh_salt};

/// The start of a one-way run's schedule, shared by its producers: the
/// first producer out of the start barrier fixes it, so a producer
/// descheduled before its first message starts late against the common
/// schedule, and its delay shows in the corrected latencies.
#[derive(Clone, Default)]
pub(super) struct ScheduleStart(Arc<std::sync::OnceLock<u64>>);

impl ScheduleStart {
    pub(super) fn get(&self, clock: &Clock) -> u64 {
        *self.0.get_or_init(|| clock.now())
    }

    /// One producer's schedule at `rate` messages per second over
    /// `producers` producers, from the run's common start.
    pub(super) fn schedule(&self, clock: &Clock, rate: f64, producers: usize) -> Schedule {
        Schedule {
            start: self.get(clock),
            interval: interval(clock, rate, producers),
        }
    }
}

/// Ticks between one producer's messages at `rate` messages per second
/// over `producers` producers.
fn interval(clock: &Clock, rate: f64, producers: usize) -> f64 {
    clock.ticks_for_ns(1e9 * producers as f64 / rate)
}

/// Throughput and one-way latency runs.
pub(super) fn run_streams<Q: Queue, M: Message>(spec: &RunSpec) -> Outcome {
    if matches!(spec.mode, Mode::OneWay { .. }) && spec.messages > MAX_LATENCY_MESSAGES {
        return Outcome::BuildFailed {
            error: format!(
                "a latency run keeps every message's send and receive times; use at most {MAX_LATENCY_MESSAGES} messages, not {}",
                spec.messages
            ),
        };
    }
    let cancel = Cancel::default();
    let endpoints = match Q::build::<M>(&queue_config(spec, &cancel)) {
        Ok(endpoints) => endpoints,
        Err(error) => {
            return Outcome::BuildFailed {
                error: error.to_string(),
            };
        }
    };
    let quotas = quotas(spec.messages, spec.setup.producers);
    let salt = fresh_salt();
    let expected = Expected::new(&quotas, salt);
    let launcher = Launcher::new(spec.setup.producers + spec.setup.consumers, spec);
    let run = Shared {
        spec,
        launcher: &launcher,
        cancel: &cancel,
        salt,
        rate: match spec.mode {
            Mode::OneWay { rate } => Some(rate),
            _ => None,
        },
        pause: match spec.mode {
            Mode::Paused(pause) => Some(pause),
            _ => None,
        },
    };
    spawn_producers(&run, endpoints.producers, quotas);
    spawn_consumers(&run, endpoints.consumers);
    launcher.finish(spec, &cancel, &expected, spec.setup.topology.delivery())
}

/// What every thread of a stream run is started with.
struct Shared<'a> {
    spec: &'a RunSpec,
    launcher: &'a Launcher,
    cancel: &'a Cancel,
    /// The run's salt, which every message carries.
    salt: Salt,
    /// The offered rate of a one-way latency run; none in a throughput run.
    rate: Option<f64>,
    /// The pauses of a paused run (the soak's option).
    pause: Option<Pause>,
}

/// Starts a run thread per producer with its quota: publishing as fast as
/// the queue takes messages, or on the run's schedule.
fn spawn_producers<P: Producer<M> + 'static, M: Message>(
    run: &Shared<'_>,
    endpoints: Vec<P>,
    quotas: Vec<u64>,
) {
    let (spec, launcher, salt, rate, pause) =
        (run.spec, run.launcher, run.salt, run.rate, run.pause);
    let batch = spec.setup.batch;
    let layout_seed = spec.layout_seed;
    let clock = spec.instruments.clock;
    let yields = !spec.setup.wait.never_yields();
    let producers = spec.setup.producers;
    let schedule_start = ScheduleStart::default();
    for (index, (producer, quota)) in endpoints.into_iter().zip(quotas).enumerate() {
        let id = u16::try_from(index).expect("thread counts are validated far below 2^16");
        let cancel = run.cancel.clone();
        let schedule_start = schedule_start.clone();
        launcher.spawn(
            format!("producer-{index}"),
            spec.placement.core_for(index),
            move || {
                let mut producer = Placed::new(producer, layout_seed, index);
                let mut sent = prefaulted(if rate.is_some() { quota as usize } else { 0 });
                move || {
                    let mut latency = ThreadLatency::default();
                    let result = match rate {
                        None => match pause {
                            None => producer_loop(producer.get(), salt, id, quota, batch),
                            Some(pause) => paused_producer_loop(
                                producer.get(),
                                (salt, id),
                                quota,
                                batch,
                                &mut Pauser::new(pause, index),
                            ),
                        },
                        Some(rate) => {
                            let schedule = schedule_start.schedule(&clock, rate, producers);
                            let pacing = Pacing {
                                clock: &clock,
                                schedule: &schedule,
                                yields,
                                cancel: &cancel,
                            };
                            let result = paced_producer_loop(
                                producer.get(),
                                salt,
                                id,
                                quota,
                                batch,
                                &pacing,
                                &mut sent,
                            );
                            latency.sent = Some((index, schedule, sent));
                            result
                        }
                    };
                    Report::Producer {
                        result,
                        metrics: producer.get().metrics(),
                        latency,
                    }
                }
            },
        );
    }
}

/// Starts a run thread per consumer: reading every message into its
/// tally (through its stage's check in a pipeline or diamond), counting
/// them in a count-only run, or recording receive times in a latency run.
fn spawn_consumers<C: Consumer<M> + 'static, M: Message>(run: &Shared<'_>, endpoints: Vec<C>) {
    let (spec, launcher, salt, rate, pause) =
        (run.spec, run.launcher, run.salt, run.rate, run.pause);
    let batch = spec.setup.batch;
    let layout_seed = spec.layout_seed;
    let clock = spec.instruments.clock;
    let producers = spec.setup.producers;
    let messages = spec.messages as usize;
    let discard = spec.mode == Mode::Discard;
    let stages = StageBoard::new(
        spec.setup.topology,
        spec.setup.producers,
        spec.setup.consumers,
    );
    for (index, consumer) in endpoints.into_iter().enumerate() {
        let cancel = run.cancel.clone();
        let stage = stages.as_ref().map(|board| board.stage(index, salt));
        launcher.spawn(
            format!("consumer-{index}"),
            spec.placement.core_for(spec.setup.producers + index),
            move || {
                let thread = producers + index;
                let mut consumer = Placed::new(consumer, layout_seed, thread);
                let mut tally = Placed::new(
                    Tally::new(producers, salt),
                    layout_seed,
                    thread + MAX_THREADS,
                );
                let mut receipts = prefaulted(if rate.is_some() { messages } else { 0 });
                let mut tallies = Vec::with_capacity(1);
                let mut stage = stage;
                move || {
                    if rate.is_some() {
                        let mut observer = tally.get().observer();
                        consume_until_closed(consumer.get(), batch, &cancel, |messages| {
                            if let Some(stage) = &mut stage {
                                stage.check(messages);
                            }
                            for message in messages {
                                observer.observe(message);
                                receipts.push((message.tag(salt), clock.now()));
                            }
                            if let Some(stage) = &mut stage {
                                stage.finished(messages);
                            }
                        });
                        observer.finish();
                        if let Some(stage) = &stage {
                            tally.get().record_stage(stage);
                        }
                    } else if let Some(pause) = pause {
                        paused_consumer_loop(
                            consumer.get(),
                            batch,
                            (tally.get(), stage.as_mut()),
                            &mut Pauser::new(pause, thread),
                            &cancel,
                        );
                    } else if discard {
                        discard_loop(consumer.get(), batch, tally.get(), &cancel);
                    } else if let Some(stage) = &mut stage {
                        stage_loop(consumer.get(), batch, tally.get(), stage, &cancel);
                    } else {
                        consumer_loop(consumer.get(), batch, tally.get(), &cancel);
                    }
                    let finished = Instant::now();
                    let metrics = consumer.get().metrics();
                    drop(consumer);
                    tallies.push(tally.into_inner());
                    Report::Consumer {
                        tallies,
                        first_slot: index,
                        finished,
                        metrics,
                        latency: ThreadLatency {
                            receipts,
                            ..ThreadLatency::default()
                        },
                    }
                }
            },
        );
    }
}
