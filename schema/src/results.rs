//! The results file: one JSON document per invocation.
//!
//! Throughputs are in messages per second, where a message is one
//! published message (a fan-out run delivers each to every consumer;
//! `verdict.delivered` counts deliveries). Every field added after the
//! first files were written has a default, so older files read alike.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::machine::{CounterValue, Machine, Placement, Provenance};
use crate::outcome::{Label, Outcome};
use crate::vocab::{
    Batching, Consume, Family, Kind, OrderingGuarantee, Topology, WaitClass, WaitStrategy,
};

/// Schema identifier written into every results file.
pub const SCHEMA: &str = "ringlab.results/1";

/// Everything one invocation measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The command line, as typed.
    #[serde(default)]
    pub command: Vec<String>,
    /// Seconds since the Unix epoch when the sweep started.
    #[serde(default)]
    pub started_at_unix: u64,
    /// Seconds since the Unix epoch when it ended.
    #[serde(default)]
    pub finished_at_unix: u64,
    /// The scenario as run (after command-line overrides).
    pub scenario: ScenarioRecord,
    /// Where and how.
    #[serde(default)]
    pub provenance: Provenance,
    /// Each implementation that took part.
    #[serde(default)]
    pub implementations: Vec<ImplementationRecord>,
    /// One entry per point of the sweep.
    #[serde(default)]
    pub configurations: Vec<Configuration>,
    /// The machine's ceiling, timer and counters, measured once per
    /// invocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<Machine>,
    /// Where the rounds came from when they ran in several processes or
    /// builds (`--processes`, `--layouts`); absent for one process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<Levels>,
}

/// The levels of repetition above rounds (Kalibera and Jones, 2013): the
/// processes and the code layouts the rounds of a file ran in.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Levels {
    /// Fresh processes per layout.
    pub processes: u32,
    /// The builds of one source that differ only in layout; layout 0 is
    /// the binary that wrote the file.
    #[serde(default)]
    pub layouts: Vec<LayoutRecord>,
}

/// One build's layout.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LayoutRecord {
    /// Its number (`RunRecord::layout`).
    pub index: u32,
    /// What was varied, in words (link order seed, function alignment,
    /// environment and heap offsets).
    pub description: String,
    /// The binary that ran it.
    #[serde(default)]
    pub binary: PathBuf,
}

impl Results {
    /// Whether its runs are broadcasts (`mpmc_fanout`), where channel
    /// designs emulate fan-out with one queue per consumer.
    pub fn is_fanout(&self) -> bool {
        self.scenario.topology == Topology::MpmcFanout
    }

    /// The record of the implementation called `name`, if the file has one.
    pub fn implementation(&self, name: &str) -> Option<&ImplementationRecord> {
        self.implementations.iter().find(|i| i.name == name)
    }
}

/// The scenario's parameters as run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioRecord {
    /// Scenario name (file stem).
    pub name: String,
    /// File it was loaded from.
    #[serde(default)]
    pub path: PathBuf,
    /// Its description.
    #[serde(default)]
    pub description: String,
    /// Topology.
    pub topology: Topology,
    /// Implementations, in run order.
    #[serde(default)]
    pub implementations: Vec<String>,
    /// The implementation ratios are taken against.
    #[serde(default)]
    pub baseline: String,
    /// Messages per run.
    #[serde(default)]
    pub messages: u64,
    /// Measured repetitions per implementation and configuration.
    #[serde(default)]
    pub repetitions: u32,
    /// Unmeasured warm-up runs per implementation and configuration.
    #[serde(default)]
    pub warmup: u32,
    /// Watchdog deadline per run, in seconds.
    #[serde(default)]
    pub timeout_secs: f64,
    /// Whether `--quick` shrank it.
    #[serde(default)]
    pub quick: bool,
    /// Throughput, latency or ping-pong (files written before scenarios
    /// had a kind are throughput runs).
    #[serde(default)]
    pub kind: Kind,
    /// Whether busy-spinning was kept on oversubscribed configurations.
    #[serde(default)]
    pub allow_spin_oversubscribed: bool,
    /// What `"all"` left out of the roster, each with the reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<LeftOut>,
}

/// An implementation that `"all"` left out of a scenario, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftOut {
    /// Its name.
    pub name: String,
    /// Why, in words (`does not run mpmc_worker_pool`, `needs a
    /// power-of-two capacity (capacity 3)`).
    pub reason: String,
}

