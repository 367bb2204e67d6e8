//! One run: build a queue, start pinned producer and consumer threads, time
//! the transfer, judge it with the oracle, and stop it if it overruns.
//!
//! The producer and consumer loops here are the only ones: the sweep and the
//! tests drive every implementation through them. The measured region starts
//! when every thread has passed the start barrier and ends when the last
//! consumer has seen the queue close; building the queue, spawning and
//! pinning threads, and computing the oracle's expectation happen outside it.
//!
//! Three modes ([`Mode`]): throughput (producers publish as fast as the
//! queue takes messages), one-way latency (producers publish on a schedule
//! at a fixed offered rate; see [`crate::latency`]) and ping-pong (one
//! thread sends a message over one queue, the other sends it back over a
//! second queue; each round trip is timed). Every run thread measures its
//! own CPU time, event counters and allocations over its measured region
//! ([`ThreadCost`]). [`run_base`] runs the same loops and oracle with no
//! queue between producer and consumer: the harness's own cost.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;
use hdrhistogram::Histogram;
use impls::queue::MAX_THREADS;
use impls::{
    Cancel, Consumed, Consumer, Message, Producer, PublishError, Queue, QueueConfig, Topology,
    WaitStrategy,
};
use serde::{Deserialize, Serialize};

use scenarios::MAX_LATENCY_MESSAGES;

use crate::clock::Clock;
use crate::counters::{PerfOpener, Plan, ThreadCounters};
use crate::latency::{self, RunLatency, Schedule};
use crate::oracle::{Expected, Observer, Tally, Verdict, judge, judge_counts};
use crate::placement::{Placement, pin_current};

/// What a run measures.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
    /// Messages per second, producers publishing as fast as they can.
    Throughput,
    /// Throughput with consumers that take messages off the queue without
    /// reading them (a scenario's `consume = "discard"`), as some published
    /// benchmarks do. Only counts can be checked: the oracle's verdict is
    /// count-only.
    Discard,
    /// Latency of each message from its intended send time, producers
    /// publishing on a schedule at `rate` messages per second in total.
    OneWay {
        /// Offered rate, messages per second over all producers.
        rate: f64,
    },
    /// Round trips over two queues, one message at a time (1 producer and
    /// 1 consumer per queue).
    PingPong,
}

/// The instruments every run thread reads.
#[derive(Clone, Debug)]
pub struct Instruments {
    /// Timer for latencies.
    pub clock: Clock,
    /// Counters each run thread opens, or none.
    pub counters: Option<Arc<Plan>>,
}

impl Default for Instruments {
    /// `Instant` and no counters.
    fn default() -> Self {
        Self {
            clock: Clock::instant(),
            counters: None,
        }
    }
}

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
    /// Throughput, one-way latency or ping-pong.
    pub mode: Mode,
    /// Timer and counters.
    pub instruments: Instruments,
}

/// What the run threads measured about themselves over their measured
/// regions, summed over threads. `None` (or a counter left out) means not
/// measured, never zero.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Costs {
    /// CPU time of every run thread (`CLOCK_THREAD_CPUTIME_ID`), ns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_ns: Option<u64>,
    /// Allocations made by run threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocations: Option<u64>,
    /// Bytes those allocations asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocated_bytes: Option<u64>,
    /// Event counters, by name, counted by every run thread.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub counters: BTreeMap<String, u64>,
    /// Latency histograms of latency and ping-pong runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<RunLatency>,
}

/// What one run thread measured about itself.
#[derive(Debug, Default)]
struct ThreadCost {
    cpu_ns: Option<u64>,
    allocations: Option<(u64, u64)>,
    counters: Vec<(String, u64)>,
}

