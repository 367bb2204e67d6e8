//! A lenient, read-only view of a `ringlab.results/1` file.
//!
//! The harness owns the schema; this view reads what a report needs and
//! ignores everything else, so files written before or after optional
//! fields were added load alike. Fields the measurement code adds over
//! time (intervals, CPU time, counters, latency, the machine's ceiling) are
//! optional here: a report shows them where present and omits them where
//! absent.

use std::path::PathBuf;

use serde::Deserialize;

/// The schema identifier this view reads.
pub const SCHEMA: &str = "ringlab.results/1";

/// One results file, as read by [`crate::load`].
#[derive(Clone, Debug, Deserialize)]
pub struct ResultsFile {
    /// Where it was read from (set by [`crate::load`]).
    #[serde(skip)]
    pub path: PathBuf,
    /// The schema identifier, always [`SCHEMA`] once loaded.
    pub schema: String,
    /// The command line that produced it.
    #[serde(default)]
    pub command: Vec<String>,
    /// Seconds since the Unix epoch when the sweep started.
    #[serde(default)]
    pub started_at_unix: Option<u64>,
    /// Seconds since the Unix epoch when it ended.
    #[serde(default)]
    pub finished_at_unix: Option<u64>,
    /// The scenario as run.
    pub scenario: Scenario,
    /// Where and how it was measured.
    #[serde(default)]
    pub provenance: Provenance,
    /// The machine's ceiling and what could be measured on it.
    #[serde(default)]
    pub machine: Option<Machine>,
    /// Each implementation that took part.
    #[serde(default)]
    pub implementations: Vec<Implementation>,
    /// One entry per point of the sweep.
    #[serde(default)]
    pub configurations: Vec<Configuration>,
}

impl ResultsFile {
    /// Whether its runs are broadcasts (`mpmc_fanout`), where channel
    /// designs emulate fan-out with one queue per consumer.
    pub fn is_fanout(&self) -> bool {
        self.scenario.topology == "mpmc_fanout"
    }

    /// The file name without its extension, e.g. `spsc-20261125T141655Z`.
    pub fn stem(&self) -> String {
        self.path.file_stem().map_or_else(
            || "results".to_owned(),
            |s| s.to_string_lossy().into_owned(),
        )
    }

    /// The record of the implementation called `name`, if the file has one.
    pub fn implementation(&self, name: &str) -> Option<&Implementation> {
        self.implementations.iter().find(|i| i.name == name)
    }
}

/// The scenario's parameters.
#[derive(Clone, Debug, Deserialize)]
pub struct Scenario {
    /// Scenario name.
    pub name: String,
    /// Its description.
    #[serde(default)]
    pub description: String,
    /// Topology name (`spsc`, `mpsc`, `mpmc_worker_pool`, `mpmc_fanout`, ...).
    pub topology: String,
    /// Implementations in run order.
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
    /// Warm-up runs per implementation and configuration.
    #[serde(default)]
    pub warmup: u32,
    /// Whether `--quick` shrank the run.
    #[serde(default)]
    pub quick: bool,
    /// `throughput`, `latency` or `pingpong`; absent in older files, which
    /// are throughput runs.
    #[serde(default)]
    pub kind: Option<String>,
    /// Whether busy-spinning was kept on oversubscribed configurations.
    #[serde(default)]
    pub allow_spin_oversubscribed: bool,
}

/// The machine, the build and the source.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Provenance {
    /// Git commit, when it could be read.
    #[serde(default)]
    pub git_commit: Option<String>,
    /// Whether tracked files differed from that commit.
    #[serde(default)]
    pub git_dirty: Option<bool>,
    /// Compiler version.
    #[serde(default)]
    pub rustc: String,
    /// `release` or `debug`.
    #[serde(default)]
    pub profile: String,
    /// CPU model.
    #[serde(default)]
    pub cpu_model: Option<String>,
    /// Logical cores the OS reports.
    #[serde(default)]
    pub logical_cores: usize,
    /// Cores the process could run on.
    #[serde(default)]
    pub usable_cores: Vec<usize>,
    /// Kernel release.
    #[serde(default)]
    pub kernel: Option<String>,
    /// Host name.
    #[serde(default)]
    pub hostname: Option<String>,
    /// Load averages at the start.
    #[serde(default)]
    pub load_average_at_start: Option<[f64; 3]>,
}

