//! One run: build a queue, start pinned producer and consumer threads, time
//! the transfer, judge it with the oracle, and stop it if it overruns.
//!
//! The producer and consumer loops here are the only ones: the sweep and the
//! tests drive every implementation through them. The measured region starts
//! when every thread has passed the start barrier and ends when the last
//! consumer has seen the queue close; building the queue, spawning and
//! pinning threads, and computing the oracle's expectation happen outside it.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;
use impls::queue::MAX_THREADS;
use impls::{
    Cancel, Consumed, Consumer, Message, Producer, PublishError, Queue, QueueConfig, Topology,
    WaitStrategy,
};
use serde::{Deserialize, Serialize};

use crate::oracle::{Expected, Tally, Verdict, judge};
use crate::placement::{Placement, pin_current};

/// What to run.
#[derive(Clone, Debug)]
pub struct RunSpec {
    /// Who talks to whom.
    pub topology: Topology,
    /// Producer threads.
    pub producers: usize,
    /// Consumer threads.
    pub consumers: usize,
    /// Queue capacity in messages.
    pub capacity: usize,
    /// Messages per publish, and most per consume.
    pub batch: usize,
    /// Wait strategy handed to the queue (after any oversubscription fallback).
    pub wait: WaitStrategy,
    /// Messages sent in total, split over the producers.
    pub messages: u64,
    /// Deadline of the run; past it the run is cancelled and recorded as
    /// timed out.
    pub timeout: Duration,
    /// Where threads go.
    pub placement: Placement,
    /// Chooses where each thread keeps its private state (see `Placed`);
    /// the sweep passes the round number, so every implementation of a
    /// round gets the same layouts.
    pub layout_seed: u64,
}

/// How long stopped threads get to notice the cancel before they are
/// abandoned.
const GRACE: Duration = Duration::from_secs(5);

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Every thread finished; the oracle judged the run.
    Completed {
        /// Measured region, in nanoseconds.
        elapsed_ns: u64,
        /// The oracle's finding.
        verdict: Verdict,
        /// Threads whose pinning the OS refused.
        pin_failures: usize,
        /// Deliveries each consumer recorded (work-sharing shows how evenly
        /// the work was spread).
        deliveries_per_consumer: Vec<u64>,
        /// Counters of the `metrics` feature, summed over endpoints (empty
        /// in builds without it).
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        metrics: BTreeMap<String, u64>,
    },
    /// The deadline passed and the run was cancelled.
    TimedOut {
        /// Messages the consumers had recorded when it was stopped.
        delivered: u64,
        /// Threads that did not stop within the grace period and were
        /// abandoned (still running; later runs of this invocation share
        /// the machine with them).
        abandoned_threads: usize,
    },
    /// The queue could not be built (a configuration error).
    BuildFailed {
        /// What the implementation said.
        error: String,
    },
    /// A thread panicked, or a producer found every consumer gone.
    Crashed {
        /// What went wrong.
        error: String,
    },
}

impl Outcome {
    /// Messages per second, for a run the oracle passed.
    pub fn throughput(&self, messages: u64) -> Option<f64> {
        match self {
            Outcome::Completed {
                elapsed_ns,
                verdict,
                ..
            } if verdict.passed => Some(messages as f64 / (*elapsed_ns).max(1) as f64 * 1e9),
            _ => None,
        }
    }

    /// The smallest and largest share of the deliveries one consumer
    /// made, for a passed run with several consumers.
    pub fn consumer_shares(&self) -> Option<(f64, f64)> {
        let Outcome::Completed {
            verdict,
            deliveries_per_consumer,
            ..
        } = self
        else {
            return None;
        };
        if !verdict.passed || deliveries_per_consumer.len() < 2 {
            return None;
        }
        let total = deliveries_per_consumer.iter().sum::<u64>().max(1) as f64;
        let shares: Vec<f64> = deliveries_per_consumer
            .iter()
            .map(|&count| count as f64 / total)
            .collect();
        crate::stats::min_max(&shares)
    }

    /// Whether this is a correct, completed run.
    pub fn passed(&self) -> bool {
        matches!(self, Outcome::Completed { verdict, .. } if verdict.passed)
    }

    /// One word for tables: `pass`, `FAIL`, `timeout`, `build error`, `crash`.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Completed { verdict, .. } if verdict.passed => "pass",
            Outcome::Completed { .. } => "FAIL",
            Outcome::TimedOut { .. } => "timeout",
            Outcome::BuildFailed { .. } => "build error",
            Outcome::Crashed { .. } => "crash",
        }
    }
}