/// An implementation's description, as recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImplementationRecord {
    /// Its name.
    pub name: String,
    /// One line on what it is.
    #[serde(default)]
    pub summary: String,
    /// The order its consumers see messages in.
    pub ordering: OrderingGuarantee,
    /// How it waits; `None` (written `"none"`) for the base case, which
    /// has no queue to wait on.
    #[serde(default, with = "crate::words::none")]
    pub wait_class: Option<WaitClass>,
    /// How a batch crosses it; `None` (written `"none"`) for the base case.
    #[serde(default, with = "crate::words::none")]
    pub batching: Option<Batching>,
    /// Whether fan-out is emulated with one queue per consumer.
    #[serde(default)]
    pub fanout_emulated: bool,
    /// Whether it holds at most its capacity (`false`: unbounded; files
    /// written before this field knew no unbounded implementation).
    #[serde(default = "bounded")]
    pub bounded: bool,
    /// Where it comes from (files written before this field read as
    /// [`Family::Design`], the base case's record aside).
    #[serde(default)]
    pub family: Family,
}

/// What files written before `bounded` was recorded mean.
fn bounded() -> bool {
    true
}

/// One point of the sweep and every run made at it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Configuration {
    /// Producer threads.
    pub producers: usize,
    /// Consumer threads.
    pub consumers: usize,
    /// Queue capacity in messages.
    pub capacity: usize,
    /// Message size in bytes.
    pub payload: usize,
    /// Messages per publish and most per consume.
    pub batch: usize,
    /// The batch the scenario asked for, where it was larger than the
    /// capacity and clamped to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_batch: Option<usize>,
    /// Wait strategy the scenario asked for: the one that identifies the
    /// configuration across files (the one used depends on the machine).
    pub requested_wait: WaitStrategy,
    /// Wait strategy used (spin_yield replaces busy-spinning when
    /// oversubscribed, unless allowed).
    pub wait: WaitStrategy,
    /// More threads than cores.
    #[serde(default)]
    pub oversubscribed: bool,
    /// Where the threads went.
    #[serde(default)]
    pub placement: Placement,
    /// The placement in words.
    #[serde(default)]
    pub placement_description: String,
    /// Offered rate in messages per second (one-way latency runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// How consumers treated messages: read (the full oracle) or discard
    /// (taken off unread; count-only verdicts). Files written before
    /// consume modes existed always read.
    #[serde(default)]
    pub consume: Consume,
    /// The machine's floor beside the runs: the core-to-core round trip
    /// between the first producer's and the first consumer's cores,
    /// measured in every round (pinned placements with two cores or more).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<Floor>,
    /// What a reader must know about this configuration's setup (unequal
    /// buffering, a clamped batch), in words.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Every run, warm-up included, in the order they were made.
    #[serde(default)]
    pub runs: Vec<RunRecord>,
    /// Per implementation, over its measured runs.
    #[serde(default)]
    pub summary: Vec<Summary>,
}

impl Configuration {
    /// What identifies it across results files of a scenario of
    /// `topology`.
    pub fn key(&self, topology: Topology) -> ConfigurationKey {
        ConfigurationKey {
            topology,
            producers: self.producers,
            consumers: self.consumers,
            capacity: self.capacity,
            payload: self.payload,
            batch: self.batch,
            requested_batch: self.requested_batch,
            requested_wait: self.requested_wait,
            consume: self.consume,
            rate: self.rate,
        }
    }
}

/// What identifies a configuration across results files: its value on
/// every axis as the scenario asked for it (the wait strategy it ran with
/// depends on the machine, so the one asked for is the key's). Files are
/// matched on it (`compare`, the merge of child processes); its `Display`
/// is how a comparison names the configuration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConfigurationKey {
    /// Which threads talk to which.
    pub topology: Topology,
    /// Producer threads.
    pub producers: usize,
    /// Consumer threads.
    pub consumers: usize,
    /// Queue capacity in messages.
    pub capacity: usize,
    /// Message size in bytes.
    pub payload: usize,
    /// Messages per publish and most per consume.
    pub batch: usize,
    /// The batch asked for, where it was clamped to the capacity.
    pub requested_batch: Option<usize>,
    /// The wait strategy asked for.
    pub requested_wait: WaitStrategy,
    /// How consumers treated messages.
    pub consume: Consume,
    /// Offered rate, messages per second (one-way latency).
    pub rate: Option<f64>,
}

