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
//! (`ThreadCost`). [`run_base`] runs the same loops and oracle with no
//! queue between producer and consumer: the harness's own cost.
//!
//! The files follow a run: this one holds what a run is ([`RunSpec`]) and
//! how it ended ([`Outcome`]); `loops` the measured loops; `launch` the
//! run threads; `gather` waiting for them and judging; then one file per
//! mode: `streams` (throughput and one-way latency), `pingpong` and
//! `base`.

mod base;
mod gather;
mod launch;
mod loops;
mod pingpong;
mod streams;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use impls::{Cancel, Message, Queue, QueueConfig, Topology, WaitStrategy};
use serde::{Deserialize, Serialize};

pub use base::{BASE, BASE_SUMMARY, NoQueue, run_base};
pub(crate) use launch::panic_message;
pub use loops::{Pacing, consumer_loop, discard_loop, paced_producer_loop, producer_loop};

use crate::clock::Clock;
use crate::counters::Plan;
use crate::latency::RunLatency;
use crate::oracle::Verdict;
use crate::placement::Placement;

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

    /// How bad it is, for a summary's verdict over several runs (the
    /// worst wins): a pass or an implementation that did not run (never
    /// mixed with runs that did), a timeout, a build error, a crash, and
    /// worst a run the oracle failed.
    pub fn severity(&self) -> u8 {
        match self {
            Outcome::Completed { verdict, .. } if verdict.passed => 0,
            Outcome::Unavailable { .. } => 0,
            Outcome::TimedOut { .. } => 1,
            Outcome::BuildFailed { .. } => 2,
            Outcome::Crashed { .. } => 3,
            Outcome::Completed { .. } => 4,
        }
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

/// Splits `messages` over `producers`, the first ones taking the remainder.
pub fn quotas(messages: u64, producers: usize) -> Vec<u64> {
    let producers = producers as u64;
    (0..producers)
        .map(|index| messages / producers + u64::from(index < messages % producers))
        .collect()
}

/// Runs `spec` once on implementation `Q` with messages of type `M`.
pub fn run_once<Q: Queue, M: Message>(spec: &RunSpec) -> Outcome {
    match spec.mode {
        Mode::PingPong => pingpong::run_pingpong::<Q, M>(spec),
        Mode::Throughput | Mode::Discard | Mode::OneWay { .. } => {
            streams::run_streams::<Q, M>(spec)
        }
    }
}

pub(super) fn queue_config(spec: &RunSpec, cancel: &Cancel) -> QueueConfig {
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