/// Adds one endpoint's counters to a run's totals.
fn add_metrics(totals: &mut BTreeMap<String, u64>, counted: Vec<(&'static str, u64)>) {
    for (name, value) in counted {
        *totals.entry(name.to_owned()).or_default() += value;
    }
}

/// Splits `messages` over `producers`, the first ones taking the remainder.
pub fn quotas(messages: u64, producers: usize) -> Vec<u64> {
    let producers = producers as u64;
    (0..producers)
        .map(|index| messages / producers + u64::from(index < messages % producers))
        .collect()
}

/// Publishes sequences `0 .. quota` as producer `id`, `batch` at a time.
#[inline]
pub fn producer_loop<M: Message>(
    producer: &mut impl Producer<M>,
    id: u16,
    quota: u64,
    batch: usize,
) -> Result<(), PublishError> {
    let mut next = 0;
    while next < quota {
        let n = (quota - next).min(batch as u64) as usize;
        producer.publish_batch(n, |index, message| message.write(id, next + index as u64))?;
        next += n as u64;
    }
    Ok(())
}

/// Consumes up to `batch` at a time into `tally` until the queue closes
/// (`true`) or `cancel` is set (`false`). An idle return that is not a
/// cancellation (a timeout-blocking wait running out) is just called again.
#[inline]
pub fn consumer_loop<M: Message>(
    consumer: &mut impl Consumer<M>,
    batch: usize,
    tally: &mut Tally,
    cancel: &Cancel,
) -> bool {
    loop {
        match consumer.consume_batch(batch, |message| tally.observe(message)) {
            Consumed::Items(_) => {}
            Consumed::Closed => return true,
            Consumed::Idle if cancel.is_cancelled() => return false,
            Consumed::Idle => {}
        }
    }
}

/// What a thread reports when it ends.
enum Report {
    Producer {
        result: Result<(), PublishError>,
        metrics: Vec<(&'static str, u64)>,
    },
    Consumer {
        tally: Tally,
        finished: Instant,
        metrics: Vec<(&'static str, u64)>,
    },
    Panicked(String),
}

/// A thread's report and when it left the start barrier.
struct Ended {
    started: Instant,
    report: Report,
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic with a non-string payload".to_owned())
}

/// A run thread's private state (an endpoint, a tally), kept in memory the
/// thread allocated itself, cache-padded, and shifted by a number of
/// 128-byte blocks that varies from round to round.
///
/// Where private state sits decides whether it shares a cache line (or a
/// 4 KiB alias) with another thread's hot data, and on real machines that
/// alone moves SPSC throughput by a factor of two. Left inside the spawning
/// thread's closure boxes, allocated back to back, every run would get the
/// same accidental layout. Varying the shift per round makes the median a
/// median over layouts and the min–max show how sensitive a design is.
struct Placed<T> {
    blocks: Vec<CachePadded<Option<T>>>,
}

/// Layouts a run thread's private state cycles through (128 bytes apart,
/// covering every 128-byte offset within a 4 KiB page).
const LAYOUTS: u64 = 32;

impl<T> Placed<T> {
    fn new(value: T, layout_seed: u64, thread: usize) -> Self {
        // splitmix64 of (seed, thread): a different shift per thread and round.
        let mut z =
            layout_seed.wrapping_add((thread as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        let shift = ((z ^ (z >> 31)) % LAYOUTS) as usize;
        let mut blocks: Vec<_> = (0..=shift).map(|_| CachePadded::new(None)).collect();
        *blocks[shift] = Some(value);
        Self { blocks }
    }

    fn get(&mut self) -> &mut T {
        self.blocks
            .last_mut()
            .and_then(|block| block.as_mut())
            .expect("placed at construction")
    }

    fn into_inner(mut self) -> T {
        self.blocks
            .pop()
            .and_then(CachePadded::into_inner)
            .expect("placed at construction")
    }
}

/// Spawns a run thread that pins itself, waits at the barrier, runs `body`
/// and reports, turning a panic into a report.
fn spawn(
    name: String,
    core: Option<usize>,
    barrier: Arc<Barrier>,
    reports: Sender<Ended>,
    pin_failures: Arc<std::sync::atomic::AtomicUsize>,
    body: impl FnOnce() -> Report + Send + 'static,
) {
    let spawned = thread::Builder::new().name(name).spawn(move || {
        if let Some(core) = core
            && !pin_current(core)
        {
            pin_failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        barrier.wait();
        let started = Instant::now();
        let report = catch_unwind(AssertUnwindSafe(body))
            .unwrap_or_else(|payload| Report::Panicked(panic_message(&*payload)));
        // The receiver is gone only if the run was abandoned; nothing to do.
        let _ = reports.send(Ended { started, report });
    });
    if let Err(error) = spawned {
        panic!("cannot spawn a run thread: {error}");
    }
}

/// Runs `spec` once on implementation `Q` with messages of type `M`.
pub fn run_once<Q: Queue, M: Message>(spec: &RunSpec) -> Outcome {
    let cancel = Cancel::default();
    let cfg = QueueConfig {
        topology: spec.topology,
        producers: spec.producers,
        consumers: spec.consumers,
        capacity: spec.capacity,
        batch: spec.batch,
        wait: spec.wait,
        cancel: cancel.clone(),
    };
    let endpoints = match Q::build::<M>(&cfg) {
        Ok(endpoints) => endpoints,
        Err(error) => {
            return Outcome::BuildFailed {
                error: error.to_string(),
            };
        }
    };
    let quotas = quotas(spec.messages, spec.producers);
    let expected = Expected::new::<M>(&quotas);

    let threads = spec.producers + spec.consumers;
    let barrier = Arc::new(Barrier::new(threads + 1));
    let pin_failures = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (reports_tx, reports) = channel();
    let batch = spec.batch;
    let layout_seed = spec.layout_seed;
    for (index, (producer, quota)) in endpoints.producers.into_iter().zip(quotas).enumerate() {
        let id = u16::try_from(index).expect("thread counts are validated far below 2^16");
        spawn(
            format!("producer-{index}"),
            spec.placement.core_for(index),
            Arc::clone(&barrier),
            reports_tx.clone(),
            Arc::clone(&pin_failures),
            move || {
                let mut producer = Placed::new(producer, layout_seed, index);
                let result = producer_loop(producer.get(), id, quota, batch);
                Report::Producer {
                    result,
                    metrics: producer.get().metrics(),
                }
            },
        );
    }
    for (index, consumer) in endpoints.consumers.into_iter().enumerate() {
        let producers = spec.producers;
        let cancel = cancel.clone();
        spawn(
            format!("consumer-{index}"),
            spec.placement.core_for(spec.producers + index),
            Arc::clone(&barrier),
            reports_tx.clone(),
            Arc::clone(&pin_failures),
            move || {
                let thread = producers + index;
                let mut consumer = Placed::new(consumer, layout_seed, thread);
                let mut tally =
                    Placed::new(Tally::new(producers), layout_seed, thread + MAX_THREADS);
                consumer_loop(consumer.get(), batch, tally.get(), &cancel);
                let finished = Instant::now();
                let metrics = consumer.get().metrics();
                drop(consumer);
                Report::Consumer {
                    tally: tally.into_inner(),
                    finished,
                    metrics,
                }
            },
        );
    }
    drop(reports_tx);

    // The measured region runs from the first thread leaving the barrier to
    // the last consumer seeing the queue close. Both instants are taken by
    // the run threads: on a machine with few cores this thread may not be
    // scheduled again until a short run is over.
    barrier.wait();
    let deadline = Instant::now() + spec.timeout;
    let mut tallies = Vec::with_capacity(spec.consumers);
    let mut first_start: Option<Instant> = None;
    let mut metrics = BTreeMap::new();
    let mut last_finish: Option<Instant> = None;
    let mut crash = None;
    let mut pending = threads;
    let mut timed_out = false;
    while pending > 0 {
        let wait_until = if timed_out {
            deadline + GRACE
        } else {
            deadline
        };
        match reports.recv_timeout(wait_until.saturating_duration_since(Instant::now())) {
            Ok(Ended { started, report }) => {
                pending -= 1;
                first_start = Some(first_start.map_or(started, |first| first.min(started)));
                match report {
                    Report::Consumer {
                        tally,
                        finished,
                        metrics: counted,
                    } => {
                        last_finish = Some(last_finish.map_or(finished, |last| last.max(finished)));
                        tallies.push(tally);
                        add_metrics(&mut metrics, counted);
                    }
                    Report::Producer {
                        result: Ok(()) | Err(PublishError::Cancelled),
                        metrics: counted,
                    } => {
                        add_metrics(&mut metrics, counted);
                    }
                    Report::Producer {
                        result: Err(PublishError::Disconnected),
                        ..
                    } => {
                        crash.get_or_insert_with(|| {
                            "a producer found every consumer gone".to_owned()
                        });
                        cancel.cancel();
                    }
                    Report::Panicked(message) => {
                        crash.get_or_insert(format!("a run thread panicked: {message}"));
                        cancel.cancel();
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) if !timed_out => {
                timed_out = true;
                cancel.cancel();
            }
            // Grace period over, or every sender gone: abandon the rest.
            Err(_) => break,
        }
    }
    if let Some(error) = crash {
        return Outcome::Crashed { error };
    }
    if timed_out {
        return Outcome::TimedOut {
            delivered: tallies.iter().map(Tally::count).sum(),
            abandoned_threads: pending,
        };
    }
    let elapsed = match (first_start, last_finish) {
        (Some(start), Some(end)) => end.saturating_duration_since(start),
        _ => Duration::ZERO,
    };
    Outcome::Completed {
        elapsed_ns: u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX),
        verdict: judge(spec.topology, &expected, &tallies),
        deliveries_per_consumer: tallies.iter().map(Tally::count).collect(),
        metrics,
        pin_failures: pin_failures.load(std::sync::atomic::Ordering::Relaxed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_add_up() {
        assert_eq!(quotas(10, 3), [4, 3, 3]);
        assert_eq!(quotas(10, 1), [10]);
        assert_eq!(quotas(2, 4), [1, 1, 0, 0]);
    }
}