impl ConfigurationKey {
    /// Writes the key, with `(ran WAIT)` after the wait asked for where the
    /// runs used another (`ran`).
    fn write(&self, f: &mut impl std::fmt::Write, ran: Option<WaitStrategy>) -> std::fmt::Result {
        write!(
            f,
            "{} · P{} C{} · capacity {} · {} B · batch {}",
            self.topology, self.producers, self.consumers, self.capacity, self.payload, self.batch
        )?;
        if let Some(asked) = self.requested_batch {
            write!(f, " (asked {asked}, clamped to the capacity)")?;
        }
        write!(f, " · wait {}", self.requested_wait)?;
        if let Some(ran) = ran {
            write!(f, " (ran {ran})")?;
        }
        if self.consume != Consume::Read {
            write!(f, " · consume {} (unread, count-only oracle)", self.consume)?;
        }
        if let Some(rate) = self.rate {
            write!(f, " · offered {rate:.0} msg/s")?;
        }
        Ok(())
    }
}

impl std::fmt::Display for ConfigurationKey {
    /// `mpsc · P2 C1 · capacity 1024 · 8 B · batch 64 · wait spin_yield`,
    /// then what differs from the defaults: the batch asked for where it
    /// was clamped, `consume discard`, the offered rate.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.write(f, None)
    }
}

impl Configuration {
    /// The configuration's heading in tables and on the page: its key
    /// ([`ConfigurationKey`]'s `Display`, with the wait used after the one
    /// asked for where they differ), then where it ran: the placement,
    /// `OVERSUBSCRIBED`.
    pub fn heading(&self, topology: Topology) -> String {
        let mut text = String::new();
        let ran = (self.wait != self.requested_wait).then_some(self.wait);
        let _ = self.key(topology).write(&mut text, ran);
        if !self.placement_description.is_empty() {
            text.push_str(" · ");
            text.push_str(&self.placement_description);
        }
        if self.oversubscribed {
            text.push_str(" · OVERSUBSCRIBED");
        }
        text
    }
}

/// A floor is unstable when its largest round trip over the measured
/// rounds exceeds its smallest by more than this factor: the hypervisor
/// moved the placement's vCPUs between rounds.
pub const FLOOR_UNSTABLE_FACTOR: f64 = 2.0;

/// The base case's name in results files: the harness's own per-message
/// work with no queue, run beside the implementations.
pub const BASE: &str = "base";

/// The core-to-core round trip measured in every round of a configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Floor {
    /// The two cores (first producer's, first consumer's).
    pub cores: (usize, usize),
    /// Each round's median round trip, in ns (`None` where it could not be
    /// measured).
    #[serde(default)]
    pub rounds: Vec<FloorRound>,
    /// Median over the measured rounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_ns: Option<f64>,
    /// Smallest and largest over the measured rounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_ns: Option<(f64, f64)>,
    /// The largest exceeded the smallest by more than
    /// [`FLOOR_UNSTABLE_FACTOR`]: the placement moved during the sweep.
    #[serde(default)]
    pub unstable: bool,
}

/// One round's floor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FloorRound {
    /// Round of the interleaving (warm-up rounds first).
    pub round: u32,
    /// Whether it was a warm-up round.
    #[serde(default)]
    pub warmup: bool,
    /// Median round trip, ns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_trip_ns: Option<f64>,
}

impl Floor {
    /// The round trip of `round`, ns.
    pub fn at(&self, round: u32) -> Option<f64> {
        self.rounds
            .iter()
            .find(|r| r.round == round)
            .and_then(|r| r.round_trip_ns)
            .filter(|ns| *ns > 0.0)
    }
}

/// One run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Implementation name.
    pub implementation: String,
    /// Round of the interleaving (warm-up rounds first).
    #[serde(default)]
    pub round: u32,
    /// Whether it was a warm-up run (not measured).
    #[serde(default)]
    pub warmup: bool,
    /// How it ended.
    pub outcome: Outcome,
    /// Messages per second, when the oracle passed it.
    #[serde(default)]
    pub throughput: Option<f64>,
    /// The process it ran in, when the rounds ran in several
    /// (`--processes`, `--layouts`, `ab`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process: Option<u32>,
    /// The layout (build) it ran in, when there were several
    /// ([`Levels::layouts`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<u32>,
}

