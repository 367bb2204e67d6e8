//! What a run is ([`RunSpec`]): its threads, queue, messages, deadline,
//! placement and mode ([`Mode`]), the instruments its threads read, and
//! the queue configuration and producer quotas made from it.

use std::sync::Arc;
use std::time::Duration;

use impls::{Cancel, QueueConfig, Setup};
use schema::{Consume, Kind};

use crate::clock::Clock;
use crate::counters::Plan;
use crate::placement::Placement;

use super::pause::Pause;

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
    /// Throughput with a random pause after every publish and every
    /// consume call ([`Pause`]): the soak's option, to meet the windows
    /// between operations at varied offsets. Checked like a throughput
    /// run; its speed is the pauses', never compared.
    Paused(Pause),
}

impl Mode {
    /// The mode of a run of a scenario of `kind`, at offered `rate` (one-way
    /// latency), its consumers treating messages as `consume` says.
    pub fn of(kind: Kind, rate: Option<f64>, consume: Consume) -> Mode {
        match (kind, rate) {
            (Kind::Pingpong, _) => Mode::PingPong,
            (Kind::Latency, Some(rate)) => Mode::OneWay { rate },
            _ if consume == Consume::Discard => Mode::Discard,
            _ => Mode::Throughput,
        }
    }
}

/// The instruments every run thread reads, and the watch over the run.
#[derive(Clone, Debug)]
pub struct Instruments {
    /// Timer for latencies.
    pub clock: Clock,
    /// Counters each run thread opens, or none.
    pub counters: Option<Arc<Plan>>,
    /// A check made while the run goes on, or none.
    pub watch: Option<Watch>,
}

impl Default for Instruments {
    /// `Instant`, no counters and no watch.
    fn default() -> Self {
        Self {
            clock: Clock::instant(),
            counters: None,
            watch: None,
        }
    }
}

/// A check the thread that gathers a run makes every [`Watch::EVERY`]
/// while the run goes on (never inside a run thread): when it gives a
/// reason, the run is cancelled and ends as crashed with that reason. The
/// soak stops a run whose memory grows past its bound this way.
#[derive(Clone)]
pub struct Watch(pub Arc<dyn Fn() -> Option<String> + Send + Sync>);

impl Watch {
    /// How often the check is made.
    pub const EVERY: Duration = Duration::from_millis(100);
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Watch")
    }
}

/// What to run.
#[derive(Clone, Debug)]
pub struct RunSpec {
    /// Topology, threads, capacity, batch, and the wait strategy handed to
    /// the queue (after any oversubscription fallback).
    pub setup: Setup,
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

/// Splits `messages` over `producers`, the first ones taking the remainder.
pub fn quotas(messages: u64, producers: usize) -> Vec<u64> {
    let producers = producers as u64;
    (0..producers)
        .map(|index| messages / producers + u64::from(index < messages % producers))
        .collect()
}

/// The queue configuration of `spec`, with the run's cancel token.
pub(super) fn queue_config(spec: &RunSpec, cancel: &Cancel) -> QueueConfig {
    QueueConfig {
        setup: spec.setup,
        cancel: cancel.clone(),
    }
}