/// What the machine allows, measured once per invocation.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Machine {
    /// Median round trip of a cache line between two pinned cores, in ns.
    #[serde(default)]
    pub core_to_core_round_trip_ns: Option<f64>,
    /// The two cores of that round trip.
    #[serde(default)]
    pub core_to_core_cores: Option<(usize, usize)>,
    /// Single-thread copy bandwidth, bytes per second.
    #[serde(default)]
    pub copy_bandwidth_bytes_per_sec: Option<f64>,
    /// The timer used for latency.
    #[serde(default)]
    pub timer: Option<Timer>,
    /// Which counters could be read.
    #[serde(default)]
    pub counters: Vec<CounterAvailability>,
    /// Anything else worth knowing.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// The timer latency was measured with.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Timer {
    /// `tsc` or `instant`.
    #[serde(default)]
    pub source: String,
    /// Cost of one reading, ns.
    #[serde(default)]
    pub cost_ns: Option<f64>,
    /// Resolution, ns.
    #[serde(default)]
    pub resolution_ns: Option<f64>,
    /// A remark on it.
    #[serde(default)]
    pub note: String,
}

/// Whether one counter could be read on the machine.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CounterAvailability {
    /// Counter name.
    pub name: String,
    /// `measured` or `unavailable`.
    #[serde(default)]
    pub status: String,
    /// `hardware`, `software`, `task_clock`, `getrusage` or empty.
    #[serde(default)]
    pub source: String,
    /// Why it is unavailable.
    #[serde(default)]
    pub reason: Option<String>,
}

/// An implementation's description.
#[derive(Clone, Debug, Deserialize)]
pub struct Implementation {
    /// Its name.
    pub name: String,
    /// One line on what it is.
    #[serde(default)]
    pub summary: String,
    /// `global_fifo` or `per_producer_fifo`.
    #[serde(default)]
    pub ordering: String,
    /// `configurable` or `blocking`.
    #[serde(default)]
    pub wait_class: String,
    /// `native`, `per_message` or `vec_per_batch`.
    #[serde(default)]
    pub batching: String,
    /// Whether fan-out is emulated with one queue per consumer.
    #[serde(default)]
    pub fanout_emulated: bool,
}

/// One point of the sweep.
#[derive(Clone, Debug, Deserialize)]
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
    /// The batch the scenario asked for, when it was larger than the
    /// capacity and clamped to it; absent otherwise.
    #[serde(default)]
    pub requested_batch: Option<usize>,
    /// Wait strategy the scenario asked for.
    #[serde(default)]
    pub requested_wait: String,
    /// Wait strategy used.
    #[serde(default)]
    pub wait: String,
    /// Offered rate in messages per second (one-way latency runs).
    #[serde(default)]
    pub rate: Option<f64>,
    /// What consumers do with a message: `read` (the fair workload, full
    /// oracle) or `discard` (count-only); absent in older files, which
    /// always read.
    #[serde(default)]
    pub consume: Option<String>,
    /// More threads than cores.
    #[serde(default)]
    pub oversubscribed: bool,
    /// What a reader must know about the setup (unequal buffering, a
    /// clamped batch), in words.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Where the threads ran, in words.
    #[serde(default)]
    pub placement_description: String,
    /// Every run, warm-up included.
    #[serde(default)]
    pub runs: Vec<Run>,
    /// Per implementation, over its measured runs.
    #[serde(default)]
    pub summary: Vec<Summary>,
}

impl Configuration {
    /// The consume mode, `read` where the file does not say.
    pub fn consume_mode(&self) -> &str {
        self.consume.as_deref().unwrap_or("read")
    }