/// One implementation's figures at one configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Implementation name.
    pub implementation: String,
    /// How it waited, in words (`blocking (native)` for channels; the
    /// reason for an unavailable one).
    #[serde(default)]
    pub wait: String,
    /// Measured runs made.
    #[serde(default)]
    pub measured_runs: u32,
    /// Measured runs the oracle passed.
    #[serde(default)]
    pub passed_runs: u32,
    /// A pass when every measured and warm-up run passed; otherwise the
    /// worst label seen ([`Label::severity`]).
    pub verdict: Label,
    /// Median throughput over passed measured runs, messages per second.
    #[serde(default)]
    pub median: Option<f64>,
    /// Lowest throughput over passed measured runs.
    #[serde(default)]
    pub min: Option<f64>,
    /// Highest throughput over passed measured runs.
    #[serde(default)]
    pub max: Option<f64>,
    /// Median over rounds of (this / baseline) in the same round.
    #[serde(default)]
    pub ratio_to_baseline: Option<f64>,
    /// Lowest per-round ratio.
    #[serde(default)]
    pub ratio_min: Option<f64>,
    /// Highest per-round ratio.
    #[serde(default)]
    pub ratio_max: Option<f64>,
    /// With several consumers: the median over passed runs of the smallest
    /// and of the largest share of the deliveries one consumer made (an
    /// even split of a work-sharing run gives 1 / consumers for both).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumer_share: Option<(f64, f64)>,
    /// 95% percentile-bootstrap interval of the median throughput.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throughput_ci: Option<(f64, f64)>,
    /// 95% percentile-bootstrap interval of the median per-round ratio to
    /// the baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio_ci: Option<(f64, f64)>,
    /// Median over passed runs of the CPU time of every run thread divided
    /// by the messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_ns_per_message: Option<f64>,
    /// Median over passed runs of allocations in the measured region per
    /// message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocations_per_message: Option<f64>,
    /// The same for bytes allocated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocated_bytes_per_message: Option<f64>,
    /// Event counters per message, measured or unavailable and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counters: Vec<CounterValue>,
    /// Latency percentiles and histograms (latency and ping-pong scenarios).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<Latency>,
    /// SPSC and ping-pong: the median over measured rounds of each run's
    /// p50 round trip (or ns per message) as a multiple of the floor
    /// measured in the same round (the configuration's `floor`; where it
    /// has none, `machine.core_to_core_round_trip_ns`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_multiple: Option<f64>,
    /// 95% percentile-bootstrap interval of `floor_multiple`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_multiple_ci: Option<(f64, f64)>,
    /// With several layouts: the lowest and highest of the layouts' median
    /// throughputs (the between-layout interval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout_range: Option<(f64, f64)>,
    /// With several layouts: the lowest and highest of the layouts'
    /// median per-round ratios to the baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio_layout_range: Option<(f64, f64)>,
}

/// What kind of interval a figure carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntervalKind {
    /// A 95% bootstrap confidence interval.
    Bootstrap,
    /// The lowest and highest value over passed measured runs or rounds.
    MinMax,
}

impl IntervalKind {
    /// Short words for tables.
    pub fn label(self) -> &'static str {
        match self {
            IntervalKind::Bootstrap => "95% CI",
            IntervalKind::MinMax => "min–max",
        }
    }
}

impl Summary {
    /// Whether its figures may be plotted: only passing verdicts, and only
    /// with a median.
    pub fn plottable(&self) -> bool {
        self.verdict.passes() && self.median.is_some()
    }

    /// The throughput interval and its kind: the bootstrap interval where
    /// present, else min-max over passed runs.
    pub fn throughput_interval(&self) -> Option<((f64, f64), IntervalKind)> {
        if let Some(ci) = self.throughput_ci {
            return Some((ci, IntervalKind::Bootstrap));
        }
        Some(((self.min?, self.max?), IntervalKind::MinMax))
    }

    /// The ratio interval and its kind: `ratio_ci` where present, else the
    /// per-round min-max.
    pub fn ratio_interval(&self) -> Option<((f64, f64), IntervalKind)> {
        if let Some(ci) = self.ratio_ci {
            return Some((ci, IntervalKind::Bootstrap));
        }
        self.ratio_min_max()
            .map(|interval| (interval, IntervalKind::MinMax))
    }

