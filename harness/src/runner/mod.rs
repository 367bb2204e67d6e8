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

use std::sync::Arc;
use std::time::Duration;

use impls::{Cancel, Message, Queue, QueueConfig, Topology, WaitStrategy};

pub use base::{BASE, BASE_SUMMARY, NoQueue, run_base};
pub(crate) use launch::panic_message;
pub use loops::{
    Pacing, consumer_loop, discard_loop, paced_producer_loop, producer_loop, stage_loop,
};

use crate::clock::Clock;
use crate::counters::Plan;
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

pub use schema::{Costs, Outcome};

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
