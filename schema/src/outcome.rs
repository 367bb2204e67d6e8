//! How one run ended ([`Outcome`]), what the oracle found ([`Verdict`]),
//! what the run threads measured about themselves ([`Costs`]), and the
//! one-word [`Label`] tables, summaries and reports show for it.

use core::fmt;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The oracle's finding for one run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// Whether the run kept every guarantee checked.
    pub passed: bool,
    /// Messages the producers sent.
    #[serde(default)]
    pub sent: u64,
    /// Deliveries the consumers recorded (sent x consumers for fan-out).
    #[serde(default)]
    pub delivered: u64,
    /// Deliveries the run should have made.
    #[serde(default)]
    pub expected_deliveries: u64,
    /// Each violation, in words; empty when passed.
    #[serde(default)]
    pub problems: Vec<String>,
    /// Only the number of deliveries was checked (the consumers did not
    /// read the messages): no integrity or order check was possible.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub count_only: bool,
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

/// One run's latency histograms, as stored in its outcome (the harness's
/// `latency` module encodes and decodes them).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunLatency {
    /// Encoded histogram (corrected, for one-way runs).
    pub histogram: String,
    /// Encoded service-time histogram (one-way runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_histogram: Option<String>,
    /// p50 of `histogram`, in ns (`None` when it is empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p50_ns: Option<f64>,
    /// One-way runs: receipts timed earlier than their send (the two
    /// cores' clocks disagree by more than the latency).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backwards_samples: Option<u64>,
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Every thread finished; the oracle judged the run.
    Completed {
        /// Measured region, in nanoseconds.
        #[serde(default)]
        elapsed_ns: u64,
        /// The oracle's finding.
        verdict: Verdict,
        /// Threads whose pinning the OS refused.
        #[serde(default)]
        pin_failures: usize,
        /// Deliveries each consumer recorded (work-sharing shows how evenly
        /// the work was spread).
        #[serde(default)]
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
        #[serde(default)]
        delivered: u64,
        /// Threads that did not stop within the grace period and were
        /// abandoned (still running; later runs of this invocation share
        /// the machine with them).
        #[serde(default)]
        abandoned_threads: usize,
    },
    /// The queue could not be built (a configuration error).
    BuildFailed {
        /// What the implementation said.
        #[serde(default)]
        error: String,
    },
    /// A thread panicked, or a producer found every consumer gone.
    Crashed {
        /// What went wrong.
        #[serde(default)]
        error: String,
    },
    /// The implementation cannot run on this machine (a foreign
    /// implementation whose runtime is not installed). Not a failure:
    /// nothing ran.
    Unavailable {
        /// Why, and how to make it available.
        #[serde(default)]
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
        let shares = deliveries_per_consumer
            .iter()
            .map(|&count| count as f64 / total);
        let low = shares.clone().fold(f64::INFINITY, f64::min);
        let high = shares.fold(f64::NEG_INFINITY, f64::max);
        Some((low, high))
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
        self.label().failed()
    }

    /// Whether the implementation could not run on the machine.
    pub fn unavailable(&self) -> bool {
        matches!(self, Outcome::Unavailable { .. })
    }

    /// The one word for tables.
    pub fn label(&self) -> Label {
        match self {
            Outcome::Completed { verdict, .. } if verdict.passed && verdict.count_only => {
                Label::PassCountOnly
            }
            Outcome::Completed { verdict, .. } if verdict.passed => Label::Pass,
            Outcome::Completed { .. } => Label::Fail,
            Outcome::TimedOut { .. } => Label::Timeout,
            Outcome::BuildFailed { .. } => Label::BuildError,
            Outcome::Crashed { .. } => Label::Crash,
            Outcome::Unavailable { .. } => Label::Unavailable,
        }
    }

    /// How bad it is (see [`Label::severity`]).
    pub fn severity(&self) -> u8 {
        self.label().severity()
    }

    /// What happened, in words: the oracle's problems, the watchdog's
    /// count, the error or the reason.
    pub fn detail(&self) -> String {
        match self {
            Outcome::Completed { verdict, .. } => verdict.problems.join("; "),
            Outcome::TimedOut {
                delivered,
                abandoned_threads,
            } => format!(
                "stopped by the watchdog after {delivered} deliveries; \
                 {abandoned_threads} threads abandoned"
            ),
            Outcome::BuildFailed { error } | Outcome::Crashed { error } => error.clone(),
            Outcome::Unavailable { reason } => reason.clone(),
        }
    }
}