    /// The wait strategy that identifies the configuration across files
    /// (the requested one: the effective one depends on the machine).
    pub fn wait_key(&self) -> &str {
        if self.requested_wait.is_empty() {
            &self.wait
        } else {
            &self.requested_wait
        }
    }
}

/// One run.
#[derive(Clone, Debug, Deserialize)]
pub struct Run {
    /// Implementation name.
    pub implementation: String,
    /// Round of the interleaving.
    #[serde(default)]
    pub round: u32,
    /// Whether it was a warm-up run.
    #[serde(default)]
    pub warmup: bool,
    /// How it ended.
    pub outcome: Outcome,
    /// Messages per second, when the oracle passed it.
    #[serde(default)]
    pub throughput: Option<f64>,
}

/// How a run ended (`status` is `completed`, `timed_out`, `build_failed`
/// or `crashed`).
#[derive(Clone, Debug, Deserialize)]
pub struct Outcome {
    /// The kind of ending.
    pub status: String,
    /// The oracle's finding, for completed runs.
    #[serde(default)]
    pub verdict: Option<Verdict>,
    /// Deliveries when the watchdog stopped the run.
    #[serde(default)]
    pub delivered: Option<u64>,
    /// Threads abandoned by the watchdog.
    #[serde(default)]
    pub abandoned_threads: Option<usize>,
    /// What went wrong, for build failures and crashes.
    #[serde(default)]
    pub error: Option<String>,
    /// Why an unavailable implementation could not run.
    #[serde(default)]
    pub reason: Option<String>,
}

impl Outcome {
    /// Whether the run completed and the oracle passed it.
    pub fn passed(&self) -> bool {
        self.status == "completed" && self.verdict.as_ref().is_some_and(|v| v.passed)
    }

    /// Whether it failed: anything but a pass, except an implementation
    /// that could not run on the machine (`unavailable`: nothing ran).
    pub fn failed(&self) -> bool {
        !self.passed() && !self.unavailable()
    }

    /// Whether the implementation could not run on the machine (a
    /// foreign runtime not installed).
    pub fn unavailable(&self) -> bool {
        self.status == "unavailable"
    }

    /// One word: `pass`, `FAIL`, `timeout`, `build error`, `crash` or the
    /// status as written (`unavailable`).
    pub fn label(&self) -> String {
        match self.status.as_str() {
            "completed" if self.passed() => "pass".to_owned(),
            "completed" => "FAIL".to_owned(),
            "timed_out" => "timeout".to_owned(),
            "build_failed" => "build error".to_owned(),
            "crashed" => "crash".to_owned(),
            other => other.to_owned(),
        }
    }

    /// What happened, in words.
    pub fn detail(&self) -> String {
        match self.status.as_str() {
            "completed" => self
                .verdict
                .as_ref()
                .map(|v| v.problems.join("; "))
                .unwrap_or_default(),
            "timed_out" => format!(
                "stopped by the watchdog after {} deliveries; {} threads abandoned",
                self.delivered.unwrap_or(0),
                self.abandoned_threads.unwrap_or(0)
            ),
            "unavailable" => self.reason.clone().unwrap_or_default(),
            _ => self.error.clone().unwrap_or_default(),
        }
    }
}

/// The oracle's finding.
#[derive(Clone, Debug, Deserialize)]
pub struct Verdict {
    /// Whether every guarantee checked held.
    pub passed: bool,
    /// Each violation, in words.
    #[serde(default)]
    pub problems: Vec<String>,
}