/// CPU time the calling thread has used, in ns.
fn thread_cpu_ns() -> Option<u64> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable `timespec` for the call to fill.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    (status == 0).then(|| now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64)
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
        /// CPU time, counters, allocations and latency.
        #[serde(default)]
        costs: Box<Costs>,
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
    /// The implementation cannot run on this machine (a foreign
    /// implementation whose runtime is not installed). Not a failure:
    /// nothing ran.
    Unavailable {
        /// Why, and how to make it available.
        reason: String,
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

    /// CPU time, counters, allocations and latency of a passed run.
    pub fn costs(&self) -> Option<&Costs> {
        match self {
            Outcome::Completed { verdict, costs, .. } if verdict.passed => Some(costs),
            _ => None,
        }
    }

    /// Whether this is a correct, completed run.
    pub fn passed(&self) -> bool {
        matches!(self, Outcome::Completed { verdict, .. } if verdict.passed)
    }

    /// Whether it failed: the oracle caught an error, or the run crashed,
    /// timed out or could not be built. An unavailable implementation
    /// did not run, and did not fail.
    pub fn failed(&self) -> bool {
        !self.passed() && !matches!(self, Outcome::Unavailable { .. })
    }

    /// One word for tables: `pass`, `FAIL`, `timeout`, `build error`,
    /// `crash`, `unavailable`.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Completed { verdict, .. } if verdict.passed && verdict.count_only => {
                "pass (count only)"
            }
            Outcome::Completed { verdict, .. } if verdict.passed => "pass",
            Outcome::Completed { .. } => "FAIL",
            Outcome::TimedOut { .. } => "timeout",
            Outcome::BuildFailed { .. } => "build error",
            Outcome::Crashed { .. } => "crash",
            Outcome::Unavailable { .. } => "unavailable",
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
#[inline(always)]
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

/// Waits until `clock` reads `at` (`true`) or the run is cancelled
/// (`false`), spinning, or yielding the core when `yields`.
#[inline]
fn wait_until(clock: &Clock, at: u64, yields: bool, cancel: &Cancel) -> bool {
    while clock.now() < at {
        if cancel.is_cancelled() {
            return false;
        }
        if yields {
            thread::yield_now();
        } else {
            std::hint::spin_loop();
        }
    }
    true
}

/// As [`producer_loop`], on `schedule`: a batch is published once its last
/// message is due (a batching sender waits for its batch to fill), and
/// `sent` gets the tick each message was handed to the queue. A producer
/// that falls behind publishes at once; its lateness stays in the
/// corrected latencies.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn paced_producer_loop<M: Message>(
    producer: &mut impl Producer<M>,
    id: u16,
    quota: u64,
    batch: usize,
    clock: &Clock,
    schedule: &Schedule,
    yields: bool,
    cancel: &Cancel,
    sent: &mut Vec<u64>,
) -> Result<(), PublishError> {
    let mut next = 0;
    while next < quota {
        let n = (quota - next).min(batch as u64) as usize;
        if !wait_until(
            clock,
            schedule.intended(next + n as u64 - 1),
            yields,
            cancel,
        ) {
            return Err(PublishError::Cancelled);
        }
        let at = clock.now();
        sent.extend(std::iter::repeat_n(at, n));
        producer.publish_batch(n, |index, message| message.write(id, next + index as u64))?;
        next += n as u64;
    }
    Ok(())
}

/// Consumes up to `batch` at a time into `tally` until the queue closes
/// (`true`) or `cancel` is set (`false`). An idle return that is not a
/// cancellation (a timeout-blocking wait running out) is just called again.
///
/// A function of its own, with the queue's `consume_batch` inlined into
/// it: inlined into a run thread's body, the observer's working copy
/// competes with everything else live there and is kept on the stack.
#[inline(never)]
pub fn consumer_loop<M: Message>(
    consumer: &mut impl Consumer<M>,
    batch: usize,
    tally: &mut Tally,
    cancel: &Cancel,
) -> bool {
    // The observer lives across the whole loop, so its working copy of a
    // producer's entry stays in registers between batches.
    let mut observer = tally.observer();
    let closed = consume_until_closed(consumer, batch, cancel, |messages| {
        observer.observe_slice(messages)
    });
    observer.finish();
    closed
}

/// Takes up to `batch` at a time off the queue without reading them
/// ([`Consumer::discard_batch`]), counting them into `tally`, until the queue
/// closes (`true`) or `cancel` is set (`false`). For count-only runs.
#[inline]
pub fn discard_loop<M: Message>(
    consumer: &mut impl Consumer<M>,
    batch: usize,
    tally: &mut Tally,
    cancel: &Cancel,
) -> bool {
    loop {
        match consumer.discard_batch(batch) {
            Consumed::Items(n) => tally.discard(n as u64),
            Consumed::Closed => return true,
            Consumed::Idle if cancel.is_cancelled() => return false,
            Consumed::Idle => {}
        }
    }
}

