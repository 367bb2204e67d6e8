//! Where and on what a result was obtained: provenance, the machine's
//! ceiling and timer, its cores, its counters, and where a run's threads
//! were placed.

use core::fmt;

use serde::{Deserialize, Serialize};

/// The machine, the build and the source a result came from: enough to
/// judge whether two result files can be compared.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Git commit of the source tree, when it can be read.
    #[serde(default)]
    pub git_commit: Option<String>,
    /// Whether tracked files differed from that commit.
    #[serde(default)]
    pub git_dirty: Option<bool>,
    /// The folder the binary was built from (a crate of its own, or
    /// ringlab's harness); `git_commit` is that folder's repository's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<std::path::PathBuf>,
    /// ringlab's own commit, when the binary is a crate of its own in
    /// another repository (and ringlab's source can be read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ringlab_commit: Option<String>,
    /// Whether ringlab's tracked files differed from `ringlab_commit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ringlab_dirty: Option<bool>,
    /// `rustc --version` of the compiler that built the harness.
    #[serde(default)]
    pub rustc: String,
    /// `release` or `debug`; only release results are benchmarks.
    #[serde(default)]
    pub profile: String,
    /// CPU model name.
    #[serde(default)]
    pub cpu_model: Option<String>,
    /// CPU vendor, family and model numbers (`/proc/cpuinfo`'s
    /// `vendor_id`, `cpu family`, `model`): the model name alone does not
    /// tell one generation from another (several read "AMD EPYC").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_id: Option<CpuId>,
    /// Logical cores the OS reports.
    #[serde(default)]
    pub logical_cores: usize,
    /// Cores this process may run on (its affinity mask), in OS numbering.
    #[serde(default)]
    pub usable_cores: Vec<usize>,
    /// Kernel release.
    #[serde(default)]
    pub kernel: Option<String>,
    /// Host name.
    #[serde(default)]
    pub hostname: Option<String>,
    /// 1, 5 and 15 minute load averages when the invocation started.
    #[serde(default)]
    pub load_average_at_start: Option<[f64; 3]>,
}

/// Which CPU, by the numbers the processor reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuId {
    /// `GenuineIntel`, `AuthenticAMD`, ...
    pub vendor: String,
    /// The family number.
    pub family: u32,
    /// The model number within the family.
    pub model: u32,
}

impl fmt::Display for CpuId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} family {} model {}",
            self.vendor, self.family, self.model
        )
    }
}

/// What the machine allows (`machine` in results), measured once per
/// invocation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// Median round trip of a cache line bounced between two pinned threads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core_to_core_round_trip_ns: Option<f64>,
    /// The two cores it was bounced between.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core_to_core_cores: Option<(usize, usize)>,
    /// How those two cores relate, from sysfs (SMT siblings or separate
    /// cores, shared caches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core_to_core_relation: Option<String>,
    /// What sysfs says of every usable core.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topology: Vec<CpuTopology>,
    /// Single-thread copy bandwidth (large `copy_from_slice`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_bandwidth_bytes_per_sec: Option<f64>,
    /// The latency timer.
    #[serde(default)]
    pub timer: Timer,
    /// Every counter, measured or unavailable and why.
    #[serde(default)]
    pub counters: Vec<CounterAvailability>,
    /// Anything that limits these figures.
    #[serde(default)]
    pub notes: Vec<String>,
}

/// The timer as recorded in results (`machine.timer`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timer {
    /// `tsc` or `instant`.
    #[serde(default)]
    pub source: String,
    /// Cost of one reading, in nanoseconds (the median over batches of the
    /// mean over back-to-back reads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_ns: Option<f64>,
    /// Smallest non-zero step between two back-to-back readings, in
    /// nanoseconds; `None` when no reading moved (a clock coarser than the
    /// whole measurement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_ns: Option<f64>,
    /// Why this source, and the TSC rate when it is the TSC.
    #[serde(default)]
    pub note: String,
}

/// One core as sysfs describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpuTopology {
    /// The core's number, as the OS numbers them.
    pub cpu: usize,
    /// `topology/core_id`: the physical core.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub core_id: Option<usize>,
    /// `topology/physical_package_id`: the socket.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<usize>,
    /// `topology/thread_siblings_list`: the logical cores of its physical
    /// core, itself included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smt_siblings: Option<String>,
    /// Its caches.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caches: Vec<Cache>,
}

/// One cache of a core (`cache/indexN`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cache {
    /// 1, 2, 3...
    pub level: u8,
    /// `Data`, `Instruction` or `Unified`.
    pub kind: String,
    /// As sysfs writes it (`32K`).
    pub size: String,
    /// `shared_cpu_list`: the cores that share it.
    pub shared_with: String,
}