/// One implementation's figures at one configuration.
#[derive(Clone, Debug, Deserialize)]
pub struct Summary {
    /// Implementation name.
    pub implementation: String,
    /// How it waited.
    #[serde(default)]
    pub wait: String,
    /// Measured runs made.
    #[serde(default)]
    pub measured_runs: u32,
    /// Measured runs the oracle passed.
    #[serde(default)]
    pub passed_runs: u32,
    /// `pass`, `pass (count only)`, `FAIL`, `crash`, `timeout`, `build error`.
    pub verdict: String,
    /// Median throughput, messages per second.
    #[serde(default)]
    pub median: Option<f64>,
    /// Lowest throughput.
    #[serde(default)]
    pub min: Option<f64>,
    /// Highest throughput.
    #[serde(default)]
    pub max: Option<f64>,
    /// 95% bootstrap interval of the median throughput.
    #[serde(default)]
    pub throughput_ci: Option<(f64, f64)>,
    /// Median over rounds of (this / baseline) in the same round.
    #[serde(default)]
    pub ratio_to_baseline: Option<f64>,
    /// Lowest per-round ratio.
    #[serde(default)]
    pub ratio_min: Option<f64>,
    /// Highest per-round ratio.
    #[serde(default)]
    pub ratio_max: Option<f64>,
    /// 95% bootstrap interval of the median ratio.
    #[serde(default)]
    pub ratio_ci: Option<(f64, f64)>,
    /// Smallest and largest share of deliveries one consumer made.
    #[serde(default)]
    pub consumer_share: Option<(f64, f64)>,
    /// CPU time of all run threads per message, ns.
    #[serde(default)]
    pub cpu_ns_per_message: Option<f64>,
    /// Heap allocations per message in the measured region.
    #[serde(default)]
    pub allocations_per_message: Option<f64>,
    /// Heap bytes allocated per message in the measured region.
    #[serde(default)]
    pub allocated_bytes_per_message: Option<f64>,
    /// Counters per message.
    #[serde(default)]
    pub counters: Vec<CounterValue>,
    /// Latency percentiles, where latency was measured.
    #[serde(default)]
    pub latency: Option<Latency>,
    /// p50 round trip (or ns per message) as a multiple of the machine's
    /// core-to-core round trip.
    #[serde(default)]
    pub floor_multiple: Option<f64>,
}

impl Summary {
    /// Whether its figures may be plotted: only verdicts `pass` and
    /// `pass (count only)`, and only with a median.
    pub fn plottable(&self) -> bool {
        verdict_passes(&self.verdict) && self.median.is_some()
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
        self.latency.as_ref().and_then(|latency| {
            latency
                .percentiles_ns
                .iter()
                .find(|(p, _)| (p - percentile).abs() < 1e-9)
                .map(|&(_, value)| value)
        })
    }
}

/// Whether a verdict counts as passed (plotted and compared).
pub fn verdict_passes(verdict: &str) -> bool {
    verdict == "pass" || verdict == "pass (count only)"
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

/// One counter's value per message.
#[derive(Clone, Debug, Deserialize)]
pub struct CounterValue {
    /// Counter name.
    pub name: String,
    /// Its unit (e.g. `cycles`, `instructions`, `switches`).
    #[serde(default)]
    pub unit: String,
    /// `measured` or `unavailable`.
    #[serde(default)]
    pub status: String,
    /// Where it came from.
    #[serde(default)]
    pub source: String,
    /// Its value per message; absent when unavailable (never zero for that).
    #[serde(default)]
    pub per_message: Option<f64>,
    /// Why it is unavailable.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Latency percentiles of one implementation at one configuration.
#[derive(Clone, Debug, Deserialize)]
pub struct Latency {
    /// `round_trip` or `one_way`.
    #[serde(default)]
    pub kind: String,
    /// Offered rate for one-way runs, messages per second.
    #[serde(default)]
    pub offered_rate: Option<f64>,
    /// The timer used.
    #[serde(default)]
    pub timer: String,
    /// (percentile, ns), corrected for coordinated omission on one-way runs.
    #[serde(default)]
    pub percentiles_ns: Vec<(f64, f64)>,
    /// (percentile, ns) measured from the actual send time; empty for
    /// round trips.
    #[serde(default)]
    pub service_time_percentiles_ns: Vec<(f64, f64)>,
    /// Number of samples.
    #[serde(default)]
    pub samples: u64,
}

impl Latency {
    /// Whether these are ping-pong round trips (`round_trip`), not
    /// one-way latencies.
    pub fn is_round_trip(&self) -> bool {
        self.kind == "round_trip"
    }
}
