//! The results file: one JSON document per invocation, written atomically.
//!
//! Schema `ringlab.results/1`. Throughputs are in messages per second, where
//! a message is one published message (a fan-out run delivers each to every
//! consumer; `verdict.delivered` counts deliveries).

use std::io::Write;
use std::path::{Path, PathBuf};

use impls::Info;
use serde::{Deserialize, Serialize};

use crate::counters::CounterValue;
use crate::latency::Latency;
use crate::machine::Machine;
use crate::placement::Placement;
use crate::provenance::Provenance;
use crate::runner::Outcome;

/// Schema identifier written into every results file.
pub const SCHEMA: &str = "ringlab.results/1";

/// Everything one invocation measured.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Results {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The command line, as typed.
    pub command: Vec<String>,
    /// Seconds since the Unix epoch when the sweep started.
    pub started_at_unix: u64,
    /// Seconds since the Unix epoch when it ended.
    pub finished_at_unix: u64,
    /// The scenario as run (after command-line overrides).
    pub scenario: ScenarioRecord,
    /// Where and how.
    pub provenance: Provenance,
    /// Each implementation that took part.
    pub implementations: Vec<ImplementationRecord>,
    /// One entry per point of the sweep.
    pub configurations: Vec<Configuration>,
    /// The machine's ceiling, timer and counters, measured once per
    /// invocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<Machine>,
}

/// The scenario's parameters as run.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScenarioRecord {
    /// Scenario name (file stem).
    pub name: String,
    /// File it was loaded from.
    pub path: PathBuf,
    /// Its description.
    pub description: String,
    /// Topology name.
    pub topology: String,
    /// Implementations, in run order.
    pub implementations: Vec<String>,
    /// The implementation ratios are taken against.
    pub baseline: String,
    /// Messages per run.
    pub messages: u64,
    /// Measured repetitions per implementation and configuration.
    pub repetitions: u32,
    /// Unmeasured warm-up runs per implementation and configuration.
    pub warmup: u32,
    /// Watchdog deadline per run, in seconds.
    pub timeout_secs: f64,
    /// Whether `--quick` shrank it.
    pub quick: bool,
    /// `throughput`, `latency` or `pingpong`.
    #[serde(default = "throughput")]
    pub kind: String,
    /// Whether busy-spinning was kept on oversubscribed configurations.
    pub allow_spin_oversubscribed: bool,
}

/// The kind of results files written before scenarios had one.
fn throughput() -> String {
    "throughput".to_owned()
}

/// An implementation's description, as recorded.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ImplementationRecord {
    /// Its name.
    pub name: String,
    /// One line on what it is.
    pub summary: String,
    /// `global_fifo` or `per_producer_fifo`.
    pub ordering: String,
    /// `configurable` or `blocking`.
    pub wait_class: String,
    /// `native`, `per_message` or `vec_per_batch`.
    pub batching: String,
    /// Whether fan-out is emulated with one queue per consumer.
    pub fanout_emulated: bool,
    /// Whether it holds at most its capacity (`false`: unbounded; files
    /// written before this field knew no unbounded implementation).
    #[serde(default = "bounded")]
    pub bounded: bool,
}

/// What files written before `bounded` was recorded mean.
fn bounded() -> bool {
    true
}

impl ImplementationRecord {
    /// The record of the base case (no queue; the harness's own cost).
    pub fn base() -> Self {
        Self {
            name: crate::runner::BASE.to_owned(),
            summary: crate::runner::BASE_SUMMARY.to_owned(),
            ordering: "global_fifo".to_owned(),
            wait_class: "none".to_owned(),
            batching: "none".to_owned(),
            fanout_emulated: false,
            bounded: true,
        }
    }
}

impl From<&Info> for ImplementationRecord {
    fn from(info: &Info) -> Self {
        Self {
            name: info.name.to_owned(),
            summary: info.summary.to_owned(),
            ordering: info.ordering.name().to_owned(),
            wait_class: info.wait_class.name().to_owned(),
            batching: info.batching.name().to_owned(),
            fanout_emulated: info.fanout_emulated,
            bounded: info.bounded,
        }
    }
}

fn read() -> String {
    "read".to_owned()
}

/// One point of the sweep and every run made at it.
#[derive(Clone, Debug, Serialize, Deserialize)]
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
    /// Wait strategy the scenario asked for.
    pub requested_wait: String,
    /// Wait strategy used (spin_yield replaces busy-spinning when
    /// oversubscribed, unless allowed).
    pub wait: String,
    /// More threads than cores.
    pub oversubscribed: bool,
    /// Where the threads went.
    pub placement: Placement,
    /// The placement in words.
    pub placement_description: String,
    /// Offered rate in messages per second (one-way latency runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// How consumers treated messages: `read` (the full oracle) or
    /// `discard` (taken off unread; count-only verdicts).
    #[serde(default = "read")]
    pub consume: String,
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
    pub runs: Vec<RunRecord>,
    /// Per implementation, over its measured runs.
    pub summary: Vec<Summary>,
}

/// A floor is unstable when its largest round trip over the measured
/// rounds exceeds its smallest by more than this factor: the hypervisor
/// moved the placement's vCPUs between rounds.
pub const FLOOR_UNSTABLE_FACTOR: f64 = 2.0;

/// The core-to-core round trip measured in every round of a configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Floor {
    /// The two cores (first producer's, first consumer's).
    pub cores: (usize, usize),
    /// Each round's median round trip, in ns (`None` where it could not be
    /// measured).
    pub rounds: Vec<FloorRound>,
    /// Median over the measured rounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub median_ns: Option<f64>,
    /// Smallest and largest over the measured rounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_ns: Option<(f64, f64)>,
    /// The largest exceeded the smallest by more than
    /// [`FLOOR_UNSTABLE_FACTOR`]: the placement moved during the sweep.
    pub unstable: bool,
}