/// One word for how a run, or every run of one implementation at one
/// configuration, went: a summary's `verdict` is the worst of its runs'.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Label {
    /// Completed, and the oracle passed it.
    #[serde(rename = "pass")]
    Pass,
    /// Completed with consumers that did not read the messages: only the
    /// count of deliveries could be checked, and it held.
    #[serde(rename = "pass (count only)")]
    PassCountOnly,
    /// Completed, and the oracle caught an error.
    #[serde(rename = "FAIL")]
    Fail,
    /// The watchdog stopped it.
    #[serde(rename = "timeout")]
    Timeout,
    /// The queue could not be built.
    #[serde(rename = "build error")]
    BuildError,
    /// A thread panicked or a child process died.
    #[serde(rename = "crash")]
    Crash,
    /// Nothing ran: the implementation cannot run on this machine.
    #[serde(rename = "unavailable")]
    Unavailable,
}

impl Label {
    /// As written in tables and results.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Pass => "pass",
            Label::PassCountOnly => "pass (count only)",
            Label::Fail => "FAIL",
            Label::Timeout => "timeout",
            Label::BuildError => "build error",
            Label::Crash => "crash",
            Label::Unavailable => "unavailable",
        }
    }

    /// Whether its figures may be plotted and compared.
    pub fn passes(self) -> bool {
        matches!(self, Label::Pass | Label::PassCountOnly)
    }

    /// Whether it is a failure: anything but a pass, except an
    /// implementation that did not run.
    pub fn failed(self) -> bool {
        !self.passes() && self != Label::Unavailable
    }

    /// How bad it is, for a summary's verdict over several runs (the
    /// worst wins): a pass or an implementation that did not run (never
    /// mixed with runs that did), a timeout, a build error, a crash, and
    /// worst a run the oracle failed.
    pub fn severity(self) -> u8 {
        match self {
            Label::Pass | Label::PassCountOnly | Label::Unavailable => 0,
            Label::Timeout => 1,
            Label::BuildError => 2,
            Label::Crash => 3,
            Label::Fail => 4,
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELS: [Label; 7] = [
        Label::Pass,
        Label::PassCountOnly,
        Label::Fail,
        Label::Timeout,
        Label::BuildError,
        Label::Crash,
        Label::Unavailable,
    ];

    #[test]
    fn labels_are_written_as_they_read() {
        for label in LABELS {
            let written = serde_json::to_value(label).unwrap();
            assert_eq!(written.as_str(), Some(label.as_str()));
            assert_eq!(format!("{label}"), label.as_str());
            let read: Label = serde_json::from_value(written).unwrap();
            assert_eq!(read, label);
        }
    }

    #[test]
    fn a_failed_check_outranks_every_other_ending() {
        for label in LABELS {
            assert!(Label::Fail.severity() >= label.severity(), "{label}");
        }
        assert!(Label::Crash.severity() > Label::BuildError.severity());
        assert!(Label::BuildError.severity() > Label::Timeout.severity());
        assert!(!Label::Unavailable.failed() && !Label::Unavailable.passes());
    }

    #[test]
    fn outcomes_read_back_as_written() {
        let outcomes = [
            Outcome::Completed {
                elapsed_ns: 12,
                verdict: Verdict {
                    passed: false,
                    sent: 4,
                    delivered: 3,
                    expected_deliveries: 4,
                    problems: vec!["lost 1".into()],
                    count_only: false,
                },
                pin_failures: 0,
                deliveries_per_consumer: vec![3],
                metrics: BTreeMap::new(),
                costs: Box::default(),
            },
            Outcome::TimedOut {
                delivered: 7,
                abandoned_threads: 1,
            },
            Outcome::BuildFailed { error: "b".into() },
            Outcome::Crashed { error: "c".into() },
            Outcome::Unavailable { reason: "u".into() },
        ];
        let labels = [
            Label::Fail,
            Label::Timeout,
            Label::BuildError,
            Label::Crash,
            Label::Unavailable,
        ];
        for (outcome, label) in outcomes.iter().zip(labels) {
            let text = serde_json::to_string(outcome).unwrap();
            let read: Outcome = serde_json::from_str(&text).unwrap();
            assert_eq!(&read, outcome);
            assert_eq!(read.label(), label);
        }
        assert_eq!(outcomes[0].detail(), "lost 1");
        assert!(outcomes[1].detail().contains("after 7 deliveries"));
    }
}