/// Whether a counter was read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CounterStatus {
    /// It was read.
    Measured,
    /// It could not be read here (the reason says why).
    #[default]
    Unavailable,
}

impl CounterStatus {
    /// As written in results and tables.
    pub fn name(self) -> &'static str {
        match self {
            CounterStatus::Measured => "measured",
            CounterStatus::Unavailable => "unavailable",
        }
    }
}

impl fmt::Display for CounterStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// Which counting mechanism produced a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CounterSource {
    /// The hardware PMU, kernel time included.
    Hardware,
    /// The hardware PMU, user time only (kernel counting refused).
    HardwareUser,
    /// Software events with kernel counting on.
    Software,
    /// The task clock as the user sees it (kernel time excluded).
    TaskClock,
    /// `getrusage(RUSAGE_THREAD)`.
    Getrusage,
}

impl CounterSource {
    /// `hardware`, `hardware_user`, `software`, `task_clock`, `getrusage`.
    pub fn name(self) -> &'static str {
        match self {
            CounterSource::Hardware => "hardware",
            CounterSource::HardwareUser => "hardware_user",
            CounterSource::Software => "software",
            CounterSource::TaskClock => "task_clock",
            CounterSource::Getrusage => "getrusage",
        }
    }
}

impl fmt::Display for CounterSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// Whether and how one counter is available (`machine.counters`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterAvailability {
    /// Counter name.
    pub name: String,
    /// Measured or unavailable.
    #[serde(default)]
    pub status: CounterStatus,
    /// Where it is read from; `None` (written `""`) when unavailable.
    #[serde(default, with = "crate::words::empty")]
    pub source: Option<CounterSource>,
    /// Why it is unavailable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One counter's figure at one configuration (`summary.counters`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CounterValue {
    /// Counter name.
    pub name: String,
    /// `ns` or `events`.
    #[serde(default)]
    pub unit: String,
    /// Measured or unavailable.
    #[serde(default)]
    pub status: CounterStatus,
    /// Where it came from; `None` (written `""`) when unavailable.
    #[serde(default, with = "crate::words::empty")]
    pub source: Option<CounterSource>,
    /// Median over passed runs of (sum over run threads) / messages; `None`
    /// when unavailable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_message: Option<f64>,
    /// Why it is unavailable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Where a run's threads go.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    /// More threads than cores: they must take turns.
    pub oversubscribed: bool,
    /// Core of each thread (producers first, then consumers), or `None` when
    /// the threads are not pinned.
    pub cores: Option<Vec<usize>>,
    /// Producer and consumer threads in the run.
    pub threads: usize,
}

impl Placement {
    /// The core for thread `index` (producers first), if pinned.
    pub fn core_for(&self, index: usize) -> Option<usize> {
        self.cores.as_ref().map(|cores| cores[index])
    }

    /// A short description, e.g. `pinned p0:0 c0:1` or `unpinned (oversubscribed: 4 threads on 2 cores)`.
    pub fn describe(&self, producers: usize, available: usize) -> String {
        match &self.cores {
            Some(cores) => {
                let names = cores.iter().enumerate().map(|(index, core)| {
                    if index < producers {
                        format!("p{index}:{core}")
                    } else {
                        format!("c{}:{core}", index - producers)
                    }
                });
                format!("pinned {}", names.collect::<Vec<_>>().join(" "))
            }
            None if self.oversubscribed => {
                format!(
                    "unpinned (oversubscribed: {} threads on {available} cores)",
                    self.threads
                )
            }
            None => "unpinned (core list unavailable)".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unavailable_counter_keeps_its_empty_source() {
        let counter = CounterAvailability {
            name: "cycles".into(),
            status: CounterStatus::Unavailable,
            source: None,
            reason: Some("no PMU".into()),
        };
        let text = serde_json::to_string(&counter).unwrap();
        assert_eq!(
            text,
            r#"{"name":"cycles","status":"unavailable","source":"","reason":"no PMU"}"#
        );
        assert_eq!(
            serde_json::from_str::<CounterAvailability>(&text).unwrap(),
            counter
        );
        let measured: CounterAvailability = serde_json::from_str(
            r#"{"name":"task_clock","status":"measured","source":"task_clock"}"#,
        )
        .unwrap();
        assert_eq!(measured.source, Some(CounterSource::TaskClock));
        let wrong = serde_json::from_str::<CounterAvailability>(
            r#"{"name":"x","status":"measured","source":"abacus"}"#,
        );
        assert!(wrong.is_err());
    }
}