    /// The per-round min-max of the ratio.
    pub fn ratio_min_max(&self) -> Option<(f64, f64)> {
        Some((self.ratio_min?, self.ratio_max?))
    }

    /// The latency figure at `percentile` (e.g. 99.0), if recorded.
    pub fn latency_at(&self, percentile: f64) -> Option<f64> {
        self.latency
            .as_ref()
            .and_then(|latency| latency.at(percentile))
    }
}

/// Round trips or one-way latencies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LatencyKind {
    /// Ping-pong: one message there and back, one at a time.
    RoundTrip,
    /// Send to receive at a fixed offered rate.
    OneWay,
}

impl LatencyKind {
    /// As written in results (`round_trip`, `one_way`).
    pub fn name(self) -> &'static str {
        match self {
            LatencyKind::RoundTrip => "round_trip",
            LatencyKind::OneWay => "one_way",
        }
    }
}

/// One configuration's latency, over every passed measured run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// Round trips (ping-pong) or one-way latencies.
    pub kind: LatencyKind,
    /// Offered rate in messages per second (one-way runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offered_rate: Option<f64>,
    /// `tsc` or `instant`.
    #[serde(default)]
    pub timer: String,
    /// `(percentile, ns)`; for one-way runs measured from the intended send
    /// time (corrected for coordinated omission).
    #[serde(default)]
    pub percentiles_ns: Vec<(f64, f64)>,
    /// `(percentile, ns)` measured from the actual send time; empty for
    /// round trips.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_time_percentiles_ns: Vec<(f64, f64)>,
    /// Encoded merged histogram (the corrected one for one-way runs).
    #[serde(default)]
    pub histogram: String,
    /// Encoded merged service-time histogram (one-way runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_histogram: Option<String>,
    /// Values recorded.
    #[serde(default)]
    pub samples: u64,
    /// One-way runs: receipts timed earlier than their send (the two
    /// cores' clocks disagree by more than the latency); each was recorded
    /// as 1 ns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backwards_samples: Option<u64>,
}

impl Latency {
    /// Whether these are ping-pong round trips, not one-way latencies.
    pub fn is_round_trip(&self) -> bool {
        self.kind == LatencyKind::RoundTrip
    }

    /// The figure at `percentile` (e.g. 99.0), if recorded.
    pub fn at(&self, percentile: f64) -> Option<f64> {
        self.percentiles_ns
            .iter()
            .find(|(p, _)| (p - percentile).abs() < 1e-9)
            .map(|&(_, value)| value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configuration() -> Configuration {
        serde_json::from_value(serde_json::json!({
            "producers": 2,
            "consumers": 1,
            "capacity": 64,
            "payload": 8,
            "batch": 64,
            "requested_batch": 128,
            "requested_wait": "busy_spin",
            "wait": "spin_yield",
            "oversubscribed": true,
            "placement_description": "unpinned",
            "consume": "discard",
        }))
        .expect("a configuration")
    }

    #[test]
    fn the_key_names_the_axes_and_the_heading_adds_how_it_ran() {
        let configuration = configuration();
        assert_eq!(
            configuration.key(Topology::Mpsc).to_string(),
            "mpsc · P2 C1 · capacity 64 · 8 B · batch 64 (asked 128, clamped to the capacity) \
             · wait busy_spin · consume discard (unread, count-only oracle)"
        );
        assert_eq!(
            configuration.heading(Topology::Mpsc),
            "mpsc · P2 C1 · capacity 64 · 8 B · batch 64 (asked 128, clamped to the capacity) \
             · wait busy_spin (ran spin_yield) · consume discard (unread, count-only oracle) \
             · unpinned · OVERSUBSCRIBED"
        );
        // The key ignores how it ran; another topology is another key.
        let elsewhere = Configuration {
            wait: WaitStrategy::BusySpin,
            oversubscribed: false,
            ..configuration.clone()
        };
        assert_eq!(
            elsewhere.key(Topology::Mpsc),
            configuration.key(Topology::Mpsc)
        );
        assert_ne!(
            configuration.key(Topology::MpmcWorkerPool),
            configuration.key(Topology::Mpsc)
        );
    }
}