/// The loop of [`consumer_loop`], handing the messages to `on` as the
/// slices the queue hands over ([`Consumer::consume_slices`]). Always
/// inlined, so that what `on` updates can stay in the caller's registers.
#[inline(always)]
fn consume_until_closed<M: Message>(
    consumer: &mut impl Consumer<M>,
    batch: usize,
    cancel: &Cancel,
    mut on: impl FnMut(&[M]),
) -> bool {
    loop {
        match consumer.consume_slices(batch, &mut on) {
            Consumed::Items(_) => {}
            Consumed::Closed => return true,
            Consumed::Idle if cancel.is_cancelled() => return false,
            Consumed::Idle => {}
        }
    }
}

/// Latency material a thread hands back.
#[derive(Default)]
struct ThreadLatency {
    /// A producer's schedule and send ticks: `(producer, schedule, ticks)`.
    sent: Option<(usize, Schedule, Vec<u64>)>,
    /// `(tag, receive tick)` per message received.
    receipts: Vec<(u64, u64)>,
    /// Round trips, in ns.
    round_trips: Option<Histogram<u64>>,
}

/// What a thread reports when it ends.
enum Report {
    Producer {
        result: Result<(), PublishError>,
        metrics: Vec<(&'static str, u64)>,
        latency: ThreadLatency,
    },
    Consumer {
        /// Tallies of consumer slots `first_slot ..` (several when one
        /// thread does several consumers' work, as in the base case).
        /// Allocated before the measured region.
        tallies: Vec<Tally>,
        first_slot: usize,
        finished: Instant,
        metrics: Vec<(&'static str, u64)>,
        latency: ThreadLatency,
    },
    Panicked(String),
}

/// A thread's report, when it left the start barrier and what it cost.
struct Ended {
    started: Instant,
    report: Report,
    cost: ThreadCost,
}

/// The text of a panic payload (`panic!` gives a `&str` or a `String`).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
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

/// Starts a run's threads and gathers what they report.
struct Launcher {
    barrier: Arc<Barrier>,
    reports: Sender<Ended>,
    pin_failures: Arc<std::sync::atomic::AtomicUsize>,
    counters: Option<Arc<Plan>>,
}

impl Launcher {
    fn new(threads: usize, spec: &RunSpec) -> (Self, std::sync::mpsc::Receiver<Ended>) {
        let (reports, received) = channel();
        let launcher = Self {
            barrier: Arc::new(Barrier::new(threads + 1)),
            reports,
            pin_failures: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
            counters: spec.instruments.counters.clone(),
        };
        (launcher, received)
    }

    /// Spawns a run thread that pins itself, runs `prepare` (allocating
    /// its private state), opens its counters, waits at the barrier, runs
    /// the body `prepare` returned with its costs measured around it, and
    /// reports, turning a panic into a report.
    fn spawn<B: FnOnce() -> Report>(
        &self,
        name: String,
        core: Option<usize>,
        prepare: impl FnOnce() -> B + Send + 'static,
    ) {
        let barrier = Arc::clone(&self.barrier);
        let reports = self.reports.clone();
        let pin_failures = Arc::clone(&self.pin_failures);
        let plan = self.counters.clone();
        let spawned = thread::Builder::new().name(name).spawn(move || {
            if let Some(core) = core
                && !pin_current(core)
            {
                pin_failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            let body = catch_unwind(AssertUnwindSafe(prepare));
            let mut counters = plan.map(|plan| ThreadCounters::open(&plan, &PerfOpener));
            barrier.wait();
            // Counters are enabled before the clock starts (their system
            // calls are not the queue's time), and read after it stops.
            if let Some(counters) = &mut counters {
                counters.start();
            }
            crate::allocations::start();
            let cpu_start = thread_cpu_ns();
            let started = Instant::now();
            let report = body
                .and_then(|body| catch_unwind(AssertUnwindSafe(body)))
                .unwrap_or_else(|payload| Report::Panicked(panic_message(&*payload)));
            let cpu_end = thread_cpu_ns();
            let allocations = crate::allocations::stop();
            let cost = ThreadCost {
                cpu_ns: cpu_start
                    .zip(cpu_end)
                    .map(|(start, end)| end.saturating_sub(start)),
                allocations,
                counters: counters.map(ThreadCounters::stop).unwrap_or_default(),
            };
            // The receiver is gone only if the run was abandoned; nothing to do.
            let _ = reports.send(Ended {
                started,
                report,
                cost,
            });
        });
        if let Err(error) = spawned {
            panic!("cannot spawn a run thread: {error}");
        }
    }

    /// Releases the threads, waits for them (cancelling at the deadline),
    /// and judges the run as `topology` would be.
    fn finish(
        self,
        received: std::sync::mpsc::Receiver<Ended>,
        threads: usize,
        spec: &RunSpec,
        cancel: &Cancel,
        expected: &Expected,
        topology: Topology,
    ) -> Outcome {
        let Launcher {
            barrier,
            reports,
            pin_failures,
            ..
        } = self;
        drop(reports);
        // The measured region runs from the first thread leaving the barrier
        // to the last consumer seeing the queue close. Both instants are
        // taken by the run threads: on a machine with few cores this thread
        // may not be scheduled again until a short run is over.
        barrier.wait();
        let deadline = Instant::now() + spec.timeout;
        let mut slots: BTreeMap<usize, Tally> = BTreeMap::new();
        let mut first_start: Option<Instant> = None;
        let mut metrics = BTreeMap::new();
        let mut last_finish: Option<Instant> = None;
        // Every distinct failure, in the order reported: when one thread
        // panics, others often fail because of it (a poisoned lock, a
        // vanished peer), and their reports may arrive first.
        let mut crashes: Vec<String> = Vec::new();
        let mut pending = threads;
        let mut timed_out = false;
        let mut costs = Vec::with_capacity(threads);
        let mut latencies = Vec::new();
        while pending > 0 {
            let wait_until = if timed_out {
                deadline + GRACE
            } else {
                deadline
            };
            match received.recv_timeout(wait_until.saturating_duration_since(Instant::now())) {
                Ok(Ended {
                    started,
                    report,
                    cost,
                }) => {
                    pending -= 1;
                    costs.push(cost);
                    first_start = Some(first_start.map_or(started, |first| first.min(started)));
                    match report {
                        Report::Consumer {
                            tallies,
                            first_slot,
                            finished,
                            metrics: counted,
                            latency,
                        } => {
                            last_finish =
                                Some(last_finish.map_or(finished, |last| last.max(finished)));
                            for (slot, tally) in (first_slot..).zip(tallies) {
                                match slots.get_mut(&slot) {
                                    Some(merged) => merged.absorb(&tally),
                                    None => {
                                        slots.insert(slot, tally);
                                    }
                                }
                            }
                            add_metrics(&mut metrics, counted);
                            latencies.push(latency);
                        }
                        Report::Producer {
                            result: Ok(()) | Err(PublishError::Cancelled),
                            metrics: counted,
                            latency,
                        } => {
                            add_metrics(&mut metrics, counted);
                            latencies.push(latency);
                        }
                        Report::Producer {
                            result: Err(PublishError::Disconnected),
                            ..
                        } => {
                            let crash = "a producer found every consumer gone".to_owned();
                            if !crashes.contains(&crash) {
                                crashes.push(crash);
                            }
                            cancel.cancel();
                        }
                        Report::Panicked(message) => {
                            let crash = format!("a run thread panicked: {message}");
                            if !crashes.contains(&crash) {
                                crashes.push(crash);
                            }
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
        let tallies: Vec<Tally> = slots.into_values().collect();
        if !crashes.is_empty() {
            return Outcome::Crashed {
                error: crashes.join("; "),
            };
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
        let mut costs = sum_costs(&costs);
        costs.latency = run_latency(&spec.instruments.clock, latencies);
        Outcome::Completed {
            elapsed_ns: u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX),
            verdict: if spec.mode == Mode::Discard {
                judge_counts(topology, expected, &tallies)
            } else {
                judge(topology, expected, &tallies)
            },
            deliveries_per_consumer: tallies.iter().map(Tally::count).collect(),
            metrics,
            pin_failures: pin_failures.load(std::sync::atomic::Ordering::Relaxed),
            costs: Box::new(costs),
        }
    }
}

/// Sums the threads' costs; a figure some thread lacks is left out.
fn sum_costs(threads: &[ThreadCost]) -> Costs {
    let cpu_ns = threads.iter().map(|cost| cost.cpu_ns).sum::<Option<u64>>();
    let allocations = threads
        .iter()
        .try_fold((0u64, 0u64), |(count, bytes), cost| {
            cost.allocations
                .map(|(more, more_bytes)| (count + more, bytes + more_bytes))
        });
    let mut counters: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    for cost in threads {
        for (name, value) in &cost.counters {
            let entry = counters.entry(name.clone()).or_default();
            entry.0 += 1;
            entry.1 += value;
        }
    }
    Costs {
        cpu_ns,
        allocations: allocations.map(|(count, _)| count),
        allocated_bytes: allocations.map(|(_, bytes)| bytes),
        counters: counters
            .into_iter()
            .filter(|(_, (threads_counted, _))| *threads_counted == threads.len())
            .map(|(name, (_, value))| (name, value))
            .collect(),
        latency: None,
    }
}

/// The run's merged latency histograms, from what its threads handed back.
fn run_latency(clock: &Clock, mut latencies: Vec<ThreadLatency>) -> Option<RunLatency> {
    let round_trips: Vec<Histogram<u64>> = latencies
        .iter_mut()
        .filter_map(|latency| latency.round_trips.take())
        .collect();
    if !round_trips.is_empty() {
        return Some(RunLatency::round_trips(&latency::merge(&round_trips)));
    }
    let mut sent: Vec<(Schedule, Vec<u64>)> = Vec::new();
    for latency in &mut latencies {
        if let Some((producer, schedule, ticks)) = latency.sent.take() {
            if sent.len() <= producer {
                sent.resize_with(producer + 1, || {
                    (
                        Schedule {
                            start: 0,
                            interval: 0.0,
                        },
                        Vec::new(),
                    )
                });
            }
            sent[producer] = (schedule, ticks);
        }
    }
    if sent.is_empty() {
        return None;
    }
    // Per receiving thread, then merged.
    let mut merged = latency::OneWay::new();
    for latency in latencies.iter().filter(|l| !l.receipts.is_empty()) {
        merged.absorb(&latency::one_way(clock, &sent, &latency.receipts));
    }
    Some(RunLatency::one_way(&merged))
}

/// Runs `spec` once on implementation `Q` with messages of type `M`.
pub fn run_once<Q: Queue, M: Message>(spec: &RunSpec) -> Outcome {
    match spec.mode {
        Mode::PingPong => run_pingpong::<Q, M>(spec),
        Mode::Throughput | Mode::Discard | Mode::OneWay { .. } => run_streams::<Q, M>(spec),
    }
}

fn queue_config(spec: &RunSpec, cancel: &Cancel) -> QueueConfig {
    QueueConfig {
        topology: spec.topology,
        producers: spec.producers,
        consumers: spec.consumers,
        capacity: spec.capacity,
        batch: spec.batch,
        wait: spec.wait,
        cancel: cancel.clone(),
    }
}

/// An empty vector with room for `n` values whose memory has been written
/// once, so that filling it inside a measured region takes no page faults
/// (which would show as latency spikes and in the page-fault counter).
fn prefaulted<T: Copy + Default>(n: usize) -> Vec<T> {
    let mut values = Vec::with_capacity(n);
    values.resize(n, T::default());
    std::hint::black_box(&mut values);
    values.clear();
    values
}

/// The start of a one-way run's schedule, shared by its producers: the
/// first producer out of the start barrier fixes it, so a producer
/// descheduled before its first message starts late against the common
/// schedule, and its delay shows in the corrected latencies.
#[derive(Clone, Default)]
struct ScheduleStart(Arc<std::sync::OnceLock<u64>>);

impl ScheduleStart {
    fn get(&self, clock: &Clock) -> u64 {
        *self.0.get_or_init(|| clock.now())
    }
}

/// Ticks between one producer's messages at `rate` messages per second
/// over `producers` producers.
fn interval(clock: &Clock, rate: f64, producers: usize) -> f64 {
    clock.ticks_for_ns(1e9 * producers as f64 / rate)
}

/// Throughput and one-way latency runs.
fn run_streams<Q: Queue, M: Message>(spec: &RunSpec) -> Outcome {
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
    let quotas = quotas(spec.messages, spec.producers);
    let expected = Expected::new::<M>(&quotas);
    let threads = spec.producers + spec.consumers;
    let (launcher, received) = Launcher::new(threads, spec);
    let batch = spec.batch;
    let layout_seed = spec.layout_seed;
    let clock = spec.instruments.clock;
    let rate = match spec.mode {
        Mode::OneWay { rate } => Some(rate),
        _ => None,
    };
    let yields = !spec.wait.never_yields();
    let producers = spec.producers;
    let schedule_start = ScheduleStart::default();
    for (index, (producer, quota)) in endpoints.producers.into_iter().zip(quotas).enumerate() {
        let id = u16::try_from(index).expect("thread counts are validated far below 2^16");
        let cancel = cancel.clone();
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
                        None => producer_loop(producer.get(), id, quota, batch),
                        Some(rate) => {
                            let schedule = Schedule {
                                start: schedule_start.get(&clock),
                                interval: interval(&clock, rate, producers),
                            };
                            let result = paced_producer_loop(
                                producer.get(),
                                id,
                                quota,
                                batch,
                                &clock,
                                &schedule,
                                yields,
                                &cancel,
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
    let messages = spec.messages as usize;
    let discard = spec.mode == Mode::Discard;
    for (index, consumer) in endpoints.consumers.into_iter().enumerate() {
        let cancel = cancel.clone();
        launcher.spawn(
            format!("consumer-{index}"),
            spec.placement.core_for(spec.producers + index),
            move || {
                let thread = producers + index;
                let mut consumer = Placed::new(consumer, layout_seed, thread);
                let mut tally =
                    Placed::new(Tally::new(producers), layout_seed, thread + MAX_THREADS);
                let mut receipts = prefaulted(if rate.is_some() { messages } else { 0 });
                let mut tallies = Vec::with_capacity(1);
                move || {
                    if rate.is_some() {
                        let mut observer = tally.get().observer();
                        consume_until_closed(consumer.get(), batch, &cancel, |messages| {
                            for message in messages {
                                observer.observe(message);
                                receipts.push((message.tag(), clock.now()));
                            }
                        });
                        observer.finish();
                    } else if discard {
                        discard_loop(consumer.get(), batch, tally.get(), &cancel);
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
    launcher.finish(received, threads, spec, &cancel, &expected, spec.topology)
}

/// Waits for one message from `consumer` into `tally`: `false` if the
/// queue closed or the run was cancelled first.
#[inline]
fn receive_one<M: Message>(
    consumer: &mut impl Consumer<M>,
    cancel: &Cancel,
    mut on: impl FnMut(&M),
) -> bool {
    loop {
        match consumer.consume_batch(1, &mut on) {
            Consumed::Items(_) => return true,
            Consumed::Closed => return false,
            Consumed::Idle if cancel.is_cancelled() => return false,
            Consumed::Idle => {}
        }
    }
}

/// Ping-pong: the initiator (thread 0) publishes message `s` on one queue
/// and waits for the echo thread (thread 1) to send it back on a second
/// queue of the same implementation; each round trip is timed. Both hops
/// go through the oracle: the echo thread's tally is consumer 0, the
/// initiator's consumer 1, and each must see every message in order.
fn run_pingpong<Q: Queue, M: Message>(spec: &RunSpec) -> Outcome {
    let cancel = Cancel::default();
    let cfg = QueueConfig {
        topology: Topology::Spsc,
        producers: 1,
        consumers: 1,
        batch: 1,
        ..queue_config(spec, &cancel)
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
    let expected = Expected::new::<M>(&[quota]);
    let (launcher, received) = Launcher::new(2, spec);
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
            let mut tally = Placed::new(Tally::new(1), layout_seed, MAX_THREADS);
            let mut round_trips = latency::histogram();
            let mut tallies = Vec::with_capacity(1);
            move || {
                let mut result = Ok(());
                let mut observer = tally.get().observer();
                for sequence in 0..quota {
                    let start = clock.now();
                    if let Err(error) = send
                        .get()
                        .publish_batch(1, |_, message| message.write(0, sequence))
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
                if result.is_err() {
                    return Report::Producer {
                        result,
                        metrics,
                        latency: ThreadLatency::default(),
                    };
                }
                tallies.push(tally.into_inner());
                Report::Consumer {
                    tallies,
                    first_slot: 1,
                    finished,
                    metrics,
                    latency: ThreadLatency {
                        round_trips: Some(round_trips),
                        ..ThreadLatency::default()
                    },
                }
            }
        },
    );
    let echo_cancel = cancel.clone();
    launcher.spawn(
        "pingpong-echo".to_owned(),
        spec.placement.core_for(1),
        move || {
            let cancel = echo_cancel;
            let mut receive = Placed::new(echo_receive, layout_seed, 2);
            let mut send = Placed::new(echo_send, layout_seed, 3);
            let mut tally = Placed::new(Tally::new(1), layout_seed, MAX_THREADS + 1);
            let mut tallies = Vec::with_capacity(1);
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
                if result.is_err() {
                    return Report::Producer {
                        result,
                        metrics,
                        latency: ThreadLatency::default(),
                    };
                }
                tallies.push(tally.into_inner());
                Report::Consumer {
                    tallies,
                    first_slot: 0,
                    finished,
                    metrics,
                    latency: ThreadLatency::default(),
                }
            }
        },
    );
    // Two consumers that must each see every message: judged as a broadcast.
    launcher.finish(received, 2, spec, &cancel, &expected, Topology::MpmcFanout)
}

/// The base case's "queue": none. `publish_batch` writes the batch into
/// the thread's own buffer and the consumer-side work (the oracle's
/// observers, one per consumer that would see the message) reads it back
/// on the same thread. What is left is the harness's own cost per message.
/// It borrows what it works with from the run thread's locals, so the
/// observer of the usual single consumer is a local there, as in
/// [`consumer_loop`].
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
    receipts: Option<(Clock, &'a mut Vec<(u64, u64)>)>,
}

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
        if let Some((clock, receipts)) = &mut self.receipts {
            receipts.extend(batch.iter().map(|message| (message.tag(), clock.now())));
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
    id: u16,
    quota: u64,
    batch: usize,
) -> NoQueue<'a, 't, M> {
    let mut queue = queue;
    let _ = producer_loop(&mut queue, id, quota, batch);
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
    let expected = Expected::new::<M>(&quotas);
    // Ping-pong's two hops are two consumers that each see every message.
    let (topology, slots) = if pingpong {
        (Topology::MpmcFanout, 2)
    } else if spec.topology.is_broadcast() {
        (spec.topology, spec.consumers)
    } else {
        (spec.topology, 1)
    };
    let (launcher, received) = Launcher::new(producers, spec);
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
                    Placed::new(vec![Tally::new(producers); slots], layout_seed, index);
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
                        receipts: rate.map(|_| (clock, &mut receipts)),
                    };
                    match (rate, &mut round_trips) {
                        (_, Some(round_trips)) => {
                            for sequence in 0..quota {
                                let start = clock.now();
                                let _ = queue
                                    .publish_batch(1, |_, message| message.write(id, sequence));
                                let end = clock.now();
                                latency::record(
                                    round_trips,
                                    clock.to_ns(end.saturating_sub(start)),
                                );
                            }
                        }
                        (Some(rate), None) => {
                            let schedule = Schedule {
                                start: schedule_start.get(&clock),
                                interval: interval(&clock, rate, producers),
                            };
                            let _ = paced_producer_loop(
                                &mut queue, id, quota, batch, &clock, &schedule, yields, &cancel,
                                &mut sent,
                            );
                            latency.sent = Some((index, schedule, sent));
                        }
                        (None, None) => queue = base_loop(queue, id, quota, batch),
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
    launcher.finish(received, producers, spec, &cancel, &expected, topology)
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