/// One round's floor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FloorRound {
    /// Round of the interleaving (warm-up rounds first).
    pub round: u32,
    /// Whether it was a warm-up round.
    pub warmup: bool,
    /// Median round trip, ns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round_trip_ns: Option<f64>,
}

impl Floor {
    /// Summarises `rounds` measured between `cores`.
    pub fn new(cores: (usize, usize), rounds: Vec<FloorRound>) -> Self {
        let measured: Vec<f64> = rounds
            .iter()
            .filter(|r| !r.warmup)
            .filter_map(|r| r.round_trip_ns)
            .collect();
        let range_ns = crate::stats::min_max(&measured);
        Self {
            cores,
            median_ns: crate::stats::median(&measured),
            unstable: range_ns.is_some_and(|(low, high)| high > low * FLOOR_UNSTABLE_FACTOR),
            range_ns,
            rounds,
        }
    }

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
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunRecord {
    /// Implementation name.
    pub implementation: String,
    /// Round of the interleaving (warm-up rounds first).
    pub round: u32,
    /// Whether it was a warm-up run (not measured).
    pub warmup: bool,
    /// How it ended.
    pub outcome: Outcome,
    /// Messages per second, when the oracle passed it.
    pub throughput: Option<f64>,
}

/// One implementation's figures at one configuration.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Summary {
    /// Implementation name.
    pub implementation: String,
    /// How it waited (`blocking (native)` for channels).
    pub wait: String,
    /// Measured runs made.
    pub measured_runs: u32,
    /// Measured runs the oracle passed.
    pub passed_runs: u32,
    /// `pass` when every measured and warm-up run passed; otherwise the
    /// worst outcome seen (`FAIL`, `crash`, `timeout`, `build error`).
    pub verdict: String,
    /// Median throughput over passed measured runs, messages per second.
    pub median: Option<f64>,
    /// Lowest throughput over passed measured runs.
    pub min: Option<f64>,
    /// Highest throughput over passed measured runs.
    pub max: Option<f64>,
    /// Median over rounds of (this / baseline) in the same round.
    pub ratio_to_baseline: Option<f64>,
    /// Lowest per-round ratio.
    pub ratio_min: Option<f64>,
    /// Highest per-round ratio.
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
}

/// Writes `results` to `dir/NAME.json` atomically (a temporary file in the
/// same folder, flushed, then renamed), creating `dir` if needed.
pub fn write(results: &impl Serialize, dir: &Path, name: &str) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{name}.json"));
    let temporary = dir.join(format!(".{name}.json.partial"));
    let mut file = std::fs::File::create(&temporary)?;
    serde_json::to_writer_pretty(&mut file, results)?;
    file.write_all(b"\n")?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&temporary, &path)?;
    Ok(path)
}

/// `YYYYMMDDTHHMMSSZ` for a Unix time, for file names.
pub fn timestamp(unix_seconds: u64) -> String {
    let days = (unix_seconds / 86_400) as i64;
    let seconds_of_day = unix_seconds % 86_400;
    // Howard Hinnant's days-to-civil conversion.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        seconds_of_day / 3600,
        seconds_of_day / 60 % 60,
        seconds_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_names_are_their_serialised_forms() {
        use impls::{Batching, OrderingGuarantee, WaitClass};
        let serialised = |value: serde_json::Value| value.as_str().unwrap().to_owned();
        for ordering in [
            OrderingGuarantee::GlobalFifo,
            OrderingGuarantee::PerProducerFifo,
        ] {
            assert_eq!(
                ordering.name(),
                serialised(serde_json::to_value(ordering).unwrap())
            );
        }
        for wait in [WaitClass::Configurable, WaitClass::Blocking] {
            assert_eq!(wait.name(), serialised(serde_json::to_value(wait).unwrap()));
        }
        for batching in [
            Batching::Native,
            Batching::PerMessage,
            Batching::VecPerBatch,
        ] {
            assert_eq!(
                batching.name(),
                serialised(serde_json::to_value(batching).unwrap())
            );
        }
    }

    fn round(round: u32, warmup: bool, ns: Option<f64>) -> FloorRound {
        FloorRound {
            round,
            warmup,
            round_trip_ns: ns,
        }
    }

    #[test]
    fn a_floor_that_moves_more_than_twofold_is_unstable() {
        let steady = Floor::new(
            (0, 1),
            vec![
                round(0, true, Some(65.0)),
                round(1, false, Some(452.0)),
                round(2, false, Some(491.0)),
                round(3, false, None),
            ],
        );
        // The warm-up round's 65 ns is not compared: measured rounds only.
        assert!(!steady.unstable, "{steady:?}");
        assert_eq!(steady.range_ns, Some((452.0, 491.0)));
        assert_eq!(steady.at(2), Some(491.0));
        assert_eq!(steady.at(3), None);
        let moved = Floor::new(
            (0, 1),
            vec![round(0, false, Some(452.0)), round(1, false, Some(910.0))],
        );
        assert!(moved.unstable, "{moved:?}");
        assert_eq!(moved.median_ns, Some(681.0));
    }

    #[test]
    fn timestamps_are_utc_civil_time() {
        assert_eq!(timestamp(0), "19700101T000000Z");
        assert_eq!(timestamp(951_782_400), "20000229T000000Z");
        assert_eq!(timestamp(1_795_000_000), "20261118T110640Z");
    }
}
