//! Gathering a run: releasing its threads, waiting for their reports
//! (cancelling at the deadline, abandoning threads that do not stop),
//! adding up their costs and latencies, and judging the tallies with the
//! oracle.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use impls::{Cancel, PublishError};
use schema::{Costs, Delivery, Outcome};

use super::launch::{Ended, Launcher, Report, ThreadCost, ThreadLatency};
use super::spec::{Mode, RunSpec, Watch};
use crate::clock::Clock;
use crate::latency::{self, RunLatency, Schedule};
use crate::oracle::{Expected, Tally, judge, judge_counts};

/// How long stopped threads get to notice the cancel before they are
/// abandoned.
const GRACE: Duration = Duration::from_secs(5);

/// Adds one endpoint's counters to a run's totals.
fn add_metrics(totals: &mut BTreeMap<String, u64>, counted: Vec<(&'static str, u64)>) {
    for (name, value) in counted {
        *totals.entry(name.to_owned()).or_default() += value;
    }
}

/// What the run threads have reported so far.
#[derive(Default)]
struct Gathered {
    /// Consumers' tallies by slot, merged where threads share a slot.
    slots: BTreeMap<usize, Tally>,
    /// When the first thread left the start barrier.
    first_start: Option<Instant>,
    /// When the last consumer saw the queue close.
    last_finish: Option<Instant>,
    /// The endpoints' counters, summed.
    metrics: BTreeMap<String, u64>,
    /// Every distinct failure, in the order reported: when one thread
    /// panics, others often fail because of it (a poisoned lock, a
    /// vanished peer), and their reports may arrive first.
    crashes: Vec<String>,
    costs: Vec<ThreadCost>,
    latencies: Vec<ThreadLatency>,
}

impl Gathered {
    /// Takes in one thread's report; a failure cancels the run.
    fn take(&mut self, ended: Ended, cancel: &Cancel) {
        let Ended {
            started,
            report,
            cost,
        } = ended;
        self.costs.push(cost);
        self.first_start = Some(self.first_start.map_or(started, |first| first.min(started)));
        match report {
            Report::Consumer {
                tallies,
                first_slot,
                finished,
                metrics: counted,
                latency,
            } => {
                self.last_finish =
                    Some(self.last_finish.map_or(finished, |last| last.max(finished)));
                for (slot, tally) in (first_slot..).zip(tallies) {
                    match self.slots.get_mut(&slot) {
                        Some(merged) => merged.absorb(&tally),
                        None => {
                            self.slots.insert(slot, tally);
                        }
                    }
                }
                add_metrics(&mut self.metrics, counted);
                self.latencies.push(latency);
            }
            Report::Producer {
                result: Ok(()) | Err(PublishError::Cancelled),
                metrics: counted,
                latency,
            } => {
                add_metrics(&mut self.metrics, counted);
                self.latencies.push(latency);
            }
            Report::Producer {
                result: Err(PublishError::Disconnected),
                ..
            } => self.crash("a producer found every consumer gone".to_owned(), cancel),
            Report::Panicked(message) => {
                self.crash(format!("a run thread panicked: {message}"), cancel);
            }
        }
    }

    /// Records a failure (once) and cancels the run.
    fn crash(&mut self, crash: String, cancel: &Cancel) {
        if !self.crashes.contains(&crash) {
            self.crashes.push(crash);
        }
        cancel.cancel();
    }
}

impl Launcher {
    /// Releases the threads, waits for them (cancelling at the deadline),
    /// and judges the run by `delivery`.
    pub(super) fn finish(
        self,
        spec: &RunSpec,
        cancel: &Cancel,
        expected: &Expected,
        delivery: Delivery,
    ) -> Outcome {
        let Launcher {
            barrier,
            reports,
            received,
            threads,
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
        let mut gathered = Gathered {
            costs: Vec::with_capacity(threads),
            ..Gathered::default()
        };
        let mut pending = threads;
        let mut timed_out = false;
        let mut watch = spec.instruments.watch.as_ref();
        while pending > 0 {
            let wait_until = if timed_out {
                deadline + GRACE
            } else {
                deadline
            };
            let mut wait = wait_until.saturating_duration_since(Instant::now());
            if watch.is_some() {
                wait = wait.min(Watch::EVERY);
            }
            match received.recv_timeout(wait) {
                Ok(ended) => {
                    pending -= 1;
                    gathered.take(ended, cancel);
                }
                // Only a watch wakes this thread before the deadline; once
                // it has given a reason it is not asked again.
                Err(RecvTimeoutError::Timeout) if Instant::now() < wait_until => {
                    if let Some(reason) = watch.and_then(|watch| (watch.0)()) {
                        watch = None;
                        gathered.crash(reason, cancel);
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
        let Gathered {
            slots,
            first_start,
            last_finish,
            metrics,
            crashes,
            costs,
            latencies,
        } = gathered;
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
                judge_counts(delivery, expected, &tallies)
            } else {
                judge(delivery, expected, &tallies)
            },
            deliveries_per_consumer: tallies.iter().map(Tally::count).collect(),
            metrics,
            pin_failures: pin_failures.load(Ordering::Relaxed),
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
        return Some(latency::run_round_trips(&latency::merge(&round_trips)));
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
    Some(latency::run_one_way(&merged))
}
